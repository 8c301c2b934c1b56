import Demo
import Exporter
import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// A `kind: clickhouse` warehouse as a real Prometheus sees it, with the shipped rules loaded:
/// every collector of the kind serves what the rules and dashboards read, under the same names and
/// labels as the other kinds, so nothing shipped changes for it.
@Suite("ClickHouse scraped by a real Prometheus")
struct ClickHouseEndToEndTests {
    @Test func everyCollectorFeedsTheShippedRules() async throws {
        let server = try await TestClickHouse.start(flushInterval: .seconds(1))
        let passwordFile = try #require(try server.settings().passwordFile)
        let team = try await server.connect()
        for statement in [
            "CREATE DATABASE shop",
            "CREATE TABLE shop.orders (id UInt64, email Nullable(String), at DateTime) ENGINE = MergeTree ORDER BY id",
        ] {
            _ = try await team.query(statement)
        }
        let config = try ConfigLoader.parse(
            ClickHouseExporterTests.config(
                server, passwordFile: passwordFile, intervals: "health: 1s, query_log: 1s, tables: 1s, activity: 1s, data_checks: 1s",
                extra: """
                    query_history: { cost: { dollars_per_hour: 3.6 } }
                    profiles:
                      - { table: shop.orders, interval: 1s }
                    freshness:
                      - { table: shop.orders, column: at, objective: 1h, interval: 1s }
                    checks:
                      - { name: orders_without_email, null_ratio: { table: shop.orders, column: email, max_ratio: 0.5 }, interval: 1s }
                    """), file: "ch.yml")
        #expect(config.warehouses[0].collectors == ["tables", "activity", "query_log", "data_checks"])
        let exporter = try await RunningExporter.start(config)
        let prometheus = try await PrometheusEndToEndTests.startPrometheus(scraping: exporter.port)
        defer {
            prometheus.process.signal(SIGTERM)
            try? FileManager.default.removeItem(atPath: prometheus.directory)
        }
        try await exporter.waitUntilReady()
        let api = prometheus.api
        let job = #"job="warehouse_exporter", warehouse="ch""#
        #expect(try await Self.settle(api, "warehouse_up{\(job)}", 1) == 1)

        // A DAG's loads (three rows in ten without an email), one failing, while a dashboard's
        // slow query runs on a connection of its own (blocks of a row, a second a row) until it
        // has been seen running: it is then killed, however long a busy machine took to see it.
        let airflow = #"/* {"app":"airflow","dag":"orders","task":"load"} */"#
        let looker = try await server.connect()
        async let dashboard = looker.query(
            #"/* {"app":"looker","dashboard":"Revenue"} */ SELECT sum(sleepEachRow(1)) FROM numbers(300)"#, settings: ["max_block_size": "1"])
        for batch in 0..<20 {
            _ = try await team.query(
                "\(airflow) INSERT INTO shop.orders SELECT number + \(batch * 10), if(number % 4 = 0, NULL, 'a@b'), now() FROM numbers(10)")
        }
        _ = try? await team.query("\(airflow) SELECT * FROM shop.missing")
        // A dbt cleanup whose every attempt fails on a row it did not expect: pending and failing for
        // good. Whether the statement itself reports the failure depends on the engine's timing,
        // so it is another app's, out of the DAG's counts.
        _ = try? await team.query(
            #"/* {"app":"dbt","model":"orders_cleanup"} */ ALTER TABLE shop.orders UPDATE email = throwIf(id >= 0, 'an unexpected row') WHERE 1"#)

        func settle(_ promql: String, _ expected: Double) async throws -> Double? {
            try await Self.settle(api, promql, expected)
        }
        #expect(try await settle(#"warehouse_queries_running{\#(job), app="looker"}"#, 1) == 1)
        // The pattern is split so that the KILL statement, itself in system.processes, does not match it.
        _ = try await team.query("KILL QUERY WHERE query LIKE concat('%sleep', 'EachRow%') SYNC")
        _ = try? await dashboard
        func present(_ promql: String) async throws -> [PrometheusAPI.Sample] {
            let deadline = ContinuousClock.now + .seconds(60)
            while ContinuousClock.now < deadline {
                let samples = try await api.query(promql)
                if !samples.isEmpty { return samples }
                try await Task.sleep(for: .milliseconds(500))
            }
            return []
        }
        #expect(try await settle(#"sum(warehouse_query_duration_seconds_count{\#(job), app="airflow", dag="orders", status="success"})"#, 20) == 20)
        #expect(try await settle(#"sum(warehouse_query_duration_seconds_count{\#(job), app="airflow", status="failed"})"#, 1) == 1)
        #expect(try await settle(#"sum(warehouse_table_rows_written_total{\#(job), schema="shop", table="orders", app="airflow"})"#, 200) == 200)
        #expect(try await settle(#"warehouse_table_rows{\#(job), schema="shop", table="orders"}"#, 200) == 200)
        #expect(try await settle(#"warehouse_column_nulls{\#(job), table="orders", column="email"}"#, 60) == 60)
        #expect(try await settle(#"warehouse_check_value{\#(job), check="orders_without_email", column="null_ratio"}"#, 0.3) == 0.3)
        #expect(try await settle(#"sum(warehouse_check_success{\#(job)})"#, 3) == 3)
        let parts = try await present(#"warehouse_table_parts{\#(job), table="orders"}"#)
        #expect(parts.first.map { $0.value >= 1 } == true)
        let dollars = try await present(#"sum(warehouse_query_cost_dollars_total{\#(job), app="airflow"})"#)
        #expect(dollars.first.map { $0.value > 0 } == true)

        // The shipped recording rules record for ClickHouse as for the other kinds.
        for rule in [
            "app:warehouse_queries:rate5m", "app:warehouse_query_duration_seconds:p95_5m", "app:warehouse_query_failures:ratio_rate5m",
            "dag_task:warehouse_query_duration_seconds:p95_5m", "app:warehouse_query_cost_dollars:rate1h", "table:warehouse_table_rows_written:increase1h",
            "column:warehouse_column_nulls:ratio", "table:warehouse_table_freshness:age_seconds",
        ] {
            #expect(try await !present(#"\#(rule){warehouse="ch"}"#).isEmpty, "\(rule) recorded nothing for ClickHouse")
        }
        #expect(try await settle(#"warehouse_table_mutations_failing{\#(job), table="orders"}"#, 1) == 1)
        // What ClickHouse alone reports (peak memory, parts, mutations) is served, and the panels
        // that read it draw for it.
        let page = try await exporter.metrics().body
        for name in PrometheusEndToEndTests.clickHouseOnly {
            #expect(page.contains("\n\(name){") || page.contains("\n\(name)_bucket{"), "\(name) is not served for ClickHouse")
        }
        let clickHouseOnly = try PrometheusEndToEndTests.panelTargets(window: .seconds(10)).filter(\.isClickHouseOnly)
        #expect(!clickHouseOnly.isEmpty)
        for panel in clickHouseOnly {
            #expect(try await !present(panel.query).isEmpty, "\(panel.file) \"\(panel.title)\" drew nothing for ClickHouse: \(panel.query)")
        }
        try await exporter.stop()
    }

    /// The value of `promql` once it is `expected`, or the last one seen after a minute.
    static func settle(_ api: PrometheusAPI, _ promql: String, _ expected: Double) async throws -> Double? {
        let deadline = ContinuousClock.now + .seconds(60)
        var last: Double?
        while ContinuousClock.now < deadline {
            last = try await api.query(promql).first?.value
            if last == expected { return last }
            try await Task.sleep(for: .milliseconds(500))
        }
        return last
    }
}
