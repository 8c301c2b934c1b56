import CLibPQ

/// The result of one statement, kept as it arrived: libpq's, whose values become Swift strings only
/// when a collector reads them and whose long texts can be read where libpq holds them, or the
/// values a ClickHouse response decoded to. A PGresult does not change once made, and libpq lets
/// any thread read it.
final class ResultBuffer: @unchecked Sendable {
    private let result: OpaquePointer?
    /// The values of a result that did not come from libpq, by row then column; nil is NULL.
    private let values: [[String?]]
    let rowCount: Int
    let columns: [String]
    let columnTypes: [UInt32]
    let columnTypeNames: [String]

    init(_ result: OpaquePointer) {
        self.result = result
        values = []
        rowCount = Int(PQntuples(result))
        columns = (0..<PQnfields(result)).map { String(cString: PQfname(result, $0)) }
        columnTypes = (0..<PQnfields(result)).map { UInt32(PQftype(result, $0)) }
        columnTypeNames = Array(repeating: "", count: columns.count)
    }

    /// Decoded values, with the types the server named (`Nullable(UInt64)`); no OID names them (0).
    init(columns: [String], typeNames: [String], values: [[String?]]) {
        result = nil
        self.values = values
        rowCount = values.count
        self.columns = columns
        columnTypes = Array(repeating: 0, count: columns.count)
        columnTypeNames = typeNames
    }

    deinit { if let result { PQclear(result) } }

    /// The bytes of a value (libpq's text form), nil for NULL; valid inside `body` only.
    func withBytes<Result>(row: Int, column: Int, _ body: (UnsafeBufferPointer<UInt8>?) -> Result) -> Result {
        guard let result else {
            guard column < values[row].count, var value = values[row][column] else { return body(nil) }
            return value.withUTF8 { body($0) }
        }
        let (row, column) = (Int32(row), Int32(column))
        guard PQgetisnull(result, row, column) == 0, let value = PQgetvalue(result, row, column) else { return body(nil) }
        let length = Int(PQgetlength(result, row, column))
        return value.withMemoryRebound(to: UInt8.self, capacity: length) { body(UnsafeBufferPointer(start: $0, count: length)) }
    }

    func string(row: Int, column: Int) -> String? {
        withBytes(row: row, column: column) { $0.map { String(decoding: $0, as: UTF8.self) } }
    }

    /// A char(n) value without its padding blanks (dropped eight bytes at a time before any
    /// String is made), nil for NULL.
    func unpaddedString(row: Int, column: Int) -> String? {
        withBytes(row: row, column: column) { bytes in
            guard let bytes, let base = bytes.baseAddress else { return bytes.map { _ in "" } }
            var end = bytes.count
            while end >= 8 && UnsafeRawPointer(base + end - 8).loadUnaligned(as: UInt64.self) == 0x2020_2020_2020_2020 { end -= 8 }
            while end > 0 && base[end - 1] == 0x20 { end -= 1 }
            return String(decoding: UnsafeBufferPointer(start: base, count: end), as: UTF8.self)
        }
    }
}
