import Exporter
import Foundation
import TestSupport
import Testing
import WarehouseClient

/// A state file that cannot be written (a full disk, a read-only mount) is logged and counted, and
/// collection goes on from the cursors in memory: every query still counted once.
@Suite("An unwritable state file")
struct StateFileFailureTests {
    @Test func isLoggedOnceAndCountedAndCollectionGoesOn() async throws {
        let postgres = try TestPostgres.start(settings: TestPostgres.jsonlogSettings)
        defer { try? postgres.stop() }
        // A path under a regular file: no write can succeed, not even as root.
        let blocker = FileManager.default.temporaryDirectory.appendingPathComponent("not-a-folder-\(UUID().uuidString)").path
        try "".write(toFile: blocker, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: blocker) }
        let config = try ConfigLoader.parse(
            """
            warehouses:
              - name: stateless
                kind: postgres
                dsn: "\(postgres.dsn())"
                collectors: [query_log]
                intervals: { health: 1s, query_log: 200ms }
                query_log: { directory: \(postgres.directory)/data/log, format: jsonlog }
            state_file: \(blocker)/state.json
            """, file: "state.yml")
        // The counter is there from the start, at 0, so the first failure is an increase.
        var writable = config
        writable.stateFile = FileManager.default.temporaryDirectory.appendingPathComponent("state-\(UUID().uuidString).json").path
        let exposition = String(decoding: try Exporter(config: writable, logger: LogCapture().logger).metrics.registry.render(), as: UTF8.self)
        #expect(exposition.contains("\nwarehouse_exporter_state_file_write_failures_total 0"), "\(exposition)")

        let logs = LogCapture()
        let running = try await RunningExporter.start(config, logger: logs.logger)
        try await running.waitUntilReady()

        let workload = try await Connection.connect(ConnectionSettings(dsn: postgres.dsn(), applicationName: "workload"))
        defer { workload.close() }
        let selects = ["warehouse": "stateless", "database": "postgres", "app": "etl", "user": "postgres", "query_type": "select", "status": "success"]
        for expected in 1...3 {
            _ = try await workload.query(#"/* {"app":"etl"} */ SELECT 1"#)
            #expect(try await running.waitFor("warehouse_query_duration_seconds_count", selects, toBe: Double(expected)) == Double(expected))
        }
        let page = try await running.metrics()
        #expect(page.value("warehouse_exporter_collector_success", ["warehouse": "stateless", "collector": "query_log"]) == 1)
        #expect((page.value("warehouse_exporter_state_file_write_failures_total") ?? 0) >= 3)
        try await running.stop()

        let failures = logs.all.filter { $0.contains("cannot write the state file \(blocker)/state.json") }
        #expect(failures.count == 1, "logged when writes start failing, not at every run: \(logs.all)")
        #expect(failures.first?.contains("level=error") == true)
    }
}
