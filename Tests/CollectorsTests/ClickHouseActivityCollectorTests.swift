import Collectors
import Foundation
import Logging
import QueryMetrics
import SQLText
import TestSupport
import Testing
import WarehouseClient

/// The ClickHouse activity collector while real statements run: on ClickHouse's engine behind its
/// HTTP interface (TestClickHouse), and on ClickHouse 18.16, whose users let a team's session forge
/// the exporter's annotation.
@Suite("ClickHouse activity collector")
struct ClickHouseActivityCollectorTests {
    /// Runs `statements` at once on `connection`, collects once they have all started, and returns
    /// the exposition; the statements run to their end before it returns.
    private static func collect(
        while statements: [(ClickHouseConnection, String, [String: String])], _ context: ClickHouseContext
    ) async throws -> Exposition {
        let recorder = QueryRecorder()
        let collector = ClickHouseActivityCollector(recorder: recorder, rules: AnnotationRules())
        return try await withThrowingTaskGroup(of: Void.self) { group in
            for (connection, sql, settings) in statements {
                group.addTask { _ = try await connection.query(sql, settings: settings, timeout: .seconds(30)) }
            }
            // Every statement is on the server once processes lists them all; a loaded machine
            // takes seconds to start them, hence statements that last longer still.
            let deadline = ContinuousClock.now + .seconds(60)
            while try await context.query("SELECT count() AS n FROM system.processes WHERE query LIKE '%sleep%(%' AND query NOT LIKE '%processes%'")
                .rows[0].int64("n") < statements.count
            {
                guard ContinuousClock.now < deadline else { throw TestSupportError("the statements were never all running at once") }
                try await Task.sleep(for: .milliseconds(50))
            }
            try await collector.collect(context)
            try await group.waitForAll()
            var buffer: [UInt8] = []
            recorder.emit(into: &buffer)
            return Exposition(text: String(decoding: buffer, as: UTF8.self))
        }
    }

    @Test func runningQueriesByAppFromTheTextTheLogCommentOrTheClient() async throws {
        let server = try await TestClickHouse.start()
        let exporter = try await ClickHouseConnection.connect(try server.settings(marker: OwnStatements.annotation))
        let context = ClickHouseContext(connection: exporter, warehouse: "ch", queryTimeout: .seconds(10), logger: Logger(label: "test"))
        let team = [try await server.connect(), try await server.connect(), try await server.connect()]
        // Ten blocks of a row, a second a row: ten seconds each.
        let slow = "SELECT sum(sleepEachRow(1)) FROM numbers(10)"
        let blocks = ["max_block_size": "1"]
        let exposition = try await Self.collect(
            while: [
                (team[0], #"/* {"app":"airflow","dag":"daily","task":"load"} */ "# + slow, blocks),
                (team[1], slow, blocks.merging(["log_comment": #"{"app":"lightdash","dashboard":"Revenue"}"#]) { $1 }),
                (team[2], slow + " AS ad_hoc", blocks),
            ], context)

        let running = exposition.samples("warehouse_queries_running")
        let byApp = Dictionary(running.map { ($0.labels["app"] ?? "", $0.value) }, uniquingKeysWith: +)
        // The engine's own client names itself chDB; the exporter's statements are not there.
        #expect(byApp == ["airflow": 1, "lightdash": 1, "chDB": 1], "\(running)")
        #expect(Set(running.compactMap { $0.labels["user"] }) == ["default"])
        for app in ["airflow", "lightdash", "chDB"] {
            let oldest = try #require(exposition.value("warehouse_query_oldest_running_seconds", ["warehouse": "ch", "app": app]))
            #expect(oldest > 0 && oldest < 11, "\(app): \(oldest)")
        }
        #expect(exposition.samples("warehouse_queries_queued").map(\.value) == [0])
    }

    /// Another user's statement that copies the exporter's annotation is the team's, and a statement
    /// of the exporter's user without it too: only both together are the exporter's own.
    @Test(.enabled(if: TestClickHouseServer.isInstalled, "needs Debian's clickhouse-server (scripts/install-deps)"))
    func aForgedAnnotationIsCountedOnlyTheExportersUserAndAnnotationTogetherAreLeftOut() async throws {
        let server = try await TestClickHouseServer.start()
        var settings = ConnectionSettings(dsn: server.dsn, passwordFile: server.passwordFile, connectTimeout: .seconds(5))
        settings.statementMarker = OwnStatements.annotation
        let exporter = try await ClickHouseConnection.connect(settings)
        let exporterBusy = try await ClickHouseConnection.connect(settings)
        let context = ClickHouseContext(connection: exporter, warehouse: "ch18", queryTimeout: .seconds(10), logger: Logger(label: "test"))
        let analyst = try await ClickHouseConnection.connect(
            ConnectionSettings(
                dsn: "http://analyst:\(TestClickHouseServer.analystPassword)@127.0.0.1:\(server.port)/default", applicationName: "notebook",
                connectTimeout: .seconds(5)))
        let unmarked = try await ClickHouseConnection.connect(
            ConnectionSettings(dsn: server.dsn, passwordFile: server.passwordFile, applicationName: "notebook", connectTimeout: .seconds(5)))

        // Three blocks of a row, three seconds a block: nine seconds each.
        let blocks = ["max_block_size": "1"]
        let exposition = try await Self.collect(
            while: [
                (analyst, "\(OwnStatements.annotation) SELECT sleep(3) FROM numbers(3)", blocks),
                (unmarked, "SELECT sleep(3) FROM numbers(3)", blocks),
                // The exporter's own (its connection adds the annotation): not the warehouse's load.
                (exporterBusy, "SELECT sleep(3) FROM numbers(3)", blocks),
            ], context)

        let running = exposition.samples("warehouse_queries_running")
        let byUser = Dictionary(running.map { ("\($0.labels["app"] ?? "")|\($0.labels["user"] ?? "")", $0.value) }, uniquingKeysWith: +)
        #expect(byUser == ["warehouse_exporter|analyst": 1, "notebook|default": 1], "\(running)")
    }
}
