import Collectors
import Foundation
import Logging
import QueryMetrics
import SQLText
import TestSupport
import Testing
import WarehouseClient

/// What a check cannot do on a real PostgreSQL however it is written: write, turn the read-only
/// setting off for the checks after it, or make the exporter buffer more rows than `max_rows`.
@Suite("Data checks: each in its own read-only transaction, results bounded on the server")
struct DataCheckIsolationTests {
    private func makeShop() async throws -> (database: String, dsn: String) {
        let postgres = try TestPostgres.shared()
        let database = try await postgres.createDatabase(prefix: "isolation")
        try await postgres.execute(
            "CREATE SCHEMA shop",
            "CREATE TABLE shop.orders (id integer)",
            "INSERT INTO shop.orders SELECT generate_series(1, 4)",
            // Functions, because a select that calls one passes any check of the SQL's text.
            "CREATE FUNCTION shop.wipe() RETURNS integer LANGUAGE sql AS 'DELETE FROM shop.orders; SELECT 1'",
            "CREATE FUNCTION shop.plant() RETURNS integer LANGUAGE sql AS 'CREATE TABLE shop.planted (x integer); SELECT 1'",
            database: database)
        return (database, postgres.dsn(database: database))
    }

    private func check(_ name: String, _ sql: String) -> DataCheckSpec {
        DataCheckSpec(name: name, kind: .query(sql: sql, labels: []))
    }

    private func collect(_ collector: DataChecksCollector, dsn: String) async throws {
        let connection = try await Connection.connect(ConnectionSettings(dsn: dsn))
        defer { connection.close() }
        try await collector.collect(
            CollectionContext(connection: connection, warehouse: "w", queryTimeout: .seconds(10), logger: Logger(label: "test")))
    }

    @Test func aCheckThatTurnsReadOnlyOffCannotLetTheNextOnesWrite() async throws {
        let (database, dsn) = try await makeShop()
        let metrics = MetricCatalog()
        let checks = [
            // The attack: the session's default, off for the rest of the session.
            check("escape", "SELECT length(set_config('default_transaction_read_only', 'off', false)) AS n"),
            check("wipe", "SELECT shop.wipe() AS n"),
            check("plant", "SELECT shop.plant() AS n"),
            // And the transaction's own setting, which PostgreSQL keeps once a query has run.
            check("escape_transaction", "SELECT length(set_config('transaction_read_only', 'off', false)) AS n"),
            check("wipe_again", "SELECT shop.wipe() AS n"),
            check("fine", "SELECT count(*) AS orders FROM shop.orders"),
        ]
        let collector = DataChecksCollector(options: DataCheckOptions(checks: checks), dialect: .postgres, families: metrics.dataChecks)
        try await collect(collector, dsn: dsn)
        // Twice: the first run's setting would carry over on a reused session.
        try await collect(collector, dsn: dsn)

        let failures = collector.failures
        for name in ["wipe", "plant", "wipe_again"] {
            #expect(failures[name]?.contains("cannot execute") == true, "\(name): \(failures)")
            #expect(failures[name]?.contains("read-only transaction") == true, "\(name): \(failures)")
        }
        #expect(failures["escape_transaction"]?.contains("read-write mode") == true, "\(failures)")
        #expect(failures["fine"] == nil, "\(failures)")
        let text = String(decoding: metrics.registry.render(), as: UTF8.self)
        #expect(Exposition(text: text).value("warehouse_check_value", ["warehouse": "w", "check": "fine", "column": "orders"]) == 4)

        let postgres = try TestPostgres.shared()
        let counts = try await postgres.execute(
            "SELECT count(*) AS n FROM shop.orders", "SELECT count(*) AS n FROM pg_tables WHERE tablename = 'planted'", database: database)
        #expect(try counts[0].rows.first?.double("n") == 4, "the rows are untouched")
        #expect(try counts[1].rows.first?.double("n") == 0, "no table was created")
    }

    @Test func maxRowsStopsTheQueryOnTheServer() async throws {
        let (_, dsn) = try await makeShop()
        let metrics = MetricCatalog()
        var huge = check("huge", "SELECT g AS n FROM generate_series(1, 1000000) AS g -- a million rows")
        huge.maxRows = 10
        var exact = check("exact", "SELECT g AS n, g AS v FROM generate_series(1, 10) AS g;")
        exact.kind = .query(sql: "SELECT g AS n, g AS v FROM generate_series(1, 10) AS g;", labels: ["n"])
        exact.maxRows = 10
        let collector = DataChecksCollector(options: DataCheckOptions(checks: [huge, exact]), dialect: .postgres, families: metrics.dataChecks)
        try await collect(collector, dsn: dsn)

        // The result was cut at max_rows + 1: more than that never reached the exporter.
        let failure = try #require(collector.failures["huge"])
        #expect(failure.contains("more than max_rows 10"), "\(failure)")
        #expect(failure.contains("cut at 11"), "\(failure)")
        // Exactly max_rows still passes, with every row.
        #expect(collector.failures["exact"] == nil, "\(collector.failures)")
        let text = String(decoding: metrics.registry.render(), as: UTF8.self)
        #expect(Exposition(text: text).value("warehouse_check_value", ["warehouse": "w", "check": "exact", "column": "v", "n": "10"]) == 10)
    }
}
