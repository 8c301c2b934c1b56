import Exporter
import Foundation
import TestSupport
import Testing
import WarehouseClient

/// A warehouse that stops answering one collector's queries (a table locked by someone's open
/// transaction): that collector gives up at `query_timeout` and its query is cancelled on the
/// server, while scrapes, the health check and the other collectors go on.
@Suite("A hanging warehouse")
struct HangingWarehouseTests {
    @Test func theBlockedCollectorTimesOutAndItsQueryIsCancelledWhileTheRestGoOn() async throws {
        // A cluster of its own: other tests' exporters, reading every database, would wait on the lock too.
        let postgres = try TestPostgres.start()
        defer { try? postgres.stop() }
        let database = try await postgres.createDatabase(prefix: "hang")
        try await postgres.execute("CREATE TABLE orders (id int)", "INSERT INTO orders VALUES (1)", database: database)
        var config = ExporterConfig.Warehouse(name: "hang", kind: .postgres, dsn: postgres.dsn(database: database))
        config.collectors = ["tables", "activity"]
        config.intervals = ["health": .milliseconds(200), "tables": .milliseconds(300), "activity": .milliseconds(300)]
        config.queryTimeout = .seconds(1)
        let running = try await RunningExporter.start(ExporterConfig(warehouses: [config]))
        let (success, tables) = ("warehouse_exporter_collector_success", ["warehouse": "hang", "collector": "tables"])
        #expect(try await running.waitFor(success, tables, toBe: 1) == 1)

        // Someone's migration holds the table: pg_total_relation_size waits for the lock.
        let migration = try await Connection.connect(ConnectionSettings(dsn: postgres.dsn(database: database), applicationName: "migration"))
        defer { migration.close() }
        _ = try await migration.query("BEGIN")
        _ = try await migration.query("LOCK TABLE orders IN ACCESS EXCLUSIVE MODE")
        #expect(try await running.waitFor(success, tables, toBe: 0) == 0)

        // For several timeouts: no exporter query has waited longer than its timeout (it was
        // cancelled, not left behind), and the health check and the activity collector kept working.
        let observer = try await Connection.connect(ConnectionSettings(dsn: postgres.dsn(database: database), applicationName: "observer"))
        defer { observer.close() }
        var longest = 0.0
        for _ in 0..<20 {
            let waiting = try await observer.query(
                """
                SELECT coalesce(max(extract(epoch FROM now() - query_start)), 0)::float8 AS seconds, count(*) AS waiting
                FROM pg_stat_activity
                WHERE datname = current_database() AND application_name = 'warehouse_exporter' AND wait_event_type = 'Lock'
                """)
            let row = try #require(waiting.rows.first)
            longest = max(longest, try row.double("seconds"))
            #expect(try row.int64("waiting") <= 1, "one collector run waits at a time")
            let page = try await running.metrics()
            #expect(page.status == 200)
            #expect(page.value("warehouse_up", ["warehouse": "hang"]) == 1)
            #expect(page.value("warehouse_exporter_collector_success", ["warehouse": "hang", "collector": "activity"]) == 1)
            try await Task.sleep(for: .milliseconds(250))
        }
        #expect(longest > 0.3 && longest < 2.5, "the blocked query waited \(longest) s with a 1 s timeout")
        let page = try await running.metrics()
        let duration = try #require(page.value("warehouse_exporter_collector_duration_seconds", ["warehouse": "hang", "collector": "tables"]))
        let landing = try await running.get("/").body
        #expect(duration >= 0.9 && duration < 2.5, "the failed run took \(duration) s: \(landing)")
        #expect(page.value("warehouse_sessions_idle_in_transaction", ["warehouse": "hang", "app": "migration", "user": "postgres"]) == 1, "\(page.body)")

        // The lock goes: the next run succeeds.
        _ = try await migration.query("COMMIT")
        #expect(try await running.waitFor(success, tables, toBe: 1) == 1)
        try await running.stop()
    }
}
