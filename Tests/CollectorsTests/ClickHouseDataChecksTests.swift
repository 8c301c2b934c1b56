import Collectors
import Foundation
import Logging
import QueryMetrics
import SQLText
import TestSupport
import Testing
import WarehouseClient

/// Profiles, freshness and checks on ClickHouse's engine behind its HTTP interface
/// (TestClickHouse): figures worked out from the rows the test wrote, and the server's own refusal
/// of a check that tries to write.
@Suite("ClickHouse data checks")
struct ClickHouseDataChecksTests {
    /// Ten orders whose every figure is known: amount 1.5 × id except order 3's (NULL), placed id
    /// hours after midnight of 1 December 2026 UTC, a day of 1, 2 or 3 December, paid when even.
    private static func fill(_ server: TestClickHouse) async throws {
        let connection = try await server.connect()
        for statement in [
            "CREATE DATABASE shop",
            """
            CREATE TABLE shop.orders (id UInt64, amount Nullable(Float64), item LowCardinality(String), placed DateTime('UTC'),
                                      day Date, paid Bool, tags Array(String)) ENGINE = MergeTree ORDER BY id
            """,
            """
            INSERT INTO shop.orders SELECT number + 1, if(number + 1 = 3, NULL, (number + 1) * 1.5), concat('item', toString(number % 4)),
                   toDateTime('2026-12-01 00:00:00', 'UTC') + (number + 1) * 3600, toDate('2026-12-01') + (number + 1) % 3,
                   (number + 1) % 2 = 0, [] FROM numbers(10)
            """,
            "CREATE TABLE shop.items (item String, label String) ENGINE = MergeTree ORDER BY item",
            "INSERT INTO shop.items VALUES ('item0', 'a'), ('item1', 'b'), ('item1', 'b2'), ('item2', 'c')",
            "CREATE TABLE shop.empty (at DateTime) ENGINE = MergeTree ORDER BY at",
        ] {
            _ = try await connection.query(statement)
        }
    }

    private static func run(_ options: DataCheckOptions, _ server: TestClickHouse) async throws -> (Exposition, DataChecksCollector) {
        let metrics = MetricCatalog()
        let collector = DataChecksCollector(options: options, dialect: .clickhouse, families: metrics.dataChecks)
        let connection = try await ClickHouseConnection.connect(try server.settings(marker: OwnStatements.annotation))
        try await collector.collect(ClickHouseContext(connection: connection, warehouse: "ch", queryTimeout: .seconds(10), logger: Logger(label: "test")))
        return (Exposition(text: String(decoding: metrics.registry.render(), as: UTF8.self)), collector)
    }

