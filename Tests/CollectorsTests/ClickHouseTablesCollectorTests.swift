import Collectors
import Foundation
import Logging
import QueryMetrics
import TestSupport
import Testing
import WarehouseClient

/// The ClickHouse tables collector against ClickHouse's engine behind its HTTP interface
/// (TestClickHouse): every figure is the one the server's own system tables give.
@Suite("ClickHouse tables collector")
struct ClickHouseTablesCollectorTests {
    private static func context(_ server: TestClickHouse) async throws -> ClickHouseContext {
        ClickHouseContext(connection: try await server.connect(), warehouse: "ch", queryTimeout: .seconds(30), logger: Logger(label: "test"))
    }

    private static func run(_ collector: ClickHouseTablesCollector, _ metrics: MetricCatalog, _ context: ClickHouseContext) async throws -> Exposition {
        try await collector.collect(context)
        return Exposition(text: String(decoding: metrics.registry.render(), as: UTF8.self))
    }

    /// Two MergeTree tables filled by several inserts, an in-memory table, a view and a table of a
    /// database left out.
    private static func fill(_ server: TestClickHouse) async throws -> ClickHouseConnection {
        let connection = try await server.connect()
        for statement in [
            "CREATE DATABASE raw_events", "CREATE DATABASE marts", "CREATE DATABASE scratch",
            "CREATE TABLE raw_events.Clicks (id UInt64, url String) ENGINE = MergeTree ORDER BY id",
            "INSERT INTO raw_events.Clicks SELECT number, repeat('x', 100) FROM numbers(20000)",
            "INSERT INTO raw_events.Clicks SELECT number, 'y' FROM numbers(500)",
            "INSERT INTO raw_events.Clicks SELECT number, 'z' FROM numbers(7)",
            "CREATE TABLE marts.daily (day Date, n UInt64) ENGINE = SummingMergeTree ORDER BY day",
            "INSERT INTO marts.daily VALUES ('2026-12-01', 3), ('2026-12-02', 4)",
            "CREATE TABLE marts.lookup (k String) ENGINE = Memory",
            "INSERT INTO marts.lookup VALUES ('a'), ('b'), ('c')",
            "CREATE VIEW marts.recent AS SELECT * FROM raw_events.Clicks WHERE id > 100",
            "CREATE TABLE scratch.tmp (x UInt8) ENGINE = MergeTree ORDER BY x",
            "INSERT INTO scratch.tmp VALUES (1)",
        ] {
            _ = try await connection.query(statement)
        }
        return connection
    }

    /// The value of the one sample of `name` for table `table`.
    private static func value(_ exposition: Exposition, _ name: String, table: String) -> Double? {
        exposition.samples(name, including: ["table": table]).first?.value
    }

    @Test func reportsRowsBytesAndPartsAsTheServerCountsThem() async throws {
        let server = try await TestClickHouse.start()
        let connection = try await Self.fill(server)
        let metrics = MetricCatalog()
        let collector = ClickHouseTablesCollector(options: .init(excludeSchemas: ["scratch"]), metrics: metrics)
        let exposition = try await Self.run(collector, metrics, try await Self.context(server))

        let truth = try await connection.query(
            """
            SELECT database, name, total_rows, total_bytes,
                   (SELECT count() FROM system.parts AS p WHERE p.active AND p.database = t.database AND p.table = t.name) AS parts
            FROM system.tables AS t WHERE database IN ('raw_events', 'marts') AND engine != 'View'
            """)
        #expect(truth.count == 3)
        for row in truth.rows {
            let database = try row.string("database")
            let labels = ["warehouse": "ch", "database": database, "schema": database, "table": try row.string("name")]
            #expect(exposition.value("warehouse_table_rows", labels) == (try row.double("total_rows")), "\(labels)")
            #expect(exposition.value("warehouse_table_size_bytes", labels) == (try row.double("total_bytes")), "\(labels)")
            // Parts are a MergeTree's: an in-memory table has none to report.
            let parts = exposition.value("warehouse_table_parts", labels)
            #expect(parts == (labels["table"] == "lookup" ? nil : try row.double("parts")), "\(labels)")
        }
        #expect(Self.value(exposition, "warehouse_table_parts", table: "Clicks").map { $0 >= 1 } == true)
        #expect(exposition.labelValues("table", of: "warehouse_table_rows") == ["Clicks", "daily", "lookup"])
        let modified = try #require(Self.value(exposition, "warehouse_table_last_modified_timestamp_seconds", table: "Clicks"))
        #expect(abs(modified - Date().timeIntervalSince1970) < 300)
    }

