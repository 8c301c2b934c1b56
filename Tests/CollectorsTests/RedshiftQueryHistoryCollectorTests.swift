import Collectors
import Foundation
import Logging
import QueryMetrics
import SQLText
import TestSupport
import Testing
import WarehouseClient

/// The Redshift query_history collector against the Redshift-shaped fixture in a real PostgreSQL.
@Suite("Redshift query_history collector")
struct RedshiftQueryHistoryCollectorTests {
    static let airflow = #"/* {"app":"airflow","dag":"d","task":"t"} */ "#

    struct Harness {
        let recorder = QueryRecorder()
        let collector: RedshiftQueryHistoryCollector
        let context: CollectionContext

        init(_ fixture: RedshiftFixture, statePath: String, connection: Connection) throws {
            collector = RedshiftQueryHistoryCollector(
                options: .init(window: HistoryWindow(overlap: .seconds(600), pageSize: 2), dollarsPerHour: 36), warehouse: "rs", recorder: recorder,
                rules: AnnotationRules(), state: try StateStore(path: statePath))
            context = CollectionContext(connection: connection, warehouse: "rs", queryTimeout: .seconds(10), logger: Logger(label: "test"))
        }

        /// The value of the sample `name` with exactly `labels`, nil when absent.
        func value(_ name: String, _ labels: [String: String]) -> Double? {
            Exposition(recorder).value(name, labels)
        }
    }

    static func query(_ id: Int64, end: String, seconds: Double, queue: Double = 0, type: String = "SELECT", status: String = "success",
                      label: String = "default", text: String, session: Int64? = nil) -> RedshiftFixture.Query {
        RedshiftFixture.Query(
            id: id, end: end, elapsedMicroseconds: Int64(seconds * 1_000_000), text: text, type: type, status: status, label: label,
            queueMicroseconds: Int64(queue * 1_000_000), session: session)
    }

    /// The exporter's annotation, as it starts each of its statements.
    static let own = OwnStatements.annotation + "\n"

    /// Seconds from a UTC time to now.
    static func secondsSince(_ utc: String) -> Double {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd HH:mm:ss"
        return Date().timeIntervalSince(formatter.date(from: utc)!)
    }

