import Exporter
import Foundation
import Synchronization
import TestSupport
import Testing
import WarehouseClient

/// The warehouse crashes (`pg_ctl stop -m immediate`) in the middle of a workload and stays down
/// for 30 s: the exporter keeps serving, reports `warehouse_up` 0 at once and 1 when it is back,
/// and its query counts equal the warehouse's own record, for the PostgreSQL log and for the
/// Redshift-shaped views — nothing lost, nothing counted twice.
@Suite("A warehouse that crashes and comes back")
struct WarehouseOutageTests {
    static let marker = "outage-workload"
    @Test func everyQueryIsCountedOnceAcrossAThirtySecondOutage() async throws {
        // What a client saw committed survives the crash (the test clusters commit asynchronously).
        let postgres = try TestPostgres.start(settings: TestPostgres.jsonlogSettings.merging(["synchronous_commit": "on"]) { $1 })
        defer { try? postgres.stop(mode: "immediate") }
        let analytics = try await postgres.createDatabase(prefix: "outage")
        let fixture = try await RedshiftFixture(postgres: postgres, database: try await postgres.createDatabase(prefix: "outage_rs"))
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

        let workload = Workload(postgres: postgres, analytics: analytics, fixture: fixture)
        let team = Task { await workload.run() }
        try await Task.sleep(for: .seconds(4))

        try postgres.stop(mode: "immediate")
        let down = ContinuousClock.now
        for warehouse in ["pg", "rs"] {
            #expect(try await running.waitFor(#"warehouse_up{warehouse="\#(warehouse)"}"#, toBe: 0, timeout: .seconds(3)) == 0)
        }
        while ContinuousClock.now - down < .seconds(30) {
            #expect(try await running.metrics().status == 200, "the exporter serves while the warehouse is down")
            try await Task.sleep(for: .seconds(1))
        }
        try postgres.startServer()
        for warehouse in ["pg", "rs"] {
            #expect(try await running.waitFor(#"warehouse_up{warehouse="\#(warehouse)"}"#, toBe: 1, timeout: .seconds(10)) == 1)
        }
        try await Task.sleep(for: .seconds(4))
        workload.stop()
        await team.value
        let client = workload.counts

        // The warehouse's own record: the statements its log holds, the rows its views hold.
        let logged = try Self.loggedStatements(in: postgres.directory + "/data/log", marker: Self.marker)
        let stored = try await postgres.execute(
            "SELECT count(*) AS n FROM \(RedshiftFixture.schema).sys_query_history", database: fixture.database)[0].rows.first?.int64("n") ?? -1
        #expect(client.succeeded > 20 && client.inserted > 20, "the workload ran on both sides of the outage: \(client)")
        #expect(logged >= client.succeeded && logged <= client.succeeded + client.interrupted, "log \(logged), workload \(client)")
        #expect(stored >= client.inserted && stored <= client.inserted + client.interruptedInserts, "views \(stored), workload \(client)")

        let deadline = ContinuousClock.now + .seconds(15)
        var counted: (pg: Double, rs: Double) = (0, 0)
        repeat {
            let page = try await running.metrics()
            counted = (Self.count(page, warehouse: "pg"), Self.count(page, warehouse: "rs"))
            if counted == (Double(logged), Double(stored)) { break }
            try await Task.sleep(for: .milliseconds(200))
        } while ContinuousClock.now < deadline
        #expect(counted.pg == Double(logged), "PostgreSQL log: counted \(counted.pg), logged \(logged)")
        #expect(counted.rs == Double(stored), "Redshift views: counted \(counted.rs), stored \(stored)")
        print("outage of \(Duration.seconds(30)): \(client); logged \(logged), stored \(stored); counted \(counted)")
        try await running.stop()
    }

    /// Finished statements of the workload in the server's jsonlog files: one `duration` line per
    /// execution (`execute`), not its `parse` and `bind` steps.
    static func loggedStatements(in directory: String, marker: String) throws -> Int {
        try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".json") }.reduce(0) { total, name in
            total + statements(in: try String(contentsOfFile: directory + "/" + name, encoding: .utf8), marker: marker)
        }
    }

    static func statements(in log: String, marker: String) -> Int {
        log.split(separator: "\n").filter { $0.contains(marker) && ($0.contains(" ms  execute ") || $0.contains(" ms  statement: ")) }.count
    }

    /// The workload's queries in the histogram, over every label set.
    static func count(_ page: HTTPGet, warehouse: String) -> Double {
        page.body.split(separator: "\n")
            .filter { $0.hasPrefix("warehouse_query_duration_seconds_count{") && $0.contains(#"warehouse="\#(warehouse)""#) && $0.contains(#"app="outage""#) }
            .compactMap { $0.split(separator: " ").last.flatMap { Double($0) } }
            .reduce(0, +)
    }
}

/// Runs statements on the PostgreSQL side and records queries in the Redshift-shaped views, each
/// as fast as it can, reconnecting when the server is gone; counts what succeeded and what was
/// cut off mid-way (which may or may not have reached the server's record).
private final class Workload: Sendable {
    struct Counts: Sendable, CustomStringConvertible {
        var succeeded = 0
        var interrupted = 0
        var inserted = 0
        var interruptedInserts = 0
        var description: String {
            "statements \(succeeded) (+\(interrupted) cut off), Redshift queries \(inserted) (+\(interruptedInserts) cut off)"
        }
    }

    let postgres: TestPostgres
    let analytics: String
    let fixture: RedshiftFixture
    private let state = Mutex((counts: Counts(), stopped: false))

    init(postgres: TestPostgres, analytics: String, fixture: RedshiftFixture) {
        self.postgres = postgres
        self.analytics = analytics
        self.fixture = fixture
    }

    var counts: Counts { state.withLock { $0.counts } }
    func stop() { state.withLock { $0.stopped = true } }
    private var stopped: Bool { state.withLock { $0.stopped } }

    func run() async {
        async let statements: Void = runStatements()
        async let queries: Void = recordQueries()
        _ = await (statements, queries)
    }

    private func runStatements() async {
        var connection: Connection?
        while !stopped {
            do {
                if connection == nil {
                    connection = try await Connection.connect(
                        ConnectionSettings(dsn: postgres.dsn(database: analytics), applicationName: "workload", connectTimeout: .seconds(1)))
                }
            } catch {
                try? await Task.sleep(for: .milliseconds(200))
                continue
            }
            do {
                _ = try await connection!.query(#"/* {"app":"outage","task":"\#(WarehouseOutageTests.marker)"} */ SELECT 1"#)
                state.withLock { $0.counts.succeeded += 1 }
            } catch {
                state.withLock { $0.counts.interrupted += 1 }
                connection?.close()
                connection = nil
            }
            try? await Task.sleep(for: .milliseconds(20))
        }
        connection?.close()
    }

    private func recordQueries() async {
        var id: Int64 = 0
        while !stopped {
            id += 1
            let query = RedshiftFixture.Query(
                id: id, end: RedshiftFixture.timestamp(), elapsedMicroseconds: 1_000, text: #"/* {"app":"outage"} */ SELECT 1"#)
            do {
                try await fixture.insert(query)
                state.withLock { $0.counts.inserted += 1 }
            } catch {
                // Refused at connect (nothing stored) or cut off after it (maybe stored): the
                // views' own count is the truth, this only bounds it.
                state.withLock { $0.counts.interruptedInserts += 1 }
                try? await Task.sleep(for: .milliseconds(200))
            }
            try? await Task.sleep(for: .milliseconds(20))
        }
    }
}