    @Test func theCapKeepsTheLargestAndPatternsMatchWholeDatabaseNames() async throws {
        let server = try await TestClickHouse.start()
        _ = try await Self.fill(server)
        let context = try await Self.context(server)

        let capped = MetricCatalog()
        let largest = try await Self.run(ClickHouseTablesCollector(options: .init(maxTables: 1), metrics: capped), capped, context)
        #expect(largest.labelValues("table", of: "warehouse_table_rows") == ["Clicks"])

        let anchored = MetricCatalog()
        let raw = try await Self.run(ClickHouseTablesCollector(options: .init(includeSchemas: ["raw"]), metrics: anchored), anchored, context)
        #expect(raw.samples("warehouse_table_rows").isEmpty, "\"raw\" matches no database: patterns cover the whole name")

        // A quote or backslash in a pattern is the pattern's, not the statement's.
        let hostile = MetricCatalog()
        let none = try await Self.run(
            ClickHouseTablesCollector(options: .init(includeSchemas: [#"x'' OR 'a' = 'a\\"#]), metrics: hostile), hostile, context)
        #expect(none.samples("warehouse_table_rows").isEmpty)
    }

    @Test func aTableWhoseRowsMoveIsModifiedAndADroppedOneLeaves() async throws {
        let server = try await TestClickHouse.start()
        let connection = try await Self.fill(server)
        let context = try await Self.context(server)
        let metrics = MetricCatalog()
        let collector = ClickHouseTablesCollector(options: .init(), metrics: metrics)
        let first = try await Self.run(collector, metrics, context)
        let before = try #require(Self.value(first, "warehouse_table_last_modified_timestamp_seconds", table: "daily"))

        try await Task.sleep(for: .seconds(1.2))
        _ = try await connection.query("INSERT INTO marts.daily VALUES ('2026-12-03', 5)")
        _ = try await connection.query("DROP TABLE scratch.tmp")
        let second = try await Self.run(collector, metrics, context)
        let after = try #require(Self.value(second, "warehouse_table_last_modified_timestamp_seconds", table: "daily"))
        #expect(after > before)
        #expect(Self.value(second, "warehouse_table_rows", table: "daily") == 3)
        let clicks = Self.value(first, "warehouse_table_last_modified_timestamp_seconds", table: "Clicks")
        #expect(clicks != nil && Self.value(second, "warehouse_table_last_modified_timestamp_seconds", table: "Clicks") == clicks)
        #expect(second.samples("warehouse_table_rows", including: ["table": "tmp"]).isEmpty)
    }

    /// A mutation that fails on a row is retried for ever and holds back the one after it: both
    /// are pending, both failing, as `system.mutations` says, until they are killed; a table whose
    /// mutation went through has none, and an in-memory table, which has no mutations, no series.
    @Test func failingMutationsArePendingAndFailingUntilKilled() async throws {
        let server = try await TestClickHouse.start()
        let connection = try await Self.fill(server)
        for statement in [
            "ALTER TABLE raw_events.Clicks UPDATE url = 'w' WHERE id = 1",
            "ALTER TABLE marts.daily UPDATE n = throwIf(n > 3, 'a row the job did not expect') WHERE 1",
            "ALTER TABLE marts.daily DELETE WHERE n = 3",
        ] {
            // The engine may wait for the mutation and report its failure: it is pending all the same.
            _ = try? await connection.query(statement)
        }
        let context = try await Self.context(server)
        let metrics = MetricCatalog()
        let collector = ClickHouseTablesCollector(options: .init(), metrics: metrics)
        // The failure is recorded once the server has tried: wait for what system.mutations says.
        let deadline = ContinuousClock.now + .seconds(30)
        var truth: (pending: Double, failing: Double, clicks: Double) = (0, 0, 0)
        while ContinuousClock.now < deadline {
            let row = try #require(try await connection.query(
                """
                SELECT countIf(table = 'daily') AS pending, countIf(table = 'daily' AND latest_fail_reason != '') AS failing,
                       countIf(table = 'Clicks') AS clicks
                FROM system.mutations WHERE NOT is_done
                """
            ).rows.first)
            truth = (try row.double("pending"), try row.double("failing"), try row.double("clicks"))
            if truth == (2, 2, 0) { break }
            try await Task.sleep(for: .milliseconds(200))
        }
        #expect(truth == (2, 2, 0))
        let failing = try await Self.run(collector, metrics, context)
        #expect(Self.value(failing, "warehouse_table_mutations_pending", table: "daily") == 2, "\(failing.text)")
        #expect(Self.value(failing, "warehouse_table_mutations_failing", table: "daily") == 2)
        #expect(Self.value(failing, "warehouse_table_mutations_pending", table: "Clicks") == 0)
        #expect(Self.value(failing, "warehouse_table_mutations_failing", table: "Clicks") == 0)
        #expect(failing.samples("warehouse_table_mutations_pending", including: ["table": "lookup"]).isEmpty)

        _ = try await connection.query("KILL MUTATION WHERE database = 'marts' AND table = 'daily' SYNC")
        let killed = try await Self.run(collector, metrics, context)
        #expect(Self.value(killed, "warehouse_table_mutations_pending", table: "daily") == 0)
        #expect(Self.value(killed, "warehouse_table_mutations_failing", table: "daily") == 0)
    }
}
