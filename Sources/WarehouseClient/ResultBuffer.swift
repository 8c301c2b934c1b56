import CLibPQ

/// The result of one statement, kept as it arrived, libpq's or a ClickHouse response's: values
/// become Swift strings only when a collector reads them, and long texts can be read where they
/// lie. A PGresult does not change once made, and libpq lets any thread read it.
final class ResultBuffer: @unchecked Sendable {
    private let result: OpaquePointer?
    /// A ClickHouse response, when the result did not come from libpq.
    private let tabSeparated: TabSeparated?
    let rowCount: Int
    let columns: [String]
    /// Each column's position by name; the first of two equally named columns wins, as in a SQL client.
    let index: [String: Int]
    let columnTypes: [UInt32]
    let columnTypeNames: [String]
    /// The size of the response the rows came in; nil for libpq's, which does not say.
    let byteCount: Int?

    init(_ result: OpaquePointer) {
        byteCount = nil
        self.result = result
        tabSeparated = nil
        rowCount = Int(PQntuples(result))
        columns = (0..<PQnfields(result)).map { String(cString: PQfname(result, $0)) }
        index = Self.index(columns)
        columnTypes = (0..<PQnfields(result)).map { UInt32(PQftype(result, $0)) }
        columnTypeNames = Array(repeating: "", count: columns.count)
    }

    /// A ClickHouse response, with the types the server named (`Nullable(UInt64)`); no OID names them (0).
    init(_ response: TabSeparated) {
        result = nil
        tabSeparated = response
        byteCount = response.byteCount
        rowCount = response.rowCount
        columns = response.columns
        index = Self.index(columns)
        columnTypes = Array(repeating: 0, count: columns.count)
        columnTypeNames = response.types
    }

    deinit { if let result { PQclear(result) } }

    private static func index(_ columns: [String]) -> [String: Int] {
        Dictionary(columns.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// The bytes of a value (libpq's text form, a ClickHouse value unescaped), nil for NULL; valid
    /// inside `body` only.
    func withBytes<Result>(row: Int, column: Int, _ body: (UnsafeBufferPointer<UInt8>?) -> Result) -> Result {
        if let tabSeparated { return tabSeparated.withBytes(row: row, column: column, body) }
        guard let result else { return body(nil) }
        let (row, column) = (Int32(row), Int32(column))
        guard PQgetisnull(result, row, column) == 0, let value = PQgetvalue(result, row, column) else { return body(nil) }
        let length = Int(PQgetlength(result, row, column))
        return value.withMemoryRebound(to: UInt8.self, capacity: length) { body(UnsafeBufferPointer(start: $0, count: length)) }
    }

    func string(row: Int, column: Int) -> String? {
        withBytes(row: row, column: column) { $0.map { String(decoding: $0, as: UTF8.self) } }
    }

    /// A value written as a decimal integer, read without making a String of it; nil for NULL or
    /// for anything else (a sign alone, a fraction, a value past 64 bits), which the caller then
    /// reads as text to say what it holds.
    func int64(row: Int, column: Int) -> Int64? {
        withBytes(row: row, column: column) { bytes -> Int64? in
            guard let bytes, !bytes.isEmpty else { return nil }
            let negative = bytes[0] == UInt8(ascii: "-")
            let digits = UnsafeBufferPointer(rebasing: bytes[(negative || bytes[0] == UInt8(ascii: "+") ? 1 : 0)...])
            guard !digits.isEmpty else { return nil }
            var value: Int64 = 0
            for byte in digits {
                let digit = Int64(byte) &- 48
                guard digit >= 0 && digit <= 9 else { return nil }
                // Accumulated negatively, so that Int64.min fits.
                let (shifted, overflow) = value.multipliedReportingOverflow(by: 10)
                let (next, under) = shifted.subtractingReportingOverflow(digit)
                guard !overflow && !under else { return nil }
                value = next
            }
            if negative { return value }
            return value == .min ? nil : -value
        }
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
