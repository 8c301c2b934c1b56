import Collectors
import Logging
import QueryMetrics
import SQLText
import TestSupport
import Testing
import WarehouseClient

@Suite("PostgreSQL activity collector")
struct PostgresActivityCollectorTests {
    @Test func runningQueuedBlockedAndIdleInTransactionByApp() async throws {
        let postgres = try TestPostgres.start()
        defer { try? postgres.stop() }
        let database = try await postgres.createDatabase(prefix: "activity")
        try await postgres.execute("CREATE TABLE t (id int)", database: database)
        func connect(_ application: String) async throws -> Connection {
            try await Connection.connect(ConnectionSettings(dsn: postgres.dsn(database: database) + " application_name=\(application)"))
        }
        // An Airflow task takes a lock and leaves its transaction open.
        let holder = try await connect("airflow_worker")
        defer { holder.close() }
        _ = try await holder.query("BEGIN")
        _ = try await holder.query(#"/* {"app":"airflow","dag":"nightly","task":"rebuild","user":"etl"} */ LOCK TABLE t IN ACCESS EXCLUSIVE MODE"#)
        // A Metabase query waits for that lock; a Looker query runs.
        let waiter = try await connect("metabase")
        defer { waiter.close() }
        let waiting = Task { try await waiter.query("SELECT count(*) FROM t") }
        let runner = try await connect("looker_pool")
        defer { runner.close() }
        let running = Task { try await runner.query("-- Looker Query Context '{\"user_id\":6}'\nSELECT pg_sleep(3)") }

        let recorder = QueryRecorder()
        let collector = PostgresActivityCollector(recorder: recorder, rules: AnnotationRules())
        let monitor = try await Connection.connect(ConnectionSettings(dsn: postgres.dsn(database: database)))
        defer { monitor.close() }
        let context = CollectionContext(connection: monitor, warehouse: "w", queryTimeout: .seconds(5), logger: Logger(label: "test"))
        var text = ""
        let deadline = ContinuousClock.now + .seconds(5)
        repeat {
            try await collector.collect(context)
            var buffer: [UInt8] = []
            recorder.emit(into: &buffer)
            text = String(decoding: buffer, as: UTF8.self)
            if text.contains("warehouse_queries_blocked") && text.contains(#"app="looker""#) { break }
            try await Task.sleep(for: .milliseconds(100))
        } while ContinuousClock.now < deadline

        #expect(text.contains(#"warehouse_queries_running{warehouse="w",app="looker",user="6"} 1"#), "\(text)")
        #expect(text.contains(#"warehouse_queries_queued{warehouse="w",app="metabase",user="postgres"} 1"#))
        #expect(text.contains(#"warehouse_queries_blocked{warehouse="w",app="metabase",blocker_app="airflow"} 1"#))
        #expect(text.contains(#"warehouse_sessions_idle_in_transaction{warehouse="w",app="airflow",user="etl"} 1"#))
        #expect(text.contains(#"warehouse_session_idle_in_transaction_oldest_seconds{warehouse="w",app="airflow"}"#))
        let oldest = text.split(separator: "\n").first { $0.hasPrefix(#"warehouse_query_oldest_running_seconds{warehouse="w",app="looker"}"#) }
        #expect(Double(oldest?.split(separator: " ").last ?? "") ?? 0 > 0)
        // The exporter's own sessions (the monitor, default application name) are not counted.
        #expect(!text.contains("warehouse_exporter\""))
        #expect(try await Promtool.checkMetrics(text).exitCode == 0)

        // The lock is released: the next sample has nobody blocked and no open transaction.
        _ = try await holder.query("COMMIT")
        _ = try await waiting.value
        _ = try await running.value
        try await collector.collect(context)
        var buffer: [UInt8] = []
        recorder.emit(into: &buffer)
        text = String(decoding: buffer, as: UTF8.self)
        #expect(text.split(separator: "\n").filter { $0.hasPrefix("warehouse_queries_blocked{") } == [#"warehouse_queries_blocked{warehouse="w"} 0"#])
        #expect(text.split(separator: "\n").filter { $0.hasPrefix("warehouse_sessions_idle_in_transaction{") } == [#"warehouse_sessions_idle_in_transaction{warehouse="w"} 0"#])
    }
}
