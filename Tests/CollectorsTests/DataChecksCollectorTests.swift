import Collectors
import Foundation
import Logging
import QueryMetrics
import SQLText
import TestSupport
import Testing
import WarehouseClient

/// A data checks collector on a real database, and what it serves.
private struct DataCheckHarness {
    let metrics = MetricCatalog()
    let collector: DataChecksCollector
    let dsn: String

    init(_ options: DataCheckOptions, dsn: String, dialect: DataCheckDialect = .postgres) {
        collector = DataChecksCollector(options: options, dialect: dialect, families: metrics.dataChecks)
        self.dsn = dsn
    }

    /// Runs the collector once on a new connection and returns the exposition.
    @discardableResult
    func collect() async throws -> String {
        let connection = try await Connection.connect(ConnectionSettings(dsn: dsn))
        defer { connection.close() }
        try await collector.collect(CollectionContext(connection: connection, warehouse: "w", queryTimeout: .seconds(10), logger: Logger(label: "test")))
        return text
    }

    var text: String { String(decoding: metrics.registry.render(), as: UTF8.self) }

    /// The value of the sample `name` with exactly `labels`, nil when absent.
    func value(_ name: String, _ labels: [String: String]) -> Double? {
        Exposition(text: text).value(name, labels)
    }

    func column(_ metric: String, _ table: String, _ column: String, database: String) -> Double? {
        value("warehouse_column_\(metric)", ["warehouse": "w", "database": database, "schema": "shop", "table": table, "column": column])
    }

    func success(_ check: String) -> Double? { value("warehouse_check_success", ["warehouse": "w", "check": check]) }
    func passed(_ check: String) -> Double? { value("warehouse_check_passed", ["warehouse": "w", "check": check]) }
}

private func table(_ text: String) -> TableName { TableName(configured: text)! }

@Suite("Data checks: column profiles, freshness and custom checks")
struct DataChecksCollectorTests {
    /// shop.orders: four rows whose every figure is known.
    private func makeShop() async throws -> (database: String, dsn: String) {
        let postgres = try TestPostgres.shared()
        let database = try await postgres.createDatabase(prefix: "checks")
        try await postgres.execute(
            "CREATE SCHEMA shop",
            #"CREATE TABLE shop.orders (id integer, amount numeric(10,2), status text, placed_at timestamptz, day date, paid boolean, meta jsonb, "Odd ""Name""" integer)"#,
            """
            INSERT INTO shop.orders VALUES
                (1, 10.50, 'new',  '2026-01-01 00:00:00+00', '2026-01-01', true,  '{}', 7),
                (2, 20.00, 'paid', '2026-01-02 00:00:00+00', '2026-01-02', false, NULL, 7),
                (3, NULL,  'paid', NULL,                     NULL,         true,  NULL, 7),
                (4, 30.25, NULL,   '2026-01-03 12:00:00+00', '2026-01-03', NULL,  '{}', NULL)
            """,
            "CREATE TABLE shop.customers (id integer, email text)",
            "INSERT INTO shop.customers VALUES (1, 'a@x'), (2, NULL), (3, 'c@x'), (3, 'c2@x')",
            "CREATE TABLE shop.orders_copy AS SELECT * FROM shop.orders WHERE id < 4",
            database: database)
        return (database, postgres.dsn(database: database))
    }

