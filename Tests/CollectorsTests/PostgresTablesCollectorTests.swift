import Foundation
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

    @Test func rowsWrittenByOperationLastModifiedDeadRowsAndVacuum() async throws {
        let database = try await makeDatabase()
        let postgres = try TestPostgres.shared()
        // The baseline must come after the setup's own 10 rows reach the statistics, or the
        // collector rightly counts them as written.
        let settle = ContinuousClock.now + .seconds(10)
        while try await !collect(.init(includeSchemas: ["marts"]), database: database).contains(#"table="small"} 10"#),
              ContinuousClock.now < settle {
            try await Task.sleep(for: .milliseconds(100))
        }
        let metrics = MetricCatalog()
        let collector = PostgresTablesCollector(options: .init(includeSchemas: ["marts"]), metrics: metrics)
        _ = try await run(collector, metrics, database: database)  // the baseline
        let before = Date().timeIntervalSince1970
        try await postgres.execute(
            "INSERT INTO marts.small SELECT g FROM generate_series(11, 110) g",
            "UPDATE marts.small SET id = id WHERE id <= 10",
            "DELETE FROM marts.small WHERE id > 105",
            database: database)

        /// The rows written to marts.small by `operation`, in the exposition `text`.
        func written(_ text: String, _ operation: String) -> Double? {
            Exposition(text: text).value(
                "warehouse_table_rows_written_total", ["warehouse": "w", "schema": "marts", "table": "small", "operation": operation])
        }
        // The server publishes its statistics a moment after the transactions end.
        var text = ""
        let deadline = ContinuousClock.now + .seconds(10)
        repeat {
            try await Task.sleep(for: .milliseconds(200))
            text = try await run(collector, metrics, database: database)
        } while written(text, "delete") != 5 && ContinuousClock.now < deadline
        #expect(written(text, "insert") == 100)
        #expect(written(text, "update") == 10)
        #expect(written(text, "delete") == 5)
        let table = ["warehouse": "w", "database": database, "schema": "marts", "table": "small"]
        let modified = try #require(Exposition(text: text).value("warehouse_table_last_modified_timestamp_seconds", table))
        #expect(modified >= before && modified <= Date().timeIntervalSince1970)
        #expect(try #require(Exposition(text: text).value("warehouse_table_dead_rows", table)) >= 15)

        // Nothing written since: the counters stand still, and a vacuum is seen.
        try await postgres.execute("VACUUM marts.small", database: database)
        try await Task.sleep(for: .milliseconds(700))
        text = try await run(collector, metrics, database: database)
        #expect(written(text, "insert") == 100)
        #expect(try #require(Exposition(text: text).value("warehouse_table_last_vacuum_timestamp_seconds", table)) >= before)
        #expect(try await Promtool.checkMetrics(text).exitCode == 0)
    }

    @Test func readsTheOtherConfiguredDatabasesAndKeepsAnUnreadableOnesSeries() async throws {
        let postgres = try TestPostgres.shared()
        let first = try await makeDatabase()
        let second = try await postgres.createDatabase(prefix: "tbl2")
        try await postgres.execute("CREATE TABLE only_here (id int)", "INSERT INTO only_here VALUES (1)", database: second)
        let metrics = MetricCatalog()
        let settings = ConnectionSettings(dsn: postgres.dsn(database: first))
        let connection = try await Connection.connect(settings)
        defer { connection.close() }
        let context = CollectionContext(
            connection: connection, warehouse: "w", queryTimeout: .seconds(10), logger: Logger(label: "test"), settings: settings)

        let both = PostgresTablesCollector(options: .init(databases: [second]), metrics: metrics)
        try await both.collect(context)
        var text = String(decoding: metrics.registry.render(), as: UTF8.self)
        #expect(text.contains(#"database="\#(first)",schema="marts",table="small""#))
        #expect(text.contains(#"database="\#(second)",schema="public",table="only_here""#))

        // `*` finds every database that accepts connections; one that cannot be read fails the run,
        // names itself, and leaves the other databases' series in place.
        let everything = PostgresTablesCollector(options: .init(databases: ["*"]), metrics: metrics)
        try await everything.collect(context)
        text = String(decoding: metrics.registry.render(), as: UTF8.self)
        #expect(text.contains(#"database="\#(second)""#))
        let broken = PostgresTablesCollector(options: .init(databases: [second, "no_such_db"]), metrics: metrics)
        let error = await #expect(throws: WarehouseError.self) { try await broken.collect(context) }
        #expect(error?.message.contains("no_such_db") == true)
        text = String(decoding: metrics.registry.render(), as: UTF8.self)
        #expect(text.contains(#"database="\#(second)",schema="public",table="only_here""#))
    }
}
