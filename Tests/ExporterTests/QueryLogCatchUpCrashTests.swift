import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The exporter (the real binary) is killed with SIGKILL in the middle of catching up on a large
/// backlog of log and started again: the position it saved with each chunk it counted means the
/// restart counts exactly the statements past that position, and the killed process had counted at
/// most one chunk past it.
@Suite("The exporter killed in the middle of a catch-up")
struct QueryLogCatchUpCrashTests {
    /// Every line the same length, so an offset is a number of lines.
    static let lineLength = 256
    /// The tailer's read: lines a chunk may hold, one cut at each end included.
    static let linesPerChunk = (4 << 20) / lineLength + 2

    static func line(_ index: Int) -> String {
        let sql = #"/* {\"app\":\"counted\",\"task\":\"counted-workload\"} */ SELECT \#(index)"#
        let text = #"{"timestamp":"2026-11-21 10:00:00.000 UTC","user":"etl","dbname":"db","pid":7,"error_severity":"LOG","message":"duration: 1 ms  statement: \#(sql)","application_name":"w"}"#
        return text + String(repeating: " ", count: lineLength - 1 - text.utf8.count) + "\n"
    }

    @Test func theRestartCountsExactlyWhatLiesPastThePositionSavedWithTheLastChunk() async throws {
        let postgres = try TestPostgres.start(settings: TestPostgres.jsonlogSettings)
        defer { try? postgres.stop() }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("catchup-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: folder + "/log", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let (log, state, config) = (folder + "/log/postgresql.json", folder + "/state.json", folder + "/config.yml")
        try Self.line(0).write(toFile: log, atomically: false, encoding: .utf8)
        try """
        warehouses:
          - name: pg
            kind: postgres
            dsn: "\(postgres.dsn())"
            collectors: [query_log]
            intervals: { health: 1s, query_log: 100ms }
            query_log: { directory: \(folder)/log, format: jsonlog }
        state_file: \(state)
        """.write(toFile: config, atomically: true, encoding: .utf8)

        // A first run places the position at the end of the log, and stops.
        let placing = try await Self.start(config: config)
        do {
            try await Self.waitUntil("the position is saved") { Self.savedOffset(state) != nil }
        } catch {
            // What the exporter said, and what the state file holds, for a wait that ran out.
            let saved = FileManager.default.contents(atPath: state).map { String(decoding: $0, as: UTF8.self) } ?? "no state file"
            placing.process.signal(SIGKILL)
            throw TestSupportError("\(error); state file: \(saved); exporter: \(placing.process.output.suffix(3000))")
        }
        placing.process.signal(SIGTERM)
        #expect(try await placing.process.wait(timeout: .seconds(10)) == 0)
        let placed = try #require(Self.savedOffset(state))
        #expect(placed == Self.lineLength)

        // The backlog: twelve chunks of statements written while no exporter ran.
        let backlog = 12 * Self.linesPerChunk
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        try handle.seekToEnd()
        for batch in stride(from: 1, through: backlog, by: 10_000) {
            try handle.write(contentsOf: Data((batch..<min(batch + 10_000, backlog + 1)).map(Self.line).joined().utf8))
        }
        try handle.close()

        // Killed once it has counted two chunks, well before the end.
        let catching = try await Self.start(config: config)
        var seen = 0.0
        let deadline = ContinuousClock.now + .seconds(120)
        while ContinuousClock.now < deadline {
            seen = CountingWorkload.counted(try await HTTPGet.fetch("http://127.0.0.1:\(catching.port)/metrics"), warehouse: "pg")
            if seen >= Double(2 * Self.linesPerChunk) { break }
            try await Task.sleep(for: .milliseconds(20))
        }
        catching.process.signal(SIGKILL)
        _ = try await catching.process.wait(timeout: .seconds(10))
        #expect(seen >= Double(2 * Self.linesPerChunk) && seen < Double(backlog), "killed mid catch-up: \(seen) of \(backlog) counted")
        let saved = try #require(Self.savedOffset(state))
        let savedLines = (saved - placed) / Self.lineLength
        #expect((saved - placed) % Self.lineLength == 0, "the position is at the end of a line")
        #expect(Double(savedLines) >= seen - Double(Self.linesPerChunk), "saved \(savedLines) lines in, \(seen) counted: at most one chunk behind")

        // The restart counts exactly the statements past the saved position.
        let restarted = try await Self.start(config: config)
        let expected = Double(backlog - savedLines)
        var counted = 0.0
        let end = ContinuousClock.now + .seconds(300)
        while ContinuousClock.now < end {
            counted = CountingWorkload.counted(try await HTTPGet.fetch("http://127.0.0.1:\(restarted.port)/metrics"), warehouse: "pg")
            if counted >= expected { break }
            try await Task.sleep(for: .milliseconds(200))
        }
        try await Self.waitUntil("the restarted exporter has saved the end of the log") { Self.savedOffset(state) == placed + backlog * Self.lineLength }
        counted = CountingWorkload.counted(try await HTTPGet.fetch("http://127.0.0.1:\(restarted.port)/metrics"), warehouse: "pg")
        #expect(counted == expected, "counted \(counted) after the restart, \(expected) past the saved position")
        restarted.process.signal(SIGTERM)
        #expect(try await restarted.process.wait(timeout: .seconds(10)) == 0, "\(restarted.process.output)")
        print("SIGKILL mid catch-up: \(backlog) statements; \(Int(seen)) counted when killed, \(savedLines) saved; after the restart \(Int(counted)) counted, \(Int(expected)) expected; counted twice at most \(Int(seen) - savedLines) (a chunk is \(Self.linesPerChunk))")
    }

    /// The saved offset of the log collector, nil before there is one.
    static func savedOffset(_ state: String) -> Int? {
        guard let data = FileManager.default.contents(atPath: state),
              let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let entry = object["pg/query_log"] as? [String: Any]
        else { return nil }
        return entry["offset"] as? Int
    }

    static func waitUntil(_ what: String, _ condition: () -> Bool) async throws {
        let deadline = ContinuousClock.now + .seconds(120)
        while !condition() {
            guard ContinuousClock.now < deadline else { throw TestSupportError("\(what): not within 120 s") }
            try await Task.sleep(for: .milliseconds(50))
        }
    }

    /// Starts the binary and waits until it answers (not until it is ready: its first run of the
    /// log collector is the catch-up).
    static func start(config: String) async throws -> (process: BackgroundProcess, port: Int) {
        let port = try freePort()
        let process = try BackgroundProcess([ExporterProcessTests.binary, "--config.file", config, "--web.listen-address", "127.0.0.1:\(port)"])
        for _ in 0..<300 {
            if let healthy = try? await HTTPGet.fetch("http://127.0.0.1:\(port)/-/healthy"), healthy.status == 200 { return (process, port) }
            try await Task.sleep(for: .milliseconds(100))
        }
        process.signal(SIGKILL)
        throw TestSupportError("the exporter did not answer: \(process.output)")
    }
}
