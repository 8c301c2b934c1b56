/// ClickHouse's `TabSeparatedWithNamesAndTypes` output: a line of column names, one of their types,
/// then a line per row, values separated by tabs. Values escape `\b \f \r \n \t \0 \' \\` with a
/// backslash, and NULL is `\N`, so a raw line feed always ends a row and a raw tab always ends a
/// value.
///
/// A response is kept as it arrived, with where each value starts: a value becomes a String only
/// when it is read as one, and is read where it lies when it holds no escape. A page of query_log
/// rows would otherwise make fifteen Strings a row, most never looked at as text.
struct TabSeparated: Sendable {
    let columns: [String]
    let types: [String]
    let rowCount: Int
    var byteCount: Int { body.count }
    private let body: [UInt8]
    /// Where each value starts, row by row, and one more: a value ends one byte (its tab or line
    /// feed) before the next one starts.
    private let starts: [Int]

    /// Splits a response body; throws ``WarehouseError`` of kind `.decoding` for a row whose number
    /// of values differs from the names'.
    init(_ body: [UInt8]) throws(WarehouseError) {
        self.body = body
        var starts: [Int] = []
        var columns: [String] = []
        var types: [String] = []
        var rows = 0
        var line = 0
        var problem: WarehouseError?
        body.withUnsafeBufferPointer { bytes in
            var fieldsInLine = 0
            var index = 0
            let count = bytes.count
            while index < count {
                // One value: up to the next tab or line feed.
                let fieldStart = index
                while index < count && bytes[index] != 0x09 && bytes[index] != 0x0A { index += 1 }
                fieldsInLine += 1
                if line >= 2 { starts.append(fieldStart) }
                let endsLine = index >= count || bytes[index] == 0x0A
                if line < 2 {
                    let text = Self.unescape(UnsafeBufferPointer(rebasing: bytes[fieldStart..<index])) ?? (line == 0 ? "NULL" : "")
                    if line == 0 { columns.append(text) } else { types.append(text) }
                }
                index += 1
                if endsLine {
                    if line >= 2 {
                        guard fieldsInLine == columns.count else {
                            problem = WarehouseError(
                                .decoding, "row \(rows + 1) of a ClickHouse response has \(fieldsInLine) values for \(columns.count) columns")
                            return
                        }
                        rows += 1
                    } else if line == 1 && types.count != columns.count {
                        problem = WarehouseError(.decoding, "a ClickHouse response names \(types.count) types for \(columns.count) columns")
                        return
                    }
                    line += 1
                    fieldsInLine = 0
                }
            }
            // Past the last value's line feed (or, were it missing, past the end).
            starts.append(index)
        }
        if let problem { throw problem }
        if line == 1 && !columns.isEmpty {
            throw WarehouseError(.decoding, "a ClickHouse response names 0 types for \(columns.count) columns")
        }
        self.columns = columns
        self.types = types
        self.rowCount = rows
        self.starts = starts
    }

    /// The bytes of a value as sent, escapes and all; valid inside `body` only.
    private func withRaw<Result>(row: Int, column: Int, _ body: (UnsafeBufferPointer<UInt8>) -> Result) -> Result {
        let index = row * columns.count + column
        let (start, end) = (starts[index], starts[index + 1] - 1)
        return self.body.withUnsafeBufferPointer { body(UnsafeBufferPointer(rebasing: $0[start..<end])) }
    }

    /// A value's bytes with the escapes undone, nil for `\N`; read in place when there is nothing
    /// to undo. Valid inside `body` only.
    func withBytes<Result>(row: Int, column: Int, _ body: (UnsafeBufferPointer<UInt8>?) -> Result) -> Result {
        withRaw(row: row, column: column) { raw in
            if Self.isNull(raw) { return body(nil) }
            guard raw.contains(0x5C) else { return body(raw) }
            return Self.unescaped(raw).withUnsafeBufferPointer { body($0) }
        }
    }

    /// One value: nil for `\N`, else its text with the escapes undone.
    static func unescape(_ field: UnsafeBufferPointer<UInt8>) -> String? {
        if isNull(field) { return nil }
        guard field.contains(0x5C) else { return String(decoding: field, as: UTF8.self) }
        return String(decoding: unescaped(field), as: UTF8.self)
    }

    private static func isNull(_ field: UnsafeBufferPointer<UInt8>) -> Bool {
        field.count == 2 && field[0] == 0x5C && field[1] == 0x4E
    }

    /// The escapes undone. One ClickHouse does not write (`\x`) stands for the character after the
    /// backslash, as its input parser reads it.
    private static func unescaped(_ field: UnsafeBufferPointer<UInt8>) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(field.count)
        var escaped = false
        for byte in field {
            if escaped {
                escaped = false
                switch byte {
                case UInt8(ascii: "b"): bytes.append(0x08)
                case UInt8(ascii: "f"): bytes.append(0x0C)
                case UInt8(ascii: "r"): bytes.append(0x0D)
                case UInt8(ascii: "n"): bytes.append(0x0A)
                case UInt8(ascii: "t"): bytes.append(0x09)
                case UInt8(ascii: "0"): bytes.append(0x00)
                default: bytes.append(byte)
                }
            } else if byte == 0x5C {
                escaped = true
            } else {
                bytes.append(byte)
            }
        }
        if escaped { bytes.append(0x5C) }
        return bytes
    }
}
