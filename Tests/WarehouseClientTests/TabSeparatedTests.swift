@testable import WarehouseClient
import Testing

/// ClickHouse's TabSeparatedWithNamesAndTypes as the server writes it, decoded.
@Suite("TabSeparated")
struct TabSeparatedTests {
    private static func decode(_ text: String) throws -> (columns: [String], types: [String], rows: [[String?]]) {
        try TabSeparated.decode(Array(text.utf8))
    }

    @Test func namesTypesAndEscapedValues() throws {
        let (columns, types, rows) = try Self.decode(
            "at\tcomment\tn\nDateTime64(3, \\'UTC\\')\tNullable(String)\tUInt8\n2026-12-03 10:00:00.000\ta\\tb\\\\c\\nd\t1\n2026-12-03 10:00:01.000\t\\N\t2\n")
        #expect(columns == ["at", "comment", "n"])
        #expect(types == ["DateTime64(3, 'UTC')", "Nullable(String)", "UInt8"])
        #expect(rows == [["2026-12-03 10:00:00.000", "a\tb\\c\nd", "1"], ["2026-12-03 10:00:01.000", nil, "2"]])
    }

    @Test func anEmptyBodyIsNoResultAndAResultWithoutRowsHasItsColumns() throws {
        let empty = try Self.decode("")
        #expect(empty.columns.isEmpty && empty.rows.isEmpty)
        let none = try Self.decode("n\nUInt64\n")
        #expect(none.columns == ["n"] && none.types == ["UInt64"] && none.rows.isEmpty)
    }

    @Test func aBodyWithoutItsTypesLineOrWithARaggedRowIsADecodingError() {
        let untyped = #expect(throws: WarehouseError.self) { try Self.decode("n\n") }
        #expect(untyped?.kind == .decoding)
        let ragged = #expect(throws: WarehouseError.self) { try Self.decode("a\tb\nUInt8\tUInt8\n1\n") }
        #expect(ragged?.kind == .decoding)
    }
}
