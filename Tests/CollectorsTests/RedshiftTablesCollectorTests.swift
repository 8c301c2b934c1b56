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
        #expect(try Promtool.checkMetrics(text).exitCode == 0)

        // The cap keeps the largest.
        let capped = MetricCatalog()
        try await RedshiftTablesCollector(options: .init(maxTables: 1), metrics: capped).collect(context)
        let cappedText = String(decoding: capped.registry.render(), as: UTF8.self)
        #expect(cappedText.contains(#"table="events""#) && !cappedText.contains(#"table="daily""#))
    }
}
