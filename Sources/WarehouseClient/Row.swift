/// One row of a ``QueryResult``, with accessors that say which column broke an expectation.
public struct Row: Sendable {
    // The buffer alone, which holds the names: a row is copied for every value read, and each
    // reference it holds is counted each time.
    let buffer: ResultBuffer
    let row: Int

    private var columns: [String] { buffer.columns }

    /// The raw text of a column, or `nil` for SQL NULL.
    public func text(_ column: String) throws(WarehouseError) -> String? {
        buffer.string(row: row, column: try position(of: column))
    }

    /// The raw text of the column at `position` (in ``QueryResult/columns`` order), or `nil` for
    /// SQL NULL; for results whose column names may repeat.
    public func text(at position: Int) -> String? {
        buffer.string(row: row, column: position)
    }

    /// The bytes of a column's text where libpq keeps them, nil for SQL NULL, for a reader that
    /// needs no String of its own (a query's 4000-byte stored text); valid inside `body` only.
    public func withBytes<Result>(_ column: String, _ body: (UnsafeBufferPointer<UInt8>?) -> Result) throws(WarehouseError) -> Result {
        buffer.withBytes(row: row, column: try position(of: column), body)
    }

    private func position(of column: String) throws(WarehouseError) -> Int {
        try Self.position(of: column, in: buffer)
    }

    /// Where `column` is among the columns of `buffer`; throws when there is no such column.
    static func position(of column: String, in buffer: ResultBuffer) throws(WarehouseError) -> Int {
        guard let position = buffer.index[column] else {
            throw WarehouseError(.decoding, "no column \"\(column)\" in result (columns: \(buffer.columns.joined(separator: ", ")))")
        }
        return position
    }

    public func string(_ column: String) throws(WarehouseError) -> String {
        try nonNull(column)
    }

    public func int64(_ column: String) throws(WarehouseError) -> Int64 {
        try int64(at: try position(of: column))
    }

    /// ``int64(_:)`` of the column at `position` (``QueryResult/position(of:)``).
    public func int64(at position: Int) throws(WarehouseError) -> Int64 {
        if let value = buffer.int64(row: row, column: position) { return value }
        throw mismatch(columns[position], try string(at: position), "a 64-bit integer")
    }

    /// ``string(_:)`` of the column at `position` (``QueryResult/position(of:)``).
    public func string(at position: Int) throws(WarehouseError) -> String {
        guard let value = buffer.string(row: row, column: position) else {
            throw WarehouseError(.decoding, "column \"\(columns[position])\" is NULL where a value was expected")
        }
        return value
    }

    /// ``withBytes(_:_:)`` of the column at `position` (``QueryResult/position(of:)``).
    public func withBytes<Result>(at position: Int, _ body: (UnsafeBufferPointer<UInt8>?) -> Result) -> Result {
        buffer.withBytes(row: row, column: position, body)
    }

    public func double(_ column: String) throws(WarehouseError) -> Double {
        let text = try nonNull(column)
        guard let value = Self.number(text) else { throw mismatch(column, text, "a number") }
        return value
    }

    /// The value at `position` (in ``QueryResult/columns`` order) as a number, a boolean as 1 or
    /// 0, nil for SQL NULL; for results whose column names may repeat.
    public func number(at position: Int) throws(WarehouseError) -> Double? {
        guard let text = text(at: position) else { return nil }
        switch text {
        // PostgreSQL's booleans, and ClickHouse's Bool.
        case "t", "true": return 1
        case "f", "false": return 0
        default:
            guard let value = Self.number(text) else { throw mismatch(columns[position], text, "a number") }
            return value
        }
    }

    /// PostgreSQL and ClickHouse each spell the IEEE specials their own way.
    private static func number(_ text: String) -> Double? {
        switch text {
        case "NaN", "nan", "-nan": .nan
        case "Infinity", "inf", "+inf": .infinity
        case "-Infinity", "-inf": -.infinity
        default: Double(text)
        }
    }

    public func bool(_ column: String) throws(WarehouseError) -> Bool {
        switch try nonNull(column) {
        case "t", "true": return true
        case "f", "false": return false
        case let text: throw mismatch(column, text, "a boolean")
        }
    }

    public func optionalInt64(_ column: String) throws(WarehouseError) -> Int64? {
        try text(column) == nil ? nil : try int64(column)
    }

    public func optionalDouble(_ column: String) throws(WarehouseError) -> Double? {
        try text(column) == nil ? nil : try double(column)
    }

    /// A `char(n)` value without the blanks that pad it, "" for NULL. Trimming here rather than
    /// with `trim()` in the SQL spares the server a conversion per value (PostgreSQL spends as
    /// much on it as on reading the row).
    public func unpadded(_ column: String) throws(WarehouseError) -> String {
        buffer.unpaddedString(row: row, column: try position(of: column)) ?? ""
    }

    private func nonNull(_ column: String) throws(WarehouseError) -> String {
        try string(at: try position(of: column))
    }

    private func mismatch(_ column: String, _ text: String, _ expected: String) -> WarehouseError {
        WarehouseError(.decoding, "column \"\(column)\" holds \"\(text.prefix(64))\", not \(expected)")
    }
}
