import Exporter
import Foundation
import TestSupport
import Testing

@Suite("The exporter against a real PostgreSQL, over real HTTP")
struct ExporterEndToEndTests {
    private func warehouse(_ name: String, dsn: String) -> ExporterConfig.Warehouse {
        var warehouse = ExporterConfig.Warehouse(name: name, kind: .postgres, dsn: dsn)
        warehouse.intervals = ["health": .milliseconds(200), "tables": .milliseconds(300)]
        warehouse.connectTimeout = .seconds(2)
        warehouse.queryTimeout = .seconds(5)
        warehouse.reconnectBackoffMax = .milliseconds(300)
        return warehouse
    }

    @Test func servesWarehouseAndTableMetricsThatPromtoolAccepts() async throws {
        let postgres = try TestPostgres.shared()
        let database = try await postgres.createDatabase(prefix: "tables")
        try await postgres.execute(
            "CREATE SCHEMA marts", "CREATE SCHEMA scratch",
            "CREATE TABLE marts.orders (id int, note text)",
            "INSERT INTO marts.orders SELECT g, repeat('x', 100) FROM generate_series(1, 1000) g",
            "CREATE TABLE scratch.tmp (id int)", "INSERT INTO scratch.tmp VALUES (1)",
            database: database)
        var config = warehouse("main", dsn: postgres.dsn(database: database))
        config.tables.excludeSchemas = ["scratch"]
        let running = try await RunningExporter.start(ExporterConfig(warehouses: [config]))

        let orders = ["warehouse": "main", "database": database, "schema": "marts", "table": "orders"]
        // n_live_tup reaches the statistics when the inserting session has flushed them.
        #expect(try await running.waitFor("warehouse_table_rows", orders, toBe: 1000) == 1000)
        let page = try await running.metrics()
        #expect(page.status == 200)
        #expect(page.contentType == "text/plain; version=0.0.4; charset=utf-8")
        #expect(page.value("warehouse_up", ["warehouse": "main"]) == 1)
        #expect(try #require(page.value("warehouse_table_size_bytes", orders)) > 100_000)
        #expect(page.value("warehouse_exporter_collector_success", ["warehouse": "main", "collector": "tables"]) == 1)
        #expect(page.value("warehouse_exporter_collector_duration_seconds", ["warehouse": "main", "collector": "tables"]) != nil)
        #expect(page.body.contains(#"warehouse_exporter_build_info{version=""#))
        #expect(!page.body.contains(#"schema="scratch""#))

        let lint = try await Promtool.checkMetrics(page.body)
        #expect(lint.exitCode == 0 && lint.output.isEmpty, "promtool: \(lint.output)")

        #expect(try await running.get("/-/healthy").status == 200)
        #expect(try await running.get("/-/ready").status == 200)
        let landing = try await running.get("/")
        #expect(landing.contentType?.hasPrefix("text/html") == true)
        #expect(landing.body.contains("main") && landing.body.contains("tables") && landing.body.contains("/metrics"))

        // A dropped table leaves the exposition at the next run.
        try await postgres.execute("DROP TABLE marts.orders", database: database)
        let deadline = ContinuousClock.now + .seconds(10)
        while try await running.metrics().body.contains(#"table="orders""#), ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(try await !running.metrics().body.contains(#"table="orders""#))
        try await running.stop()
    }

    @Test func warehouseGoesDownAndComesBackWithoutARestart() async throws {
        let postgres = try TestPostgres.start()
        defer { try? postgres.stop(mode: "immediate") }
        try await postgres.execute("CREATE TABLE kept (id int)")
        let running = try await RunningExporter.start(ExporterConfig(warehouses: [warehouse("flaky", dsn: postgres.dsn())]))
        let up = ["warehouse": "flaky"]
        let table = ["warehouse": "flaky", "database": "postgres", "schema": "public", "table": "kept"]
        let tables = ["warehouse": "flaky", "collector": "tables"]

        #expect(try await running.waitFor("warehouse_up", up, toBe: 1) == 1)
        #expect(try await running.waitFor("warehouse_table_rows", table, toBe: 0) == 0)
        try postgres.stop(mode: "immediate")
        // 0 shows once a health check (every 200 ms) fails, and /metrics keeps answering. The wait
        // is for that, not a deadline on it: a CI machine busy with other suites took over 5 s.
        #expect(try await running.waitFor("warehouse_up", up, toBe: 0, timeout: .seconds(60)) == 0)
        #expect(try await running.metrics().status == 200)
        #expect(try await running.waitFor("warehouse_exporter_collector_success", tables, toBe: 0) == 0)
        // While it is down, the table keeps its last value, and its age shows: the last success
        // does not move.
        let lastSuccess = try #require(try await running.metrics().value("warehouse_exporter_collector_last_success_timestamp_seconds", tables))
        try await Task.sleep(for: .seconds(1))
        let down = try await running.metrics()
        #expect(down.value("warehouse_table_rows", table) == 0)
        #expect(down.value("warehouse_exporter_collector_last_success_timestamp_seconds", tables) == lastSuccess)
        #expect(Date().timeIntervalSince1970 - lastSuccess >= 1)

        try postgres.startServer()
        #expect(try await running.waitFor("warehouse_up", up, toBe: 1, timeout: .seconds(60)) == 1)
        #expect(
            try await running.waitFor("warehouse_exporter_collector_success", ["warehouse": "flaky", "collector": "tables"], toBe: 1) == 1)
        try await running.stop()
    }

