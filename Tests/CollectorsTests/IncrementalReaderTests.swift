@testable import Collectors
import Foundation
import Logging
import TestSupport
import Testing
import WarehouseClient

@Suite struct IncrementalReaderTests {
    struct PageFailed: Error {}

    @Test func aFailureInTheMiddleOfAPollNeitherRepeatsNorLosesARow() async throws {
        let postgres = try TestPostgres.shared()
        let fixture = try await RedshiftFixture(postgres: postgres, database: try await postgres.createDatabase(prefix: "rsreader"))
        try await fixture.insert(RedshiftFixture.Query(id: 1, end: "2026-11-21 09:00:00.000000", elapsedMicroseconds: 1, text: "SELECT 1"))
        let connection = try await Connection.connect(ConnectionSettings(dsn: fixture.dsn))
        defer { connection.close() }
        let context = CollectionContext(connection: connection, warehouse: "rs", queryTimeout: .seconds(10), logger: Logger(label: "test"))
        let statePath = postgres.directory + "/reader-state-\(UUID().uuidString.prefix(8)).json"
        func reader() throws -> IncrementalReader {
            IncrementalReader(
                startSQL: RedshiftHistory.sysStartSQL, pageSQL: RedshiftHistory.sysPageSQL,
                window: HistoryWindow(pageSize: 2), state: try StateStore(path: statePath), stateKey: "rs/test")
        }
        let first = try reader()
        try await first.read(context) { _ in }  // the baseline
        for id in Int64(10)..<15 {
            try await fixture.insert(RedshiftFixture.Query(id: id, end: "2026-11-21 10:00:0\(id - 10).000000", elapsedMicroseconds: 1, text: "SELECT \(id)"))
        }

        var handled: [Int64] = []
        var pages = 0
        await #expect(throws: PageFailed.self) {
            try await first.read(context) { rows in
                pages += 1
                if pages == 2 { throw PageFailed() }
                handled += try rows.map { try $0.int64("id") }
            }
        }
        #expect(handled == [10, 11])
        try await first.read(context) { rows in handled += try rows.map { try $0.int64("id") } }
        #expect(handled == [10, 11, 12, 13, 14])

        // And from the state file, after a restart: nothing again.
        var again: [Int64] = []
        try await reader().read(context) { rows in again += try rows.map { try $0.int64("id") } }
        #expect(again.isEmpty)
    }

    /// The position is saved with each page handed over: a process killed while it handles a page
    /// of a long catch-up counts that page again after a restart, and no other.
    @Test func aProcessKilledMidPollRepeatsOnlyThePageItWasHandling() async throws {
        let postgres = try TestPostgres.shared()
        let fixture = try await RedshiftFixture(postgres: postgres, database: try await postgres.createDatabase(prefix: "rskilled"))
        try await fixture.insert(RedshiftFixture.Query(id: 1, end: "2026-11-21 09:00:00.000000", elapsedMicroseconds: 1, text: "SELECT 1"))
        let connection = try await Connection.connect(ConnectionSettings(dsn: fixture.dsn))
        defer { connection.close() }
        let context = CollectionContext(connection: connection, warehouse: "rs", queryTimeout: .seconds(10), logger: Logger(label: "test"))
        let statePath = postgres.directory + "/killed-state-\(UUID().uuidString.prefix(8)).json"
        let crashed = statePath + ".at-the-kill"
        func reader(_ path: String) throws -> IncrementalReader {
            IncrementalReader(
                startSQL: RedshiftHistory.sysStartSQL, pageSQL: RedshiftHistory.sysPageSQL,
                window: HistoryWindow(pageSize: 2), state: try StateStore(path: path), stateKey: "rs/killed")
        }
        try await reader(statePath).read(context) { _ in }  // the baseline
        for id in Int64(10)..<15 {
            try await fixture.insert(RedshiftFixture.Query(id: id, end: "2026-11-21 10:00:0\(id - 10).000000", elapsedMicroseconds: 1, text: "SELECT \(id)"))
        }
        // While the third page is handled, the state file is what a killed process leaves behind.
        var pages = 0
        await #expect(throws: PageFailed.self) {
            try await reader(statePath).read(context) { _ in
                pages += 1
                guard pages == 3 else { return }
                try FileManager.default.copyItem(atPath: statePath, toPath: crashed)
                throw PageFailed()
            }
        }
        var again: [Int64] = []
        try await reader(crashed).read(context) { rows in again += try rows.map { try $0.int64("id") } }
        #expect(again == [14], "pages 1 and 2 (10 to 13) were saved as they were handed over")
    }

    /// A view with no rows at the first start has no history to skip: its first rows are new.
    @Test func anEmptyViewAtTheFirstStartCountsItsFirstRows() async throws {
        let postgres = try TestPostgres.shared()
        let fixture = try await RedshiftFixture(postgres: postgres, database: try await postgres.createDatabase(prefix: "rsempty"))
        let connection = try await Connection.connect(ConnectionSettings(dsn: fixture.dsn))
        defer { connection.close() }
        let context = CollectionContext(connection: connection, warehouse: "rs", queryTimeout: .seconds(10), logger: Logger(label: "test"))
        let reader = IncrementalReader(
            startSQL: RedshiftHistory.sysStartSQL, pageSQL: RedshiftHistory.sysPageSQL,
            window: HistoryWindow(pageSize: 100), state: try StateStore(path: nil), stateKey: "rs/empty")
        var handled: [Int64] = []
        try await reader.read(context) { rows in handled += try rows.map { try $0.int64("id") } }
        #expect(handled.isEmpty)
        for id in Int64(1)...3 {
            try await fixture.insert(RedshiftFixture.Query(id: id, end: "2026-11-21 10:00:0\(id).000000", elapsedMicroseconds: 1, text: "SELECT \(id)"))
        }
        try await reader.read(context) { rows in handled += try rows.map { try $0.int64("id") } }
        try await reader.read(context) { rows in handled += try rows.map { try $0.int64("id") } }
        #expect(handled == [1, 2, 3])
    }
}
