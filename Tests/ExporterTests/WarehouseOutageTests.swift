import Exporter
import Foundation
import TestSupport
import Testing

/// The warehouse crashes (`pg_ctl stop -m immediate`) in the middle of a workload and stays down
/// for 30 s: the exporter keeps serving, reports `warehouse_up` 0 at once and 1 when it is back,
/// and its query counts equal the warehouse's own record, for the PostgreSQL log and for the
/// Redshift-shaped views — nothing lost, nothing counted twice.
@Suite("A warehouse that crashes and comes back")
struct WarehouseOutageTests {
    @Test func everyQueryIsCountedOnceAcrossAThirtySecondOutage() async throws {
        // What a client saw committed survives the crash (the test clusters commit asynchronously).
        let workload = try await CountingWorkload.onItsOwnCluster(prefix: "outage", settings: ["synchronous_commit": "on"])
        let (postgres, analytics, fixture) = (workload.postgres, workload.analytics, workload.fixture)
        defer { try? postgres.stop(mode: "immediate") }
        let state = FileManager.default.temporaryDirectory.appendingPathComponent("outage-\(UUID().uuidString).json").path
        defer { try? FileManager.default.removeItem(atPath: state) }
        let config = try ConfigLoader.parse(
            """
            warehouses:
              - name: pg
                kind: postgres
                dsn: "\(postgres.dsn(database: analytics)) connect_timeout=2"
                collectors: [query_log]
                intervals: { health: 200ms, query_log: 300ms }
                reconnect_backoff_max: 500ms
                query_log: { directory: \(postgres.directory)/data/log, format: jsonlog }
              - name: rs
                kind: redshift
                dsn: "\(fixture.dsn) connect_timeout=2"
                collectors: [query_history]
                intervals: { health: 200ms, query_history: 300ms }
                reconnect_backoff_max: 500ms
            state_file: \(state)
            """, file: "outage.yml")
        let running = try await RunningExporter.start(config, logger: LogCapture().logger)
        try await running.waitUntilReady()

        let team = Task { await workload.run() }
        // A dozen statements and Redshift queries on each side of the outage at least, however
        // slowly a loaded machine runs the workload.
        try await Task.sleep(for: .seconds(4))
        try await workload.waitUntil(12, pastBoth: CountingWorkload.Counts())

        try postgres.stop(mode: "immediate")
        let down = ContinuousClock.now
        for warehouse in ["pg", "rs"] {
            #expect(try await running.waitFor("warehouse_up", ["warehouse": warehouse], toBe: 0, timeout: .seconds(3)) == 0)
        }
        while ContinuousClock.now - down < .seconds(30) {
            #expect(try await running.metrics().status == 200, "the exporter serves while the warehouse is down")
            try await Task.sleep(for: .seconds(1))
        }
        try postgres.startServer()
        for warehouse in ["pg", "rs"] {
            #expect(try await running.waitFor("warehouse_up", ["warehouse": warehouse], toBe: 1, timeout: .seconds(10)) == 1)
        }
        let resumed = workload.counts
        try await Task.sleep(for: .seconds(4))
        try await workload.waitUntil(12, pastBoth: resumed)
        workload.stop()
        await team.value
        let client = workload.counts

        // The warehouse's own record: the statements its log holds, the rows its views hold.
        let logged = try workload.loggedStatements(after: nil, offset: 0)
        let stored = try await workload.storedQueries()
        #expect(client.succeeded > 20 && client.inserted > 20, "the workload ran on both sides of the outage: \(client)")
        #expect(logged >= client.succeeded && logged <= client.succeeded + client.interrupted, "log \(logged), workload \(client)")
        #expect(stored >= client.inserted && stored <= client.inserted + client.interruptedInserts, "views \(stored), workload \(client)")

        let counted = try await CountingWorkload.settle(at: (logged, stored)) { try await running.metrics() }
        #expect(counted.pg == Double(logged), "PostgreSQL log: counted \(counted.pg), logged \(logged)")
        #expect(counted.rs == Double(stored), "Redshift views: counted \(counted.rs), stored \(stored)")
        // Both query collectors report how late they count: the workload's last queries, within
        // a few of their intervals of finishing (or 0 if a later run found nothing new).
        let page = try await running.metrics()
        for (warehouse, collector) in [("pg", "query_log"), ("rs", "query_history")] {
            let lag = try #require(page.value("warehouse_exporter_collector_lag_seconds", ["warehouse": warehouse, "collector": collector]))
            #expect(lag >= 0 && lag < 10, "\(warehouse) \(collector): \(lag)")
        }
        print("outage of \(Duration.seconds(30)): \(client); logged \(logged), stored \(stored); counted \(counted)")
        try await running.stop()
    }
}