    @Test func aProfileReportsEveryFigureOfEveryKindOfColumnExactly() async throws {
        let (database, dsn) = try await makeShop()
        let harness = DataCheckHarness(DataCheckOptions(profiles: [ColumnProfileSpec(table: table("shop.orders"))]), dsn: dsn)
        let text = try await harness.collect()
        func figure(_ metric: String, _ column: String) -> Double? { harness.column(metric, "orders", column, database: database) }

        #expect(harness.success("profile:shop.orders") == 1)
        #expect(harness.value("warehouse_column_profile_rows", ["warehouse": "w", "database": database, "schema": "shop", "table": "orders"]) == 4)
        #expect(figure("min", "amount") == 10.5)
        #expect(figure("max", "amount") == 30.25)
        #expect(figure("mean", "amount") == 20.25)
        #expect(figure("nulls", "amount") == 1)
        #expect(figure("distinct_values", "amount") == 3)
        #expect(figure("chars", "amount") == nil)
        #expect(figure("chars", "status") == 11)  // new + paid + paid
        #expect(figure("distinct_values", "status") == 2)
        #expect(figure("nulls", "status") == 1)
        #expect(figure("min", "status") == nil)
        #expect(figure("min", "placed_at") == 1_767_225_600)  // 2026-01-01T00:00:00Z
        #expect(figure("max", "placed_at") == 1_767_441_600)  // 2026-01-03T12:00:00Z
        #expect(figure("max", "day") == 1_767_398_400)  // 2026-01-03, midnight UTC
        #expect(figure("mean", "paid") == 2.0 / 3.0)
        #expect(figure("nulls", "paid") == 1)
        #expect(figure("distinct_values", "paid") == 2)
        #expect(figure("nulls", "meta") == 2)
        #expect(figure("distinct_values", "meta") == nil)  // JSON has no equality to count by
        #expect(text.contains(#"column="Odd \"Name\""} 1"#))  // quoted in SQL, escaped in the exposition
        #expect(text.contains(
            #"warehouse_column_info{warehouse="w",database="\#(database)",schema="shop",table="orders",column="amount",type="numeric(10,2)",encoding="default"} 1"#))
        #expect(try await Promtool.checkMetrics(text).exitCode == 0)
    }

    @Test func typesSelectColumnsAndADroppedColumnLosesItsSeries() async throws {
        let (database, dsn) = try await makeShop()
        var spec = ColumnProfileSpec(table: table("shop.orders"))
        spec.kinds = [.numeric]
        spec.interval = .milliseconds(1)
        let harness = DataCheckHarness(DataCheckOptions(profiles: [spec]), dsn: dsn)
        try await harness.collect()
        #expect(harness.column("max", "orders", "id", database: database) == 4)
        #expect(harness.column("nulls", "orders", "status", database: database) == nil)
        try await TestPostgres.shared().execute("ALTER TABLE shop.orders DROP COLUMN amount", database: database)
        try await harness.collect()
        #expect(harness.column("max", "orders", "amount", database: database) == nil)
        #expect(harness.column("max", "orders", "id", database: database) == 4)
    }

    @Test func aSampleReadsPartOfTheTable() async throws {
        let postgres = try TestPostgres.shared()
        let database = try await postgres.createDatabase(prefix: "sample")
        try await postgres.execute(
            "CREATE SCHEMA shop", "CREATE TABLE shop.big AS SELECT g AS id FROM generate_series(1, 100000) g", database: database)
        var spec = ColumnProfileSpec(table: table("shop.big"))
        spec.samplePercent = 50
        let harness = DataCheckHarness(DataCheckOptions(profiles: [spec]), dsn: postgres.dsn(database: database))
        try await harness.collect()
        let rows = try #require(harness.value("warehouse_column_profile_rows", ["warehouse": "w", "database": database, "schema": "shop", "table": "big"]))
        // Half the pages, give or take: never none of them, never all 443.
        #expect(rows > 10_000 && rows < 90_000)
        #expect(harness.column("distinct_values", "big", "id", database: database) == rows)
    }

