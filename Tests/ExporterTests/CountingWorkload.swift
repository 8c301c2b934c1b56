import Foundation
import Synchronization
import TestSupport
import WarehouseClient

/// Runs statements on the PostgreSQL side and records queries in the Redshift-shaped views, each
/// as fast as it can, reconnecting when the server is gone; counts what succeeded and what was
/// cut off mid-way (which may or may not have reached the server's record), and reads the
/// warehouse's own record of it. Its queries are annotated `app` `counted`, not left to the
/// sessions' application_name, under which each connection's own `SET` is logged too.
final class CountingWorkload: Sendable {
    /// In every statement's annotation, so the server's log lines of the workload can be told apart.
    static let marker = "counted-workload"

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

    /// A workload on a PostgreSQL cluster of its own, which logs as jsonlog (with `settings` added),
    /// with an analytics database and a Redshift-shaped fixture named after `prefix`. The caller
    /// stops the cluster.
    static func onItsOwnCluster(prefix: String, settings: [String: String] = [:]) async throws -> CountingWorkload {
        let postgres = try TestPostgres.start(settings: TestPostgres.jsonlogSettings.merging(settings) { $1 })
        do {
            let analytics = try await postgres.createDatabase(prefix: prefix)
            let fixture = try await RedshiftFixture(postgres: postgres, database: try await postgres.createDatabase(prefix: prefix + "_rs"))
            return CountingWorkload(postgres: postgres, analytics: analytics, fixture: fixture)
        } catch {
            try? postgres.stop()
            throw error
        }
    }

    var counts: Counts { state.withLock { $0.counts } }

    /// Waits until the workload has run `more` statements and recorded `more` Redshift queries
    /// past `counts`, or `limit` has passed: a loaded machine runs it many times slower than an
    /// idle one, so a test that needs work done in a span waits for the work, not for a time.
    func waitUntil(_ more: Int, pastBoth counts: Counts, limit: Duration = .seconds(60)) async throws {
        let deadline = ContinuousClock.now + limit
        while ContinuousClock.now < deadline {
            let now = self.counts
            if now.succeeded >= counts.succeeded + more && now.inserted >= counts.inserted + more { return }
            try await Task.sleep(for: .milliseconds(100))
        }
    }
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
                _ = try await connection!.query(#"/* {"app":"counted","task":"\#(Self.marker)"} */ SELECT 1"#)
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
                id: id, end: RedshiftFixture.timestamp(), elapsedMicroseconds: 1_000, text: #"/* {"app":"counted"} */ SELECT 1"#)
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

    // MARK: - The warehouse's record

    /// The workload's statements in the server's jsonlog files, past `offset` of `file` when one is
    /// given (the files named before it left out): one `duration` line per execution (`execute`),
    /// not its `parse` and `bind` steps.
    func loggedStatements(after file: String?, offset: Int) throws -> Int {
        let directory = postgres.directory + "/data/log"
        return try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".json") && $0 >= (file ?? "") }
            .reduce(0) { total, name in
                var data = try Data(contentsOf: URL(fileURLWithPath: directory + "/" + name))
                if name == file { data = data.dropFirst(offset) }
                return total + String(decoding: data, as: UTF8.self).split(separator: "\n")
                    .filter { $0.contains(Self.marker) && ($0.contains(" ms  execute ") || $0.contains(" ms  statement: ")) }.count
            }
    }

    /// The queries in the Redshift-shaped views.
    func storedQueries() async throws -> Int {
        let result = try await postgres.execute("SELECT count(*) AS n FROM \(RedshiftFixture.schema).sys_query_history", database: fixture.database)
        return Int(try result[0].rows.first?.int64("n") ?? -1)
    }

    /// What the exporter counted of the workload on `pg` and `rs`, read from `page` until it is
    /// `expected` or 15 s have passed: its last queries take a collector run or two to be counted.
    static func settle(at expected: (pg: Int, rs: Int), _ page: () async throws -> HTTPGet) async throws -> (pg: Double, rs: Double) {
        let deadline = ContinuousClock.now + .seconds(15)
        var counted: (pg: Double, rs: Double) = (0, 0)
        repeat {
            let page = try await page()
            counted = (Self.counted(page, warehouse: "pg"), Self.counted(page, warehouse: "rs"))
            if counted == (Double(expected.pg), Double(expected.rs)) { break }
            try await Task.sleep(for: .milliseconds(200))
        } while ContinuousClock.now < deadline
        return counted
    }

    /// The workload's queries in the exporter's histogram, over every label set.
    static func counted(_ page: HTTPGet, warehouse: String) -> Double {
        page.body.split(separator: "\n")
            .filter { $0.hasPrefix("warehouse_query_duration_seconds_count{") && $0.contains(#"warehouse="\#(warehouse)""#) && $0.contains(#"app="counted""#) }
            .compactMap { $0.split(separator: " ").last.flatMap { Double($0) } }
            .reduce(0, +)
    }
}
