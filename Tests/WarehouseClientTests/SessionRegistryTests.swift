import Synchronization
import TestSupport
import Testing
import WarehouseClient

/// The exporter's sessions, kept newest last and bounded, and handed on for the state file.
@Suite struct SessionRegistryTests {
    @Test func remembersTheNewestSessionsOnly() {
        let registry = SessionRegistry(saved: Array(1...Int64(SessionRegistry.capacity)))
        #expect(registry.contains(1))
        registry.insert(100_000)
        #expect(!registry.contains(1), "the oldest gave way")
        #expect(registry.contains(2) && registry.contains(100_000))
        #expect(registry.pids.count == SessionRegistry.capacity)
        #expect(registry.pids.last == 100_000)
    }

    @Test func tellsOfEachNewSessionOnce() {
        let heard = Mutex<[[Int64]]>([])
        let registry = SessionRegistry(saved: [7]) { list in heard.withLock { $0.append(list) } }
        registry.insert(7)
        registry.insert(8)
        registry.insert(8)
        #expect(heard.withLock { $0 } == [[7, 8]])
    }

    @Test func aSavedListLongerThanTheCapacityKeepsItsNewest() {
        let registry = SessionRegistry(saved: Array(1...Int64(SessionRegistry.capacity + 10)))
        #expect(!registry.contains(10) && registry.contains(11))
    }

    @Test func everyConnectionRegistersItsServerProcess() async throws {
        let postgres = try TestPostgres.shared()
        var settings = ConnectionSettings(dsn: postgres.dsn())
        settings.sessions = SessionRegistry()
        let first = try await Connection.connect(settings)
        defer { first.close() }
        let second = try await Connection.connect(settings)
        defer { second.close() }
        for connection in [first, second] {
            let pid = try await connection.query("SELECT pg_backend_pid()::int8 AS pid").rows[0].int64("pid")
            #expect(connection.backendPID == pid)
            #expect(settings.sessions!.contains(pid))
        }
        #expect(settings.sessions!.pids.count == 2)
    }
}
