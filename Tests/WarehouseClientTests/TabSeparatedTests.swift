@testable import WarehouseClient
import Testing

/// ClickHouse's TabSeparatedWithNamesAndTypes as the server writes it, decoded.
@Suite("TabSeparated")
struct TabSeparatedTests {
    private static func decode(_ text: String) throws -> (columns: [String], types: [String], rows: [[String?]]) {
        let response = try TabSeparated(Array(text.utf8))
        let rows = (0..<response.rowCount).map { row in
            response.columns.indices.map { column in response.withBytes(row: row, column: column) { $0.map { String(decoding: $0, as: UTF8.self) } } }
        }
        return (response.columns, response.types, rows)
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

    @Test func integersAreReadFromTheBytesWithTheTextAsTheErrorWhenTheyAreNotIntegers() throws {
        let result = QueryResult(
            try TabSeparated(Array("n\nInt64\n-9223372036854775808\n9223372036854775807\n+5\n0007\n9223372036854775808\n1.5\n-\n\\N\n".utf8)))
        let rows = result.rows
        #expect(try rows[0].int64(at: 0) == .min)
        #expect(try rows[1].int64(at: 0) == .max)
        #expect(try rows[2].int64(at: 0) == 5)
        #expect(try rows[3].int64("n") == 7)
        for (row, text) in [(4, "9223372036854775808"), (5, "1.5"), (6, "-")] {
            let error = #expect(throws: WarehouseError.self) { try rows[row].int64(at: 0) }
            #expect(error?.message.contains("\"\(text)\"") == true)
        }
        let null = #expect(throws: WarehouseError.self) { try rows[7].int64(at: 0) }
        #expect(null?.message.contains("NULL") == true)
    }

    @Test func theLastValueEndsAtItsLineFeedOrAtTheEndOfABodyWithoutOne() throws {
        for body in ["a\tb\nString\tString\nx\ty\n", "a\tb\nString\tString\nx\ty"] {
            let rows = QueryResult(try TabSeparated(Array(body.utf8))).rows
            #expect(rows.count == 1)
            #expect(try rows[0].string(at: 1) == "y")
        }
    }
}
