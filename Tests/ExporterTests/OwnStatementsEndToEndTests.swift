import Collectors
import Exporter
import Foundation
import TestSupport
import Testing
import WarehouseClient

/// Every statement the exporter sends carries its annotation, its connection's own `SET` included,
/// and none of them is counted as the warehouse's work, even when the DSN renames its sessions;
/// while a session that names itself `warehouse_exporter`, or copies the annotation, is counted
/// like any other: read back from a real PostgreSQL's log.
@Suite("The exporter's own statements")
struct OwnStatementsEndToEndTests {
    @Test func carryTheAnnotationAndAreNeverCountedWhileForgeriesAre() async throws {
        let postgres = try TestPostgres.start(settings: TestPostgres.jsonlogSettings)
        defer { try? postgres.stop() }
        let setup = try await Connection.connect(ConnectionSettings(dsn: postgres.dsn(), applicationName: "setup"))
        _ = try await setup.query("CREATE TABLE orders (id int, at timestamptz)")
        _ = try await setup.query("INSERT INTO orders SELECT g, now() FROM generate_series(1, 10) g")
        setup.close()
        let config = try ConfigLoader.parse(
            """
            warehouses:
              - name: own
                kind: postgres
                dsn: "\(postgres.dsn()) application_name=monitoring"
                collectors: [tables, activity, query_log, data_checks]
                intervals: { health: 200ms, tables: 200ms, activity: 200ms, query_log: 200ms, data_checks: 200ms }
                query_log: { directory: \(postgres.directory)/data/log, format: jsonlog }
                freshness: [{ table: public.orders, column: at, interval: 1s }]
                profiles: [{ table: public.orders, interval: 1s }]
                checks: [{ name: orders, sql: "SELECT count(*) AS n FROM orders", interval: 1s }]
            """, file: "own.yml")
        let running = try await RunningExporter.start(config)
        try await running.waitUntilReady()

        // Two statements of someone else's, a few collector runs apart: all the exporter sent in
        // between went through the same log and the same collector.
        // No statement_timeout of its own: the workload sends exactly the two statements below.
        let workload = try await Connection.connect(ConnectionSettings(dsn: postgres.dsn(), applicationName: "workload", statementTimeout: nil))
        defer { workload.close() }
        let selects = ["warehouse": "own", "database": "postgres", "app": "etl", "user": "postgres", "query_type": "select", "status": "success"]
        _ = try await workload.query(#"/* {"app":"etl"} */ SELECT 1"#)
        #expect(try await running.waitFor("warehouse_query_duration_seconds_count", selects, toBe: 1) == 1)
        try await Task.sleep(for: .seconds(2))
        _ = try await workload.query(#"/* {"app":"etl"} */ SELECT 2"#)
        #expect(try await running.waitFor("warehouse_query_duration_seconds_count", selects, toBe: 2) == 2)

        // Work dressed as the exporter's: a session named like it, and one that copies its annotation.
        let hiding = try await Connection.connect(ConnectionSettings(dsn: postgres.dsn(), applicationName: "warehouse_exporter", statementTimeout: nil))
        defer { hiding.close() }
        for _ in 0..<3 { _ = try await hiding.query("DELETE FROM orders WHERE id > 100") }
        let forging = try await Connection.connect(ConnectionSettings(dsn: postgres.dsn(), applicationName: "workload", statementTimeout: nil))
        defer { forging.close() }
        for _ in 0..<2 { _ = try await forging.query(OwnStatements.annotation + "\nDELETE FROM orders WHERE id > 200") }
        let deletes = ["warehouse": "own", "database": "postgres", "app": "warehouse_exporter", "user": "postgres", "query_type": "delete", "status": "success"]
        #expect(try await running.waitFor("warehouse_query_duration_seconds_count", deletes, toBe: 5) == 5)
        let page = try await running.metrics()
        try await running.stop()

        let counted = page.exposition.samples("warehouse_query_duration_seconds_count")
        #expect(counted.map(\.value).reduce(0, +) == 7, "only the workload's statements are counted: \(counted)")
        #expect(page.exposition.labelValues("app", of: "warehouse_query_duration_seconds_count") == ["etl", "warehouse_exporter"])
        #expect(page.exposition.labelValues("query_type", of: "warehouse_query_duration_seconds_count") == ["delete", "select"])

        // The server's record of every statement from the exporter's sessions.
        var own: [String] = []
        for file in try FileManager.default.contentsOfDirectory(atPath: postgres.directory + "/data/log") where file.hasSuffix(".json") {
            let text = try String(contentsOfFile: postgres.directory + "/data/log/" + file, encoding: .utf8)
            for line in text.split(separator: "\n") {
                guard let entry = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                    entry["application_name"] as? String == "monitoring", let message = entry["message"] as? String,
                    message.hasPrefix("duration:") || message.hasPrefix("statement:")
                else { continue }
                own.append(message)
            }
        }
        #expect(own.count > 20, "the exporter's statements were logged: \(own.count)")
        let unmarked = own.filter { !$0.contains(OwnStatements.annotation) }
        #expect(unmarked.isEmpty, "statements without the annotation: \(unmarked.prefix(5))")
        for kind in ["SET statement_timeout", "SELECT 1", "pg_stat_user_tables", "pg_stat_activity", "count(*) AS n FROM orders"] {
            #expect(own.contains { $0.contains(kind) }, "\(kind) was sent and logged")
        }
    }
}
