import Collectors
import Foundation
import Logging
import QueryMetrics
import SQLText
import TestSupport
import Testing
import WarehouseClient

/// The ClickHouse client and `query_log` collector against ClickHouse 18.16, Debian 12's
/// `clickhouse-server`: errors in the old body format without `X-ClickHouse-Exception-Code`, and a
/// query_log too old to count from, which the collector must say plainly.
@Suite("ClickHouse 18.16", .enabled(if: TestClickHouseServer.isInstalled, "needs Debian's clickhouse-server (scripts/install-deps)"))
struct ClickHouseOldServerTests {
    @Test func answersAndTypesItsErrorsButItsQueryLogIsRefusedByName() async throws {
        let server = try await TestClickHouseServer.start()
        var settings = ConnectionSettings(dsn: server.dsn, passwordFile: server.passwordFile, connectTimeout: .seconds(5))
        settings.statementMarker = OwnStatements.annotation
        let connection = try await ClickHouseConnection.connect(settings)
        #expect(connection.serverVersion.hasPrefix("18.16"))
        #expect(try await connection.query("SELECT 1 AS one").rows.first?.int64("one") == 1)

        let missing = await #expect(throws: WarehouseError.self) { try await connection.query("SELECT * FROM no_such_table") }
        #expect(missing?.clickHouseCode == 60)
        #expect(missing?.message.hasPrefix("Code: 60, e.displayText()") == true)

        settings.passwordFile = nil
        let refused = await #expect(throws: WarehouseError.self) { try await ClickHouseConnection.connect(settings) }
        #expect(refused?.kind == .authentication)
        #expect(refused?.clickHouseCode == 194)

        // query_log exists from the first flush on.
        _ = try await connection.query("SYSTEM FLUSH LOGS")
        let collector = ClickHouseQueryLogCollector(
            options: .init(), warehouse: "ch18", recorder: QueryRecorder(), rules: AnnotationRules(), state: try StateStore(path: nil))
        let context = ClickHouseContext(connection: connection, warehouse: "ch18", queryTimeout: .seconds(10), logger: Logger(label: "test"))
        let error = await #expect(throws: WarehouseError.self) { try await collector.collect(context) }
        #expect(
            error?.message.hasPrefix(
                "system.query_log of this server (ClickHouse 18.16.1) has no column event_time_microseconds, exception_code, current_database: "
                    + "the query_log collector needs ClickHouse 20.10 or later") == true, "\(String(describing: error))")
    }
}
