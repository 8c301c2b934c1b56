@testable import Collectors
import Foundation
import Testing

@Suite struct RedshiftTimestampTests {
    @Test(arguments: ["2026-11-21 10:05:00.000001", "2024-02-29 23:59:59.999999", "2000-01-01 00:00:00.000000", "1969-12-31 23:59:59.500000"])
    func readsAndWritesTheSameText(_ text: String) throws {
        let timestamp = try #require(RedshiftTimestamp(text))
        #expect(timestamp.text == text)
    }

    @Test func agreesWithFoundationAndMovesAcrossDays() throws {
        let timestamp = try #require(RedshiftTimestamp("2026-03-01 00:00:10.250000"))
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let date = try #require(calendar.date(from: DateComponents(year: 2026, month: 3, day: 1, second: 10)))
        #expect(Double(timestamp.microseconds) / 1e6 == date.timeIntervalSince1970 + 0.25)
        #expect(timestamp.adding(seconds: -600).text == "2026-02-28 23:50:10.250000")
        #expect(RedshiftTimestamp("2026-03-01 00:00:10")?.text == "2026-03-01 00:00:10.000000")
        #expect(RedshiftTimestamp("not a time") == nil)
    }
}
