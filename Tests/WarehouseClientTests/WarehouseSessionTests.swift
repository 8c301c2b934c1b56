import Synchronization
import TestSupport
import Testing
import WarehouseClient

@Suite("WarehouseSession reconnects after the server comes back")
struct WarehouseSessionTests {
    @Test func reportsLossAndReconnectsWithoutBeingRecreated() async throws {
        let postgres = try TestPostgres.start()
        defer { try? postgres.stop(mode: "immediate") }
        let events = Mutex<[String]>([])
        let session = WarehouseSession(
            settings: ConnectionSettings(dsn: postgres.dsn(), connectTimeout: .seconds(2)),
            backoff: Backoff(initial: .milliseconds(100), maximum: .milliseconds(200)),
            onEvent: { event in
                let name = switch event {
                case .connected: "connected"
                case .connectFailed: "connectFailed"
                case .connectionLost: "connectionLost"
                }
                events.withLock { $0.append(name) }
            })
        let selectOne = { @Sendable (connection: Connection) async throws -> Int64 in
            try await connection.query("SELECT 1 AS n").rows[0].int64("n")
        }

        #expect(try await session.withConnection(selectOne) == 1)
        try postgres.stop()
        await #expect(throws: WarehouseError.self) { try await session.withConnection(selectOne) }
        await #expect(throws: WarehouseError.self) { try await session.withConnection(selectOne) }
        try postgres.startServer()

        // The backoff is at most 200ms here: a handful of tries must get through.
        var answer: Int64?
        for _ in 0..<50 where answer == nil {
            answer = try? await session.withConnection(selectOne)
            if answer == nil { try await Task.sleep(for: .milliseconds(100)) }
        }
        #expect(answer == 1)
        let seen = events.withLock { $0 }
        #expect(seen.first == "connected")
        #expect(seen.contains("connectionLost"))
        #expect(seen.contains("connectFailed"))
        #expect(seen.last == "connected")
    }
}

@Suite("Backoff")
struct BackoffTests {
    @Test func growsExponentiallyWithJitterUpToTheCap() {
        var backoff = Backoff(initial: .seconds(1), maximum: .seconds(30))
        var generator = SystemRandomNumberGenerator()
        let nominal: [Duration] = [.seconds(1), .seconds(2), .seconds(4), .seconds(8), .seconds(16), .seconds(30), .seconds(30), .seconds(30)]
        for expected in nominal {
            let delay = backoff.recordFailure(using: &generator)
            #expect(delay >= expected / 2 && delay <= expected, "delay \(delay) outside [\(expected / 2), \(expected)]")
        }
        #expect(backoff.failures == nominal.count)
        backoff.reset()
        #expect(backoff.recordFailure(using: &generator) <= .seconds(1))
    }

    @Test func manyFailuresNeitherOverflowNorPassTheCap() {
        var backoff = Backoff(initial: .milliseconds(250), maximum: .seconds(60))
        for _ in 0..<1000 {
            #expect(backoff.recordFailure() <= .seconds(60))
        }
    }

    @Test func jitterSpreadsReconnects() {
        var backoff = Backoff(initial: .seconds(8), maximum: .seconds(8))
        let delays = Set((0..<20).map { _ in backoff.recordFailure() })
        #expect(delays.count > 1)
    }
}
