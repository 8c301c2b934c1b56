import Collectors
import Logging
import QueryMetrics
import TestSupport
import Testing
import WarehouseClient

/// The `tables` collectors' "reporting only the largest tables" warning is logged when the cap
/// starts to apply and when the number of tables over it changes, not at every run; and once when
/// it stops applying.
@Suite("The tables cap is logged once per change")
struct TablesCapWarningTests {
    static let warning = "reporting only the largest tables"
    static let cleared = "reporting every table again"

    private func lines(_ log: LogCapture, _ text: String) -> [String] {
        log.all.filter { $0.contains(text) }
    }

    @Test func postgres() async throws {
        let postgres = try TestPostgres.shared()
        let database = try await postgres.createDatabase(prefix: "tblcap")
        _ = try await postgres.execute(
            "CREATE TABLE a AS SELECT 1 AS id", "CREATE TABLE b AS SELECT 1 AS id", "CREATE TABLE c AS SELECT 1 AS id", database: database)
        let log = LogCapture()
        let collector = PostgresTablesCollector(options: .init(maxTables: 2), metrics: MetricCatalog())
        let connection = try await Connection.connect(ConnectionSettings(dsn: postgres.dsn(database: database)))
        defer { connection.close() }
        let context = CollectionContext(connection: connection, warehouse: "w", queryTimeout: .seconds(10), logger: log.logger)

        for _ in 0..<5 { try await collector.collect(context) }
        #expect(lines(log, Self.warning).count == 1, "five runs over the cap: \(log.all)")
        #expect(lines(log, Self.warning).first?.contains("tables=3") == true)

        _ = try await postgres.execute("CREATE TABLE d AS SELECT 1 AS id", database: database)
        for _ in 0..<3 { try await collector.collect(context) }
        #expect(lines(log, Self.warning).count == 2, "the count changed once: \(log.all)")
        #expect(lines(log, Self.warning).last?.contains("tables=4") == true)

        _ = try await postgres.execute("DROP TABLE c", "DROP TABLE d", database: database)
        for _ in 0..<3 { try await collector.collect(context) }
        #expect(lines(log, Self.warning).count == 2)
        #expect(lines(log, Self.cleared).count == 1, "under the cap again: \(log.all)")
    }

    @Test func redshift() async throws {
        let postgres = try TestPostgres.shared()
        let fixture = try await RedshiftFixture(postgres: postgres, database: try await postgres.createDatabase(prefix: "rstblcap"))
        for name in ["a", "b", "c"] {
            try await fixture.insertTable(schema: "raw", table: name, megabytes: 1, rows: 1, visibleRows: 1, unsorted: 0, statsOff: 0, skew: 1)
        }
        let log = LogCapture()
        let collector = RedshiftTablesCollector(options: .init(maxTables: 2), metrics: MetricCatalog())
        let connection = try await Connection.connect(ConnectionSettings(dsn: fixture.dsn))
        defer { connection.close() }
        let context = CollectionContext(connection: connection, warehouse: "rs", queryTimeout: .seconds(10), logger: log.logger)

        for _ in 0..<5 { try await collector.collect(context) }
        #expect(lines(log, Self.warning).count == 1, "five runs over the cap: \(log.all)")

        try await fixture.insertTable(schema: "raw", table: "d", megabytes: 1, rows: 1, visibleRows: 1, unsorted: 0, statsOff: 0, skew: 1)
        for _ in 0..<3 { try await collector.collect(context) }
        #expect(lines(log, Self.warning).count == 2, "the count changed once: \(log.all)")
        #expect(lines(log, Self.warning).last?.contains("tables=4") == true)

        _ = try await postgres.execute(
            "DELETE FROM \(RedshiftFixture.schema).svv_table_info WHERE \"table\" IN ('c', 'd')", database: fixture.database)
        for _ in 0..<3 { try await collector.collect(context) }
        #expect(lines(log, Self.warning).count == 2)
        #expect(lines(log, Self.cleared).count == 1, "under the cap again: \(log.all)")
    }
}