    @Test func wrongPasswordMeansDownAndTheSecretAppearsNowhere() async throws {
        let postgres = try TestPostgres.shared()
        let role = "monitor_\(UUID().uuidString.prefix(6).lowercased())"
        try await postgres.execute("CREATE ROLE \(role) LOGIN PASSWORD 'the-right-one'")
        let secret = "Leaky-\(UUID().uuidString)"
        let passwordFile = FileManager.default.temporaryDirectory.appendingPathComponent("pw-\(UUID().uuidString)").path
        try "\(secret)-from-file\n".write(toFile: passwordFile, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: passwordFile) }

        var inDSN = warehouse("dsnpass", dsn: postgres.dsn(user: role) + " password=\(secret)")
        inDSN.collectors = ["tables"]
        var inFile = warehouse("filepass", dsn: postgres.dsn(user: role))
        inFile.passwordFile = passwordFile
        let logs = LogCapture()
        let running = try await RunningExporter.start(ExporterConfig(warehouses: [inDSN, inFile]), logger: logs.logger)

        #expect(try await running.waitFor("warehouse_up", ["warehouse": "dsnpass"], toBe: 0) == 0)
        #expect(try await running.waitFor("warehouse_up", ["warehouse": "filepass"], toBe: 0) == 0)
        // Give the loops a few failed rounds, so every path that reports an error has run.
        try await Task.sleep(for: .seconds(1))
        let metrics = try await running.metrics().body
        let landing = try await running.get("/").body
        try await running.stop()

        let logged = logs.all.joined(separator: "\n")
        #expect(logged.contains("password authentication failed"), "\(logged)")
        #expect(logged.contains("warehouse=dsnpass") && logged.contains("warehouse=filepass"))
        #expect(landing.contains("password authentication failed"))
        for text in [logged, metrics, landing] {
            #expect(!text.contains(secret))
        }
    }

    @Test func oneFailingCollectorFailsAloneAndADownWarehouseHarmsNoOther() async throws {
        let postgres = try TestPostgres.shared()
        var broken = warehouse("broken", dsn: postgres.dsn())
        broken.tables.includeSchemas = ["(unclosed"]  // PostgreSQL rejects the regular expression
        let down = warehouse("down", dsn: "host=127.0.0.1 port=\(try freePort()) dbname=x user=x")
        let healthy = warehouse("healthy", dsn: postgres.dsn())
        let running = try await RunningExporter.start(ExporterConfig(warehouses: [broken, down, healthy]))

        #expect(try await running.waitFor("warehouse_exporter_collector_success", ["warehouse": "healthy", "collector": "tables"], toBe: 1) == 1)
        #expect(try await running.waitFor("warehouse_exporter_collector_success", ["warehouse": "broken", "collector": "tables"], toBe: 0) == 0)
        let page = try await running.metrics()
        #expect(page.value("warehouse_up", ["warehouse": "broken"]) == 1, "a SQL error is not an outage")
        #expect(page.value("warehouse_up", ["warehouse": "down"]) == 0)
        #expect(page.value("warehouse_up", ["warehouse": "healthy"]) == 1)
        #expect(page.value("warehouse_exporter_collector_success", ["warehouse": "down", "collector": "tables"]) == 0)
        let landing = try await running.get("/").body
        #expect(landing.contains("invalid regular expression"))
        try await running.stop()
    }

    @Test func notReadyUntilEveryCollectorHasRunOnce() async throws {
        // The first connection attempt to a hanging warehouse lasts its whole connect timeout:
        // until it gives up, the exporter has nothing to say about that warehouse and is not ready.
        // libpq counts that timeout in whole seconds, so 2 s can end after just over 1: 6 s leaves
        // the first request room on a busy machine.
        let hanging = try SilentListener()
        var config = warehouse("hanging", dsn: "host=127.0.0.1 port=\(hanging.port) dbname=x user=x")
        config.intervals = ["health": .seconds(60), "tables": .seconds(60)]
        config.connectTimeout = .seconds(6)
        let running = try await RunningExporter.start(ExporterConfig(warehouses: [config]))
        #expect(try await running.get("/-/ready").status == 503)
        #expect(try await running.get("/-/healthy").status == 200)

        let deadline = ContinuousClock.now + .seconds(15)
        var status = 503
        while status == 503, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(100))
            status = try await running.get("/-/ready").status
        }
        #expect(status == 200)
        #expect(try await running.metrics().value("warehouse_up", ["warehouse": "hanging"]) == 0)
        try await running.stop()
    }
}
