import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The exporter is killed with SIGKILL in the middle of a workload and started again with its state
/// file: it counts exactly the queries after the position the killed one saved — the ones that
/// finished while it was dead included, none of the ones before again.
@Suite("The exporter killed and restarted")
struct ExporterRestartTests {
    @Test func countsWhatFinishedAfterItsSavedPositionExactlyOnce() async throws {
        let workload = try await CountingWorkload.onItsOwnCluster(prefix: "restart")
        let (postgres, analytics, fixture) = (workload.postgres, workload.analytics, workload.fixture)
        defer { try? postgres.stop() }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("restart-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let state = folder + "/state.json"
        try """
        warehouses:
          - name: pg
            kind: postgres
            dsn: "\(postgres.dsn(database: analytics))"
            collectors: [query_log]
            intervals: { health: 1s, query_log: 100ms }
            query_log: { directory: \(postgres.directory)/data/log, format: jsonlog }
          - name: rs
            kind: redshift
            dsn: "\(fixture.dsn)"
            collectors: [query_history]
            intervals: { health: 1s, query_history: 100ms }
        state_file: \(state)
        """.write(toFile: folder + "/config.yml", atomically: true, encoding: .utf8)

        let first = try await Self.startExporter(config: folder + "/config.yml")
        let team = Task { await workload.run() }
        // Killed once it has counted a share of the workload on both warehouses, however slowly a
        // loaded machine started it: the kill must land mid-stream.
        let started = ContinuousClock.now
        while ContinuousClock.now - started < .seconds(30) {
            let page = try await HTTPGet.fetch("http://127.0.0.1:\(first.port)/metrics")
            if CountingWorkload.counted(page, warehouse: "pg") >= 20 && CountingWorkload.counted(page, warehouse: "rs") >= 20 { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        let atKill = workload.counts
        first.process.signal(SIGKILL)
        _ = try await first.process.wait(timeout: .seconds(5))
        let saved = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: state))) as? [String: Any])
        // Queries finish while no exporter runs: a dozen on each side, however slowly a loaded
        // machine runs the workload (it did ten in a busy suite's two seconds).
        try await workload.waitUntil(12, pastBoth: atKill)

        let second = try await Self.startExporter(config: folder + "/config.yml")
        try await Task.sleep(for: .seconds(2))
        workload.stop()
        await team.value
        let done = workload.counts

        // What the killed exporter had not yet read, by its saved position.
        let log = try #require(saved["pg/query_log"] as? [String: Any])
        let unread = try workload.loggedStatements(after: try #require(log["file"] as? String), offset: try #require(log["offset"] as? Int))
        let seen = try #require((saved["rs/query_history"] as? [String: Any])?["seen"] as? [Any]).count / 2
        let unseen = try await workload.storedQueries() - seen
        #expect(unread > 10 && unseen > 10 && seen > 10, "the workload ran on both sides of the kill: \(done), unread \(unread), seen \(seen)")

        let counted = try await CountingWorkload.settle(at: (unread, unseen)) { try await HTTPGet.fetch("http://127.0.0.1:\(second.port)/metrics") }
        #expect(counted.pg == Double(unread), "PostgreSQL log: counted \(counted.pg) after the restart, \(unread) past the saved position")
        #expect(counted.rs == Double(unseen), "Redshift views: counted \(counted.rs) after the restart, \(unseen) not seen before the kill")
        // The killed process's own polling, logged after its saved position, is read back too: its
        // sessions were kept in the state file, so it is still the exporter's own.
        let own = try await HTTPGet.fetch("http://127.0.0.1:\(second.port)/metrics").body.split(separator: "\n")
            .filter { $0.hasPrefix("warehouse_query_duration_seconds_count{") && $0.contains(#"app="warehouse_exporter""#) }
        #expect(own.isEmpty, "the exporter's own statements counted after the restart: \(own)")
        #expect((saved["own_sessions"] as? [Any])?.isEmpty == false, "the sessions are in the state file")
        second.process.signal(SIGTERM)
        #expect(try await second.process.wait(timeout: .seconds(10)) == 0, "\(second.process.output)")
        print("SIGKILL and restart: \(done); after the restart counted \(counted), expected (\(unread), \(unseen))")
    }

    static func startExporter(config: String, flags: [String] = []) async throws -> (process: BackgroundProcess, port: Int) {
        let port = try freePort()
        let process = try BackgroundProcess([ExporterProcessTests.binary, "--config.file", config, "--web.listen-address", "127.0.0.1:\(port)"] + flags)
        for _ in 0..<100 {
            if let ready = try? await HTTPGet.fetch("http://127.0.0.1:\(port)/-/ready"), ready.status == 200 { return (process, port) }
            try await Task.sleep(for: .milliseconds(100))
        }
        process.signal(SIGKILL)
        throw TestSupportError("the exporter did not become ready: \(process.output)")
    }
}
