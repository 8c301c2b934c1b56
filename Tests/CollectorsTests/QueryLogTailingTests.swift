import Collectors
import Foundation
import QueryMetrics
import SQLText
import Testing

/// The query_log collector's reading of log files, on files the test writes itself: partial
/// lines, truncation, rotation, restarts, and an idle server.
@Suite struct QueryLogTailingTests: QueryLogDirectoryTest {
    let directory: String
    let statePath: String

    init() throws {
        (directory, statePath) = try Self.makeDirectory("querylog")
    }

    /// A jsonlog line for a finished statement of the airflow task `task`.
    static func line(task: String, ms: Double = 5) -> String {
        let sql = #"/* {\"app\":\"airflow\",\"dag\":\"d\",\"task\":\"\#(task)\"} */ SELECT 1"#
        return #"{"timestamp":"2026-11-21 10:00:00.000 UTC","user":"etl","dbname":"db","pid":1,"error_severity":"LOG","message":"duration: \#(ms) ms  statement: \#(sql)","application_name":"worker","backend_type":"client backend"}"# + "\n"
    }

    func count(_ recorder: QueryRecorder, task: String) -> Double {
        var buffer: [UInt8] = []
        recorder.emit(into: &buffer)
        let prefix = #"warehouse_query_duration_seconds_count{warehouse="w",database="db",app="airflow",user="etl",dag="d",task="\#(task)",query_type="select",status="success"} "#
        let line = String(decoding: buffer, as: UTF8.self).split(separator: "\n").first { $0.hasPrefix(prefix) }
        return line.flatMap { Double($0.dropFirst(prefix.count)) } ?? 0
    }

    @Test func readsEachCompleteLineOnceThroughPartialLinesTruncationAndRotation() throws {
        try append(Self.line(task: "before") + Self.line(task: "before"), to: "postgresql-1.json")
        let recorder = QueryRecorder()
        let collector = try collector(recorder)
        #expect(try collector.ingest(warehouse: "w").records == 0)  // history before the exporter is not replayed

        // A line still being written is left until it is whole.
        let line = Self.line(task: "t")
        try append(Self.line(task: "t") + Self.line(task: "t") + String(line.prefix(40)), to: "postgresql-1.json")
        try collector.ingest(warehouse: "w")
        #expect(count(recorder, task: "t") == 2)
        try append(String(line.dropFirst(40)), to: "postgresql-1.json")
        try collector.ingest(warehouse: "w")
        #expect(count(recorder, task: "t") == 3)
        #expect(count(recorder, task: "before") == 0)

        // Truncated and rewritten under the same name (log_truncate_on_rotation), even longer than before.
        let truncated = directory + "/postgresql-1.json"
        try (Self.line(task: "after-truncation") + String(repeating: Self.line(task: "padding"), count: 10))
            .write(toFile: truncated, atomically: false, encoding: .utf8)
        try collector.ingest(warehouse: "w")
        #expect(count(recorder, task: "after-truncation") == 1)
        #expect(count(recorder, task: "padding") == 10)

        // Rotation: a new file, written after the old one.
        try append(Self.line(task: "t") + Self.line(task: "rotated"), to: "postgresql-2.json")
        try FileManager.default.setAttributes([.modificationDate: Date().addingTimeInterval(5)], ofItemAtPath: directory + "/postgresql-2.json")
        try collector.ingest(warehouse: "w")
        #expect(count(recorder, task: "t") == 4)
        #expect(count(recorder, task: "rotated") == 1)

        // Idle: nothing new, the state file is not rewritten.
        let written = try FileManager.default.attributesOfItem(atPath: statePath)[.modificationDate] as? Date
        Thread.sleep(forTimeInterval: 0.05)
        #expect(try collector.ingest(warehouse: "w").records == 0)
        #expect(try FileManager.default.attributesOfItem(atPath: statePath)[.modificationDate] as? Date == written)

        // A restart resumes where the state file says: what came meanwhile, once; nothing before.
        try append(Self.line(task: "while-down"), to: "postgresql-2.json")
        let restarted = QueryRecorder()
        try self.collector(restarted).ingest(warehouse: "w")
        #expect(count(restarted, task: "while-down") == 1)
        #expect(count(restarted, task: "t") == 0 && count(restarted, task: "rotated") == 0)
    }

    @Test func aDirectoryEmptyAtTheFirstReadHasItsFirstFileReadWhole() throws {
        let recorder = QueryRecorder()
        let collector = try collector(recorder)
        #expect(try collector.ingest(warehouse: "w").records == 0)
        try append(Self.line(task: "t") + Self.line(task: "t"), to: "postgresql-1.json")
        try collector.ingest(warehouse: "w")
        #expect(count(recorder, task: "t") == 2, "a new server's first statements are not history")
    }

