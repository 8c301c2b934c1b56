import Collectors
import Logging
import QueryMetrics
import TestSupport
import Testing
import WarehouseClient

@Suite("Redshift tables collector")
struct RedshiftTablesCollectorTests {
    @Test func rowsBytesAndLayoutHealthFromSVVTableInfo() async throws {
        let postgres = try TestPostgres.shared()
        let fixture = try await RedshiftFixture(postgres: postgres, database: try await postgres.createDatabase(prefix: "rstables"))
        try await fixture.insertTable(schema: "raw", table: "events", megabytes: 2048, rows: 1_000_000_000, visibleRows: 990_000_000, unsorted: 12.5, statsOff: 40, skew: 3.25)
        try await fixture.insertTable(schema: "marts", table: "daily", megabytes: 10, rows: 5000, visibleRows: nil, unsorted: nil, statsOff: 0, skew: nil)
        try await fixture.insertTable(schema: "scratch", table: "tmp", megabytes: 1, rows: 1, visibleRows: 1, unsorted: 0, statsOff: 0, skew: 1)

        let metrics = MetricCatalog()
        let connection = try await Connection.connect(ConnectionSettings(dsn: fixture.dsn))
        defer { connection.close() }
        let context = CollectionContext(connection: connection, warehouse: "rs", queryTimeout: .seconds(10), logger: Logger(label: "test"))
        try await RedshiftTablesCollector(options: .init(excludeSchemas: ["scratch"]), metrics: metrics).collect(context)
        let text = String(decoding: metrics.registry.render(), as: UTF8.self)
        let exposition = Exposition(text: text)
        func sample(_ name: String, _ schema: String, _ table: String) -> Double? {
            exposition.value(name, ["warehouse": "rs", "database": "dev", "schema": schema, "table": table])
        }
        #expect(sample("warehouse_table_rows", "raw", "events") == 990_000_000)
        #expect(sample("warehouse_table_rows", "marts", "daily") == 5000)  // no estimate: all rows
        #expect(sample("warehouse_table_size_bytes", "raw", "events") == 2_147_483_648.0)  // 2048 blocks of 1 MB
        #expect(sample("warehouse_table_unsorted_ratio", "raw", "events") == 0.125)
        #expect(sample("warehouse_table_stats_off_ratio", "raw", "events") == 0.4)
        #expect(sample("warehouse_table_skew_rows_ratio", "raw", "events") == 3.25)
        #expect(sample("warehouse_table_unsorted_ratio", "marts", "daily") == nil)  // no sort key
        #expect(!text.contains(#"schema="scratch""#))
        #expect(try await Promtool.checkMetrics(text).exitCode == 0)

        // The cap keeps the largest.
        let capped = MetricCatalog()
        try await RedshiftTablesCollector(options: .init(maxTables: 1), metrics: capped).collect(context)
        let cappedText = String(decoding: capped.registry.render(), as: UTF8.self)
        #expect(cappedText.contains(#"table="events""#) && !cappedText.contains(#"table="daily""#))
    }

    /// SVV_TABLE_INFO shows the connected database only: `tables.databases` reads each other one
    /// on a connection of its own, `*` the cluster's local databases (not a datashare's), and a
    /// database that cannot be read fails the run and keeps its series.
    @Test func readsTheOtherConfiguredDatabasesEachOnItsOwnConnection() async throws {
        let postgres = try TestPostgres.shared()
        let first = try await RedshiftFixture(postgres: postgres, database: try await postgres.createDatabase(prefix: "rsdb1"))
        let second = try await RedshiftFixture(postgres: postgres, database: try await postgres.createDatabase(prefix: "rsdb2"))
        try await first.insertTable(schema: "marts", table: "daily", megabytes: 10, rows: 50, visibleRows: 50, unsorted: 0, statsOff: 0, skew: 1, inDatabase: first.database)
        try await second.insertTable(schema: "raw", table: "events", megabytes: 20, rows: 70, visibleRows: 70, unsorted: 0, statsOff: 0, skew: 1, inDatabase: second.database)
        try await postgres.execute(
            """
            INSERT INTO \(RedshiftFixture.schema).svv_redshift_databases (database_name, database_owner, database_type, database_isolation_level)
            VALUES ('\(first.database)', 100, 'local', 'Snapshot Isolation'), ('\(second.database)', 100, 'local', 'Serializable'),
                   ('sales_share', 100, 'shared', 'Snapshot Isolation')
            """, database: first.database)
        let metrics = MetricCatalog()
        let settings = ConnectionSettings(dsn: first.dsn)
        let connection = try await Connection.connect(settings)
        defer { connection.close() }
        let context = CollectionContext(connection: connection, warehouse: "rs", queryTimeout: .seconds(10), logger: Logger(label: "test"), settings: settings)
        func rows(_ fixture: RedshiftFixture, _ schema: String, _ table: String) -> Double? {
            Exposition(text: String(decoding: metrics.registry.render(), as: UTF8.self))
                .value("warehouse_table_rows", ["warehouse": "rs", "database": fixture.database, "schema": schema, "table": table])
        }

        try await RedshiftTablesCollector(options: .init(databases: [second.database]), metrics: metrics).collect(context)
        #expect(rows(first, "marts", "daily") == 50)
        #expect(rows(second, "raw", "events") == 70)

        // `*`: the local databases; the datashare's would fail the run if it were tried.
        try await second.insertTable(schema: "raw", table: "users", megabytes: 1, rows: 3, visibleRows: 3, unsorted: 0, statsOff: 0, skew: 1, inDatabase: second.database)
        try await RedshiftTablesCollector(options: .init(databases: ["*"]), metrics: metrics).collect(context)
        #expect(rows(second, "raw", "users") == 3)

        let broken = RedshiftTablesCollector(options: .init(databases: [second.database, "no_such_db"]), metrics: metrics)
        let error = await #expect(throws: WarehouseError.self) { try await broken.collect(context) }
        #expect(error?.message.contains("no_such_db") == true)
        #expect(rows(second, "raw", "events") == 70, "a database read keeps its series")

        // Back to the DSN's database alone: the other database's tables are no longer reported.
        try await RedshiftTablesCollector(options: .init(), metrics: metrics).collect(context)
        #expect(rows(first, "marts", "daily") == 50)
        #expect(rows(second, "raw", "events") == nil)
    }
}
