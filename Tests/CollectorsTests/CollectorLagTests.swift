@testable import Collectors
import Foundation
import QueryMetrics
import SQLText
import Testing
import WarehouseClient

@Suite("Collector lag: how long a finished query waits to be counted")
struct CollectorLagTests {
    /// Seconds since 1970 of a UTC wall-clock time, by Foundation's calendar.
    static func epoch(_ year: Int, _ month: Int, _ day: Int, _ hour: Int, _ minute: Int, _ second: Int) -> Double {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return calendar.date(from: DateComponents(year: year, month: month, day: day, hour: hour, minute: minute, second: second))!
            .timeIntervalSince1970
    }

    @Test func readsPostgresLogTimes() {
        let base = Self.epoch(2026, 11, 21, 10, 0, 0)
        #expect(LogTimestamp.seconds("1970-01-01 00:00:00 UTC") == 0)
        #expect(LogTimestamp.seconds("2026-11-21 10:00:00.250 UTC") == base + 0.25)
        #expect(LogTimestamp.seconds("2026-11-21 10:00:00.250 GMT") == base + 0.25)
        #expect(LogTimestamp.seconds("2026-11-21 11:00:00.000 +01") == base)
        #expect(LogTimestamp.seconds("2026-11-21 04:30:00 -05:30") == base)
        #expect(LogTimestamp.seconds("2026-11-21 10:00:00") == base, "no zone: UTC")
        // Named zones are ambiguous (IST is India's, Ireland's and Israel's): no time, no guess.
        for text in ["2026-11-21 10:00:00.000 CET", "2026-11-21 10:00:00 +25", "2026-11-21 10:00", "", "yesterday"] {
            #expect(LogTimestamp.seconds(text) == nil, "\(text)")
        }
    }

    @Test func everyLogFormatCarriesTheEntrysTime() {
        let json = Array(#"{"timestamp":"2026-11-21 10:00:00.250 UTC","user":"etl","message":"duration: 1.0 ms  statement: SELECT 1"}"#.utf8)
        #expect(json.withUnsafeBufferPointer { JSONLogLine.entry($0) }?.timestamp == "2026-11-21 10:00:00.250 UTC")
        let csv = Array(#"2026-11-21 10:00:00.250 UTC,"etl","db",42,,,,,,,,LOG,00000,"duration: 1.0 ms  statement: SELECT 1""#.utf8)
        #expect(csv.withUnsafeBufferPointer { CSVLogRecord.entry($0) }?.timestamp == "2026-11-21 10:00:00.250 UTC")
        var stderr = StderrLogReader()
        let line = Array("2026-11-21 10:00:00.250 UTC [42] etl@db [app] 00000 LOG:  duration: 1.0 ms  statement: SELECT 1".utf8)
        #expect(line.withUnsafeBufferPointer { stderr.entry($0) }?.timestamp == "2026-11-21 10:00:00.250 UTC")
    }

    /// A jsonlog line for a statement that finished `ago` seconds before now, in `zone`.
    static func line(finished ago: Double, zone: String = "UTC", app: String = "airflow", statement: String = "SELECT 1", pid: Int = 100) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd HH:mm:ss.SSS"
        let time = formatter.string(from: Date(timeIntervalSinceNow: -ago))
        return #"{"timestamp":"\#(time) \#(zone)","user":"etl","dbname":"db","application_name":"\#(app)","pid":\#(pid),"error_severity":"LOG","message":"duration: 12.5 ms  statement: \#(statement)"}"#
            + "\n"
    }

    @Test func theLagIsTheOldestNewQuerysWaitAndZeroWhenNothingIsNew() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("lag-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let file = directory + "/postgresql-1.json"
        #expect(FileManager.default.createFile(atPath: file, contents: nil))
        let collector = PostgresQueryLogCollector(
            options: .init(directory: directory, format: .jsonlog), warehouse: "w", recorder: QueryRecorder(), rules: AnnotationRules(),
            state: try StateStore(path: nil))
        #expect(collector.lagSeconds == nil, "before the first run")
        try collector.ingest(warehouse: "w")
        #expect(collector.lagSeconds == 0)

        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: file))
        defer { try? log.close() }
        log.seekToEndOfFile()
        // The exporter's own statement is not counted, so its older time does not count either.
        let own = Self.line(finished: 900, app: "warehouse_exporter", statement: #"/* {\"app\":\"warehouse_exporter\"} */ SELECT 1"#, pid: 4242)
        log.write(Data((own + Self.line(finished: 600) + Self.line(finished: 30)).utf8))
        try collector.ingest(warehouse: "w", ownSessions: SessionRegistry(saved: [4242]))
        let lag = try #require(collector.lagSeconds)
        #expect(lag >= 600 && lag < 630, "\(lag)")

        try collector.ingest(warehouse: "w")
        #expect(collector.lagSeconds == 0, "caught up")

        log.write(Data(Self.line(finished: 5, zone: "CET").utf8))
        try collector.ingest(warehouse: "w")
        #expect(collector.lagSeconds == nil, "a named zone's times cannot be read")
    }
}
