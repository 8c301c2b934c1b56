import CLibPQ

/// libpq's result of one statement, kept as it arrived: values become Swift strings only when a
/// collector reads them, and a long text can be read where libpq holds it. A PGresult does not
/// change once made, and libpq lets any thread read it.
final class ResultBuffer: @unchecked Sendable {
    private let result: OpaquePointer
    let rowCount: Int
    let columns: [String]
    let columnTypes: [UInt32]

    init(_ result: OpaquePointer) {
        self.result = result
        rowCount = Int(PQntuples(result))
        columns = (0..<PQnfields(result)).map { String(cString: PQfname(result, $0)) }
        columnTypes = (0..<PQnfields(result)).map { UInt32(PQftype(result, $0)) }
    }

    deinit { PQclear(result) }

    /// The bytes of a value (libpq's text form), nil for NULL; valid inside `body` only.
    func withBytes<Result>(row: Int, column: Int, _ body: (UnsafeBufferPointer<UInt8>?) -> Result) -> Result {
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