    /// Once with the SYS views, once on a "cluster" with only STL_QUERY, STL_WLM_QUERY and
    /// STL_QUERYTEXT (whose 200-character chunks hold the whole text).
    @Test(arguments: RedshiftFixture.Views.allCases)
    func countsEveryFinishedQueryOnceWithItsWholeTextAcrossLateRowsAndARestart(views: RedshiftFixture.Views) async throws {
        let postgres = try TestPostgres.shared()
        let fixture = try await RedshiftFixture(postgres: postgres, database: try await postgres.createDatabase(prefix: "rs"))
        try await fixture.use(views)
        try await fixture.store(
            Self.query(1, end: "2026-11-21 10:00:00.000000", seconds: 5, text: Self.airflow + "INSERT INTO s.t SELECT 1"),
            Self.query(2, end: "2026-11-21 10:00:00.000000", seconds: 5, text: "SELECT 1"), in: views)
        let connection = try await Connection.connect(ConnectionSettings(dsn: fixture.dsn))
        defer { connection.close() }
        let statePath = postgres.directory + "/rs-state-\(UUID().uuidString.prefix(8)).json"
        let first = try Harness(fixture, statePath: statePath, connection: connection)
        try await first.collector.collect(first.context)  // history before the exporter: not counted

        let longBody = "SELECT\n" + String(repeating: "  col_with_a_long_name,\n", count: 200) + "  1 FROM marts.orders"
        try await fixture.store(
            Self.query(10, end: "2026-11-21 10:05:00.000001", seconds: 2, queue: 0.5, type: "INSERT", text: Self.airflow + "INSERT INTO marts.daily SELECT * FROM raw.events"),
            Self.query(11, end: "2026-11-21 10:05:00.000001", seconds: 4, type: "INSERT", text: Self.airflow + "INSERT INTO marts.daily SELECT * FROM raw.events"),
            Self.query(12, end: "2026-11-21 10:06:00.000000", seconds: 1, status: "failed", text: Self.airflow + "SELECT 1/0"),
            Self.query(13, end: "2026-11-21 10:06:30.000000", seconds: 3, status: "canceled", label: "nightly_etl", text: "SELECT pg_sleep(100)"),
            Self.query(14, end: "2026-11-21 10:07:00.000000", seconds: 10, text: longBody + "\n" + #"/* {"app": "dbt", "node_id": "model.shop.orders"} */"#),
            // The exporter's own poll, as Redshift records it: not the warehouse's load.
            Self.query(17, end: "2026-11-21 10:07:00.000000", seconds: 1, text: Self.own + "SELECT q.query_id FROM sys_query_history q", session: connection.backendPID),
            // The same annotation from another session is someone's work dressed as the exporter's.
            Self.query(18, end: "2026-11-21 10:07:00.000000", seconds: 1, type: "DELETE", text: Self.own + "DELETE FROM marts.daily", session: connection.backendPID + 1),
            // Neither an annotation nor a query group: unattributed, listed by its shape alone.
            Self.query(19, end: "2026-11-21 10:07:00.000000", seconds: 7, text: "SELECT *\nFROM users WHERE token = 'sk_live_secret'"),
            in: views)
        try await first.collector.collect(first.context)

        let (durations, seconds) = ("warehouse_query_duration_seconds_count", "warehouse_query_duration_seconds_sum")
        let airflow = ["warehouse": "rs", "database": "dev", "app": "airflow", "user": "etl", "dag": "d", "task": "t"]
        let inserts = airflow.merging(["query_type": "insert", "status": "success"]) { _, new in new }
        let dbt = ["warehouse": "rs", "database": "dev", "app": "dbt", "user": "etl", "model": "model.shop.orders", "query_type": "select", "status": "success"]
        #expect(first.value(durations, inserts) == 2)
        #expect(first.value(seconds, inserts) == 6)
        #expect(first.value("warehouse_query_queue_seconds_sum", airflow.merging(["query_type": "insert"]) { _, new in new }) == 0.5)
        // STL_QUERY cannot tell failed from cancelled.
        let failed = views == .sys ? "failed" : "aborted"
        #expect(first.value(durations, airflow.merging(["query_type": "select", "status": failed]) { _, new in new }) == 1)
        // No annotation: the query_label names the app.
        #expect(first.value(
            durations, ["warehouse": "rs", "database": "dev", "app": "nightly_etl", "user": "etl", "query_type": "select", "status": "aborted"]) == 1)
        // The annotation is past the 4000 characters kept in the history: read from the whole text.
        #expect(first.value(durations, dbt) == 1)
        #expect(first.value(
            durations, ["warehouse": "rs", "database": "dev", "app": "warehouse_exporter", "user": "etl", "query_type": "select", "status": "success"]) == nil)
        #expect(first.value(
            durations, ["warehouse": "rs", "database": "dev", "app": "warehouse_exporter", "user": "etl", "query_type": "delete", "status": "success"]) == 1)
        let unattributed = first.recorder.unattributedStatements(warehouse: "rs")
        #expect(unattributed.map(\.shape) == ["select * from users where token = ?"])
        #expect(unattributed.first?.seconds == 7 && unattributed.first?.executions == 1)
        // $36 an hour is 1 cent a second of execution: 1.5 s and 4 s, and the failed query's 1 s (it used the cluster too).
        #expect(first.value("warehouse_query_cost_dollars_total", ["warehouse": "rs", "app": "airflow", "user": "etl", "dag": "d", "task": "t"]) == 0.065)
        #expect(first.value(
            "warehouse_table_writes_total",
            ["warehouse": "rs", "schema": "marts", "table": "daily", "operation": "insert", "app": "airflow", "user": "etl", "dag": "d", "task": "t"]) == 2)
        // The lag: the oldest counted query of the run (10 and 11, at 10:05) waited since it ended.
        let lag = try #require(first.collector.lagSeconds)
        #expect(abs(lag - Self.secondsSince("2026-11-21 10:05:00")) < 30, "\(lag)")

        // A row that Redshift publishes late, ending before the latest seen but within the overlap.
        try await fixture.store(Self.query(15, end: "2026-11-21 10:04:00.000000", seconds: 1, type: "INSERT", text: Self.airflow + "INSERT INTO marts.daily SELECT * FROM raw.events"), in: views)
        try await first.collector.collect(first.context)
        #expect(abs(try #require(first.collector.lagSeconds) - Self.secondsSince("2026-11-21 10:04:00")) < 30, "the late row")
        try await first.collector.collect(first.context)
        #expect(first.collector.lagSeconds == 0, "nothing new")
        #expect(first.value(durations, inserts) == 3)
        #expect(first.value(seconds, inserts) == 7)

        // The exporter restarts with its state file: only what is new is counted.
        try await fixture.store(Self.query(16, end: "2026-11-21 10:08:00.000000", seconds: 8, type: "INSERT", text: Self.airflow + "INSERT INTO marts.daily SELECT * FROM raw.events"), in: views)
        let second = try Harness(fixture, statePath: statePath, connection: connection)
        try await second.collector.collect(second.context)
        #expect(second.value(durations, inserts) == 1)
        #expect(second.value(seconds, inserts) == 8)
        #expect(second.value(durations, dbt) == nil)
    }
}