    @Test func aLineLongerThanAReadAndGarbageLinesAreSkippedAndTheStatementsAroundThemCounted() throws {
        try append(Self.line(task: "before"), to: "postgresql-1.json")
        let recorder = QueryRecorder()
        let collector = try collector(recorder)
        try collector.ingest(warehouse: "w")
        let huge = #"{"user":"etl","message":""# + String(repeating: "x", count: 5 << 20) + "\n"
        try append(Self.line(task: "t") + huge + "\u{0}\u{1}{\"user\":\u{FFFD}\n" + "}}}\n" + Self.line(task: "t"), to: "postgresql-1.json")
        let read = try collector.ingest(warehouse: "w")
        #expect(count(recorder, task: "t") == 2)
        #expect(read.skippedBytes >= 4 << 20, "the part longer than a read is reported")
    }

    @Test func aStateFileThatIsNotJSONStopsTheStartInsteadOfRecounting() throws {
        try "not json".write(toFile: statePath, atomically: true, encoding: .utf8)
        let error = #expect(throws: StateStoreError.self) { try StateStore(path: statePath) }
        #expect(error?.description.contains(statePath) == true)
    }

    @Test func chargesEachStatementItsSecondsAtTheServersPrice() throws {
        try append("", to: "postgresql-1.json")
        let recorder = QueryRecorder()
        let collector = PostgresQueryLogCollector(
            options: .init(directory: directory, format: .jsonlog, dollarsPerHour: 7.2), warehouse: "w", recorder: recorder,
            rules: AnnotationRules(), state: try StateStore(path: nil))
        try collector.ingest(warehouse: "w")
        try append(Self.line(task: "a", ms: 1500) + Self.line(task: "a", ms: 500) + Self.line(task: "b", ms: 250), to: "postgresql-1.json")
        try collector.ingest(warehouse: "w")
        var buffer: [UInt8] = []
        recorder.emit(into: &buffer)
        let text = String(decoding: buffer, as: UTF8.self)
        // 2 s at $7.20 an hour is $0.004; 0.25 s is $0.0005.
        #expect(text.contains(#"warehouse_query_cost_dollars_total{warehouse="w",app="airflow",user="etl",dag="d",task="a"} 0.004"#), "\(text)")
        #expect(text.contains(#"warehouse_query_cost_dollars_total{warehouse="w",app="airflow",user="etl",dag="d",task="b"} 0.0005"#))
    }

    @Test func stderrRecordsWithContinuationsAndErrorsSplitAcrossReads() throws {
        let file = "postgresql.log"
        try append("", to: file)
        let recorder = QueryRecorder()
        let collector = PostgresQueryLogCollector(
            options: .init(directory: directory, format: .stderr), warehouse: "w", recorder: recorder,
            rules: AnnotationRules(), state: try StateStore(path: nil))
        try collector.ingest(warehouse: "w")
        let prefix = "2026-11-21 10:00:00.000 UTC [4242] etl@db [odd] app name] "
        try append(
            prefix + "00000 LOG:  duration: 12.5 ms  statement: /* {\"app\":\"airflow\",\"dag\":\"d\",\"task\":\"t\"} */ SELECT a,\n\t  b\n\tFROM x\n"
                + "2026-11-21 10:00:01.000 UTC [17] LOG:  checkpoint starting: time\n"
                + prefix + "22012 ERROR:  division by zero\n",
            to: file)
        try collector.ingest(warehouse: "w")
        // The error's statement arrives in the next read.
        try append(prefix + "22012 STATEMENT:  SELECT 1/0\n", to: file)
        try collector.ingest(warehouse: "w")

        var buffer: [UInt8] = []
        recorder.emit(into: &buffer)
        let text = String(decoding: buffer, as: UTF8.self)
        #expect(text.contains(#"warehouse_query_duration_seconds_count{warehouse="w",database="db",app="airflow",user="etl",dag="d",task="t",query_type="select",status="success"} 1"#), "\(text)")
        #expect(text.contains(#"warehouse_table_reads_total{warehouse="w",schema="public",table="x",app="airflow",dag="d",task="t"} 1"#))
        #expect(text.contains(#"warehouse_query_duration_seconds_count{warehouse="w",database="db",app="odd] app name",user="etl",query_type="select",status="failed"} 1"#))
    }
}
