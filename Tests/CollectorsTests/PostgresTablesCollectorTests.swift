import Collectors
import Logging
import QueryMetrics
import TestSupport
import Testing
import WarehouseClient

@Suite("PostgreSQL tables collector")
struct PostgresTablesCollectorTests {
    /// Runs a new collector once against `database` and returns the exposition.
    private func collect(_ options: PostgresTablesCollector.Options, database: String) async throws -> String {
        let metrics = MetricCatalog()
        return try await run(PostgresTablesCollector(options: options, metrics: metrics), metrics, database: database)
    }

    private func run(_ collector: PostgresTablesCollector, _ metrics: MetricCatalog, database: String) async throws -> String {
        let postgres = try TestPostgres.shared()
        let connection = try await Connection.connect(ConnectionSettings(dsn: postgres.dsn(database: database)))
        defer { connection.close() }
        try await collector.collect(
            CollectionContext(connection: connection, warehouse: "w", queryTimeout: .seconds(10), logger: Logger(label: "test")))
        return String(decoding: metrics.registry.render(), as: UTF8.self)
    }

    private func makeDatabase() async throws -> String {
        let postgres = try TestPostgres.shared()
        let database = try await postgres.createDatabase(prefix: "tbl")
        try await postgres.execute(
            "CREATE SCHEMA raw_events", "CREATE SCHEMA raw_tmp", "CREATE SCHEMA marts",
            "CREATE TABLE raw_events.big AS SELECT g AS id, repeat('x', 200) AS pad FROM generate_series(1, 20000) g",
            "CREATE TABLE raw_tmp.medium AS SELECT g AS id, repeat('x', 200) AS pad FROM generate_series(1, 2000) g",
            "CREATE TABLE marts.small AS SELECT g AS id FROM generate_series(1, 10) g",
            database: database)
        return database
    }

    @Test func schemaPatternsMatchWholeNamesAndExcludesWin() async throws {
        let database = try await makeDatabase()
        let text = try await collect(.init(includeSchemas: ["raw_.*", "marts"], excludeSchemas: ["raw_tmp"]), database: database)
        #expect(text.contains(#"schema="raw_events",table="big""#))
        #expect(text.contains(#"schema="marts",table="small""#))
        #expect(!text.contains(#"schema="raw_tmp""#))

        // "raw" alone matches no schema: patterns are anchored at both ends.
        let anchored = try await collect(.init(includeSchemas: ["raw"]), database: database)
        #expect(!anchored.contains("warehouse_table_rows{"))
    }

    @Test func theCapKeepsTheLargestTables() async throws {
        let database = try await makeDatabase()
        let text = try await collect(.init(maxTables: 2), database: database)
        #expect(text.contains(#"table="big""#))
        #expect(text.contains(#"table="medium""#))
        #expect(!text.contains(#"table="small""#))
    }

    @Test func aTableThatDisappearsLosesItsSeries() async throws {
        let database = try await makeDatabase()
        let metrics = MetricCatalog()
        let collector = PostgresTablesCollector(options: .init(), metrics: metrics)
        #expect(try await run(collector, metrics, database: database).contains(#"table="small""#))
        try await TestPostgres.shared().execute("DROP TABLE marts.small", database: database)
        let after = try await run(collector, metrics, database: database)
        #expect(!after.contains(#"table="small""#))
        #expect(after.contains(#"table="big""#))
    }
}