    @Test func profilesAndFreshnessGiveTheFiguresOfTheRowsWritten() async throws {
        let server = try await TestClickHouse.start()
        try await Self.fill(server)
        var empty = FreshnessSpec(table: TableName(schema: "shop", name: "empty"))
        empty.column = "at"
        var fresh = FreshnessSpec(table: TableName(schema: "shop", name: "orders"))
        fresh.column = "placed"
        let (exposition, collector) = try await Self.run(
            DataCheckOptions(profiles: [ColumnProfileSpec(table: TableName(schema: "shop", name: "orders"))], freshness: [fresh, empty]), server)
        #expect(collector.failures.isEmpty, "\(collector.failures)")

        let table = ["warehouse": "ch", "database": "shop", "schema": "shop", "table": "orders"]
        func column(_ metric: String, _ name: String) -> Double? {
            exposition.value("warehouse_column_\(metric)", table.merging(["column": name]) { $1 })
        }
        let midnight = 1_796_083_200.0  // 2026-12-01T00:00:00Z
        #expect(exposition.value("warehouse_column_profile_rows", table) == 10)
        #expect(column("nulls", "amount") == 1)
        #expect(column("min", "amount") == 1.5 && column("max", "amount") == 15)
        #expect(column("mean", "amount") == (1.5 * Double(55 - 3)) / 9)
        #expect(column("distinct_values", "amount") == 9)
        #expect(column("min", "id") == 1 && column("max", "id") == 10 && column("mean", "id") == 5.5)
        #expect(column("chars", "item") == 50 && column("distinct_values", "item") == 4)
        #expect(column("min", "placed") == midnight + 3600 && column("max", "placed") == midnight + 36_000)
        #expect(column("min", "day") == midnight && column("max", "day") == midnight + 2 * 86_400)
        #expect(column("mean", "paid") == 0.5)
        #expect(column("nulls", "tags") == 0 && column("min", "tags") == nil)
        #expect(
            exposition.value(
                "warehouse_column_info", table.merging(["column": "item", "type": "LowCardinality(String)", "encoding": "default"]) { $1 }) == 1)
        #expect(exposition.value("warehouse_table_newest_row_timestamp_seconds", table) == midnight + 36_000)
        // An empty table has no newest row, rather than one from 1970.
        #expect(exposition.samples("warehouse_table_newest_row_timestamp_seconds", including: ["table": "empty"]).isEmpty)
        #expect(exposition.value("warehouse_check_success", ["warehouse": "ch", "check": "freshness:shop.empty"]) == 1)
    }

    @Test func checksPassFailAndAWriteIsRefusedByTheServer() async throws {
        let server = try await TestClickHouse.start()
        try await Self.fill(server)
        let orders = TableName(schema: "shop", name: "orders")
        let checks = [
            DataCheckSpec(name: "by_item", kind: .query(sql: "SELECT item, count() AS orders, sum(amount) AS amount FROM shop.orders GROUP BY item", labels: ["item"])),
            DataCheckSpec(name: "nulls", kind: .nullRatio(table: orders, column: "amount", filter: "id <= 5", maxRatio: 0.1)),
            DataCheckSpec(name: "copies", kind: .rowCountMatch(source: "SELECT id FROM shop.orders", target: "SELECT id FROM shop.orders WHERE paid", maxDifference: 0)),
            DataCheckSpec(
                name: "fanout", kind: .joinFanout(left: orders, right: TableName(schema: "shop", name: "items"), on: "l.item = r.item", maxFanout: 2)),
            // A table function, which can write files as well as read them: the server allows it only
            // to a session that may write, and each check's statement may not (readonly=1).
            DataCheckSpec(name: "sneaky", kind: .query(sql: "SELECT count() AS n FROM file('/etc/hostname', 'LineAsString')", labels: [])),
            DataCheckSpec(name: "text", kind: .query(sql: "SELECT 'x' AS word", labels: [])),
        ]
        let (exposition, collector) = try await Self.run(DataCheckOptions(checks: checks), server)
        func value(_ check: String, _ column: String, _ extra: [String: String] = [:]) -> Double? {
            exposition.value("warehouse_check_value", ["warehouse": "ch", "check": check, "column": column].merging(extra) { $1 })
        }
        #expect(value("by_item", "orders", ["item": "item1"]) == 3)
        #expect(value("by_item", "amount", ["item": "item0"]) == 1.5 * (1 + 5 + 9))
        #expect(value("nulls", "null_ratio") == 0.2)
        #expect(exposition.value("warehouse_check_passed", ["warehouse": "ch", "check": "nulls"]) == 0)
        #expect(value("copies", "difference") == 5)
        // item0 ×3 orders, item1 ×3 orders × 2 labels, item2 ×2, item3 ×2 unmatched: 3 + 6 + 2 + 2 joined rows of 10.
        #expect(value("fanout", "fanout") == 1.3)
        #expect(exposition.value("warehouse_check_passed", ["warehouse": "ch", "check": "fanout"]) == 1)

        let failures = collector.failures
        #expect(failures.keys.sorted() == ["sneaky", "text"], "\(failures)")
        #expect(failures["sneaky"]?.contains("Code: 164") == true && failures["sneaky"]?.contains("readonly mode") == true, "\(failures)")
        #expect(failures["text"]?.contains("not a number (type String)") == true, "\(failures)")
        #expect(exposition.value("warehouse_check_success", ["warehouse": "ch", "check": "sneaky"]) == 0)
        // Not the file's fault: the team's own session, which may write, reads it.
        let team = try await server.connect()
        #expect(try await team.query("SELECT count() AS n FROM file('/etc/hostname', 'LineAsString')").rows[0].int64("n") >= 1)
    }
}