    @Test func freshnessReadsTheNewestRowAndCarriesTheObjective() async throws {
        let (database, dsn) = try await makeShop()
        var fresh = FreshnessSpec(table: table("shop.orders"))
        fresh.column = "placed_at"
        fresh.objective = .seconds(7200)
        var metadataOnly = FreshnessSpec(table: table("shop.customers"))
        metadataOnly.objective = .seconds(86400)
        var missing = FreshnessSpec(table: table("shop.orders"))
        missing.column = "no_such_column"
        let harness = DataCheckHarness(DataCheckOptions(freshness: [fresh, metadataOnly]), dsn: dsn)
        try await harness.collect()
        let labels = ["warehouse": "w", "database": database, "schema": "shop", "table": "orders"]
        #expect(harness.value("warehouse_table_newest_row_timestamp_seconds", labels) == 1_767_441_600)
        #expect(harness.value("warehouse_table_freshness_objective_seconds", labels) == 7200)
        #expect(harness.value(
            "warehouse_table_freshness_objective_seconds", ["warehouse": "w", "database": database, "schema": "shop", "table": "customers"]) == 86400)
        #expect(harness.success("freshness:shop.customers") == 1)

        let broken = DataCheckHarness(DataCheckOptions(freshness: [missing]), dsn: dsn)
        try await broken.collect()
        #expect(broken.success("freshness:shop.orders") == 0)
        #expect(broken.collector.failures["freshness:shop.orders"]?.contains("no_such_column") == true)
    }

    @Test func customAndBuiltInChecksReportExactValues() async throws {
        let (_, dsn) = try await makeShop()
        let checks = [
            DataCheckSpec(
                name: "orders_by_status",
                kind: .query(
                    sql: "SELECT coalesce(status, 'none') AS status, count(*) AS orders, sum(amount) AS amount, bool_and(paid) AS all_paid FROM shop.orders GROUP BY 1;",
                    labels: ["status"])),
            DataCheckSpec(
                name: "orders_copied",
                kind: .rowCountMatch(source: "SELECT id FROM shop.orders", target: "SELECT id FROM shop.orders_copy -- the nightly copy", maxDifference: 0)),
            DataCheckSpec(
                name: "orders_customers",
                kind: .joinFanout(left: table("shop.orders"), right: table("shop.customers"), on: "r.id = l.id", maxFanout: 1)),
            DataCheckSpec(
                name: "customer_emails", kind: .nullRatio(table: table("shop.customers"), column: "email", filter: "id > 1", maxRatio: 0.5)),
        ]
        let harness = DataCheckHarness(DataCheckOptions(checks: checks), dsn: dsn)
        let text = try await harness.collect()
        func value(_ check: String, _ column: String, _ extra: [String: String] = [:]) -> Double? {
            harness.value("warehouse_check_value", ["warehouse": "w", "check": check, "column": column].merging(extra) { _, new in new })
        }
        #expect(value("orders_by_status", "orders", ["status": "paid"]) == 2)
        #expect(value("orders_by_status", "amount", ["status": "paid"]) == 20)
        #expect(value("orders_by_status", "orders", ["status": "none"]) == 1)
        #expect(value("orders_by_status", "all_paid", ["status": "paid"]) == 0)  // a boolean: 0 or 1
        #expect(value("orders_by_status", "all_paid", ["status": "none"]) == nil)  // NULL: no series
        #expect(harness.passed("orders_by_status") == nil)  // a query of one's own has no condition

        #expect(value("orders_copied", "source_rows") == 4)
        #expect(value("orders_copied", "target_rows") == 3)
        #expect(value("orders_copied", "difference") == 1)
        #expect(harness.passed("orders_copied") == 0)

        // Customer 3 is there twice: its order joins to two rows.
        #expect(value("orders_customers", "left_rows") == 4)
        #expect(value("orders_customers", "joined_rows") == 5)
        #expect(value("orders_customers", "fanout") == 1.25)
        #expect(harness.passed("orders_customers") == 0)

        #expect(value("customer_emails", "total_rows") == 3)
        #expect(value("customer_emails", "null_rows") == 1)
        #expect(value("customer_emails", "null_ratio") == 1.0 / 3.0)
        #expect(harness.passed("customer_emails") == 1)
        for check in ["orders_by_status", "orders_copied", "orders_customers", "customer_emails"] { #expect(harness.success(check) == 1) }
        #expect(try await Promtool.checkMetrics(text).exitCode == 0)
    }

    @Test func oneBadCheckFailsAloneWithItsReason() async throws {
        let (database, dsn) = try await makeShop()
        func check(_ name: String, _ sql: String, labels: [String] = []) -> DataCheckSpec {
            DataCheckSpec(name: name, kind: .query(sql: sql, labels: labels))
        }
        var slow = check("slow", "SELECT 1 AS one FROM pg_sleep(5)")
        slow.timeout = .milliseconds(300)
        var many = check("many", "SELECT g AS n, g AS v FROM generate_series(1, 20) g", labels: ["n"])
        many.maxRows = 10
        let checks = [
            check("text_value", "SELECT status FROM shop.orders"),
            check("duplicate_labels", "SELECT status, 1 AS one FROM shop.orders WHERE status = 'paid'", labels: ["status"]),
            check("missing_label", "SELECT 1 AS one", labels: ["status"]),
            check("missing_table", "SELECT count(*) AS n FROM shop.nowhere"),
            slow, many,
            // Passes the config's read-only check, but writes: the session refuses it.
            check("writes", "SELECT shop.wipe() AS n"),
            check("fine", "SELECT count(*) AS orders FROM shop.orders"),
        ]
        try await TestPostgres.shared().execute(
            "CREATE FUNCTION shop.wipe() RETURNS integer LANGUAGE sql AS 'DELETE FROM shop.orders; SELECT 1'", database: database)
        let harness = DataCheckHarness(DataCheckOptions(profiles: [ColumnProfileSpec(table: table("shop.gone"))], checks: checks), dsn: dsn)
        try await harness.collect()
        let failures = harness.collector.failures
        #expect(failures["text_value"]?.contains(#"column "status" is not a number"#) == true)
        #expect(failures["duplicate_labels"]?.contains(#"rows 1 and 2 have the same labels {status="paid"}"#) == true)
        #expect(failures["missing_label"]?.contains(#"label column "status" is not in the result"#) == true)
        #expect(failures["missing_table"]?.contains("shop.nowhere") == true)
        #expect(failures["slow"]?.contains("timeout") == true)
        #expect(failures["many"]?.contains("more than max_rows 10") == true)  // the server stops at 11: the 20 are not counted
        #expect(failures["profile:shop.gone"]?.contains("not found") == true)
        #expect(failures["writes"]?.contains("read-only transaction") == true)
        for name in ["text_value", "duplicate_labels", "missing_label", "missing_table", "slow", "many", "profile:shop.gone", "writes"] {
            #expect(harness.success(name) == 0, "\(name)")
        }
        // The timeout cut the 5 s sleep short, and the connection served the next check.
        #expect(try #require(harness.value("warehouse_check_duration_seconds", ["warehouse": "w", "check": "slow"])) < 4)
        #expect(harness.success("fine") == 1)
        #expect(harness.value("warehouse_check_value", ["warehouse": "w", "check": "fine", "column": "orders"]) == 4)
        #expect(!harness.text.contains(#"check="many",column"#))
    }

    @Test func eachCheckRunsOnItsOwnIntervalAndAFailureDropsItsValues() async throws {
        let (database, dsn) = try await makeShop()
        var hourly = DataCheckSpec(name: "hourly", kind: .query(sql: "SELECT count(*) AS n FROM shop.orders", labels: []))
        hourly.interval = .seconds(3600)
        var often = DataCheckSpec(name: "often", kind: .query(sql: "SELECT count(*) AS n FROM shop.orders", labels: []))
        often.interval = .milliseconds(1)
        let harness = DataCheckHarness(DataCheckOptions(checks: [hourly, often]), dsn: dsn)
        try await harness.collect()
        try await TestPostgres.shared().execute("INSERT INTO shop.orders (id) VALUES (5)", database: database)
        try await harness.collect()
        #expect(harness.value("warehouse_check_value", ["warehouse": "w", "check": "hourly", "column": "n"]) == 4)  // not due yet
        #expect(harness.value("warehouse_check_value", ["warehouse": "w", "check": "often", "column": "n"]) == 5)

        try await TestPostgres.shared().execute("DROP TABLE shop.orders", database: database)
        try await harness.collect()
        #expect(harness.success("often") == 0)
        #expect(harness.value("warehouse_check_value", ["warehouse": "w", "check": "often", "column": "n"]) == nil)
        #expect(harness.value("warehouse_check_value", ["warehouse": "w", "check": "hourly", "column": "n"]) == 4)
    }

    @Test func aLostConnectionIsNotTheChecksFailureAndItRunsAgainOnTheNextOne() async throws {
        let (database, dsn) = try await makeShop()
        var victim = DataCheckSpec(name: "victim", kind: .query(sql: "SELECT count(*) AS n FROM pg_sleep(3)", labels: []))
        victim.interval = .seconds(3600)
        let harness = DataCheckHarness(DataCheckOptions(checks: [victim]), dsn: dsn)
        // Ends the check's session once its statement is running.
        let killer = Task {
            let deadline = ContinuousClock.now + .seconds(20)
            while ContinuousClock.now < deadline {
                let killed = try await TestPostgres.shared().execute(
                    """
                    SELECT pg_terminate_backend(pid) FROM pg_stat_activity
                    WHERE datname = '\(database)' AND state = 'active' AND query LIKE '%FROM pg_sleep(3)%' AND pid <> pg_backend_pid()
                    """)
                if killed[0].count > 0 { return }
                try await Task.sleep(for: .milliseconds(50))
            }
        }
        await #expect(throws: WarehouseError.self) { try await harness.collect() }
        _ = try await killer.value
        #expect(harness.success("victim") == nil)  // not run to an end: neither passed nor failed
        try await harness.collect()  // still due, though its interval is an hour
        #expect(harness.success("victim") == 1)
        #expect(harness.value("warehouse_check_value", ["warehouse": "w", "check": "victim", "column": "n"]) == 1)
    }

    @Test func onTheRedshiftFixtureTypesAndEncodingsComeFromSVVRedshiftColumns() async throws {
        let postgres = try TestPostgres.shared()
        let database = try await postgres.createDatabase(prefix: "rsprofile")
        let fixture = try await RedshiftFixture(postgres: postgres, database: database)
        try await postgres.execute(
            "CREATE SCHEMA shop",
            "CREATE TABLE shop.sales (id bigint, amount numeric(12,2), region varchar(16))",
            "INSERT INTO shop.sales VALUES (1, 5.00, 'eu'), (2, 7.00, 'us'), (3, NULL, 'eu')",
            """
            INSERT INTO redshift_fixture.svv_redshift_columns (database_name, schema_name, table_name, column_name, ordinal_position, data_type, encoding)
            VALUES ('\(database)', 'shop', 'sales', 'id', 1, 'bigint', 'az64'),
                   ('\(database)', 'shop', 'sales', 'amount', 2, 'numeric(12,2)', 'az64'),
                   ('\(database)', 'shop', 'sales', 'region', 3, 'character varying(16)', 'lzo'),
                   ('other_db', 'shop', 'sales', 'ghost', 4, 'integer', 'raw')
            """,
            database: database)
        let harness = DataCheckHarness(DataCheckOptions(profiles: [ColumnProfileSpec(table: table("shop.sales"))]), dsn: fixture.dsn, dialect: .redshift)
        let text = try await harness.collect()
        #expect(harness.success("profile:shop.sales") == 1)
        #expect(text.contains(#"column="region",type="character varying(16)",encoding="lzo"} 1"#))
        #expect(text.contains(#"column="amount",type="numeric(12,2)",encoding="az64"} 1"#))
        #expect(!text.contains("ghost"))
        #expect(harness.column("mean", "sales", "amount", database: database) == 6)
        #expect(harness.column("chars", "sales", "region", database: database) == 6)
        #expect(harness.column("distinct_values", "sales", "region", database: database) == 2)
    }
}

@Suite("Column kinds from SQL type names")
struct ColumnKindTests {
    @Test(arguments: [
        ("integer", ColumnKind.numeric), ("numeric(12,2)", .numeric), ("double precision", .numeric), ("int8", .numeric),
        ("character varying(256)", .string), ("character(10)", .string), ("text", .string),
        ("timestamp without time zone", .timestamp), ("timestamp with time zone", .timestamp), ("date", .date),
        ("boolean", .boolean), ("interval", .other), ("time without time zone", .other), ("jsonb", .other), ("super", .other),
        ("integer[]", .other),
    ])
    func kinds(type: String, kind: ColumnKind) {
        #expect(ColumnKind(sqlType: type) == kind)
    }
}
