import Exporter
import Foundation
import TestSupport
import Testing
import WarehouseClient

#if canImport(Glibc)
import Glibc
#endif

/// A real Prometheus (the Debian package's server) scrapes the exporter while an annotated
/// workload runs on a real PostgreSQL, with the shipped rules loaded: every recording rule and
/// every dashboard panel's query returns data, and every metric the rules read is one the
/// exporter serves.
@Suite("A real Prometheus over the exporter and the shipped rules")
struct PrometheusEndToEndTests {
    /// Prometheus's instant query, as the number of series in the answer.
    static func seriesCount(_ query: String, port: Int) async throws -> Int {
        var components = URLComponents(string: "http://127.0.0.1:\(port)/api/v1/query")!
        components.queryItems = [URLQueryItem(name: "query", value: query)]
        let answer = try await HTTPGet.fetch(components.url!.absoluteString)
        let json = try JSONSerialization.jsonObject(with: Data(answer.body.utf8)) as? [String: Any]
        let data = json?["data"] as? [String: Any]
        return (data?["result"] as? [Any])?.count ?? 0
    }

    /// Every panel query of dashboards/, with the dashboard variables set to "all".
    static func panelQueries() throws -> [String] {
        let folder = AlertRulesTests.root.appendingPathComponent("dashboards")
        var queries: [String] = []
        for file in try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted() where file.hasSuffix(".json") {
            let dashboard = try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent(file))) as? [String: Any]
            for panel in dashboard?["panels"] as? [[String: Any]] ?? [] {
                for target in panel["targets"] as? [[String: Any]] ?? [] {
                    guard let expr = target["expr"] as? String else { continue }
                    queries.append(expr.replacing(/\$(warehouse|app|dag|task|dashboard|user)\b/, with: ".*"))
                }
            }
        }
        return queries
    }

    @Test func everyRuleAndPanelReturnsDataAndEveryMetricTheRulesReadIsServed() async throws {
        let postgres = try TestPostgres.start(settings: [
            "logging_collector": "on", "log_destination": "jsonlog", "log_min_duration_statement": "0", "log_file_mode": "0644",
        ])
        defer { try? postgres.stop() }
        let database = try await postgres.createDatabase(prefix: "e2e")
        try await postgres.execute(
            "CREATE SCHEMA raw", "CREATE SCHEMA marts", "CREATE TABLE raw.events (id int, user_id int)",
            "CREATE TABLE marts.daily (day int, users int)", "INSERT INTO raw.events SELECT g, g % 10 FROM generate_series(1, 1000) g",
            database: database)

        let config = try ConfigLoader.parse(
            """
            warehouses:
              - name: e2e
                kind: postgres
                dsn: "\(postgres.dsn(database: database))"
                collectors: [tables, activity, query_log]
                intervals: { health: 1s, tables: 1s, activity: 1s, query_log: 1s }
                query_log: { directory: \(postgres.directory)/data/log, format: jsonlog, dollars_per_hour: 3.6 }
            labels:
              max_values_per_label: 5
            """, file: "e2e.yml")
        let exporter = try await RunningExporter.start(config)

        let prometheusPort = try freePort()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("prometheus-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let rules = AlertRulesTests.ruleFiles.map { "  - " + $0 }.joined(separator: "\n")
        try """
            global: { scrape_interval: 1s, evaluation_interval: 1s }
            rule_files:
            \(rules)
            scrape_configs:
              - job_name: warehouse_exporter
                static_configs: [ { targets: ["127.0.0.1:\(exporter.port)"] } ]
            """.write(toFile: directory + "/prometheus.yml", atomically: true, encoding: .utf8)
        let prometheus = try BackgroundProcess([
            "prometheus", "--config.file=\(directory)/prometheus.yml", "--storage.tsdb.path=\(directory)/data",
            "--web.listen-address=127.0.0.1:\(prometheusPort)",
        ])
        defer { prometheus.signal(SIGTERM) }

        // The workload: an Airflow DAG (one statement failing), dbt, a Looker dashboard, Redash
        // charts by eight people (more than the label cap of five), and one long query running.
        // Not the exporter's own application name, which its query_log leaves out.
        let workload = ConnectionSettings(dsn: postgres.dsn(database: database), applicationName: "workload")
        let connection = try await Connection.connect(workload)
        defer { connection.close() }
        let sleeper = Task {
            let other = try await Connection.connect(workload)
            defer { other.close() }
            _ = try? await other.query(#"/* {"app":"airflow","dag":"backfill","task":"long"} */ SELECT pg_sleep(120)"#)
        }
        defer { sleeper.cancel() }
        let recorded = try String(contentsOfFile: AlertRulesTests.ruleFiles[0], encoding: .utf8)
            .matches(of: /record: ([a-z_:0-9]+)/).map { String($0.1) }
        #expect(recorded.count == 16)
        let panels = try Self.panelQueries()
        #expect(panels.count >= 35)
        var missing = Set(recorded + panels)
        let deadline = ContinuousClock.now + .seconds(60)
        var round = 0
        while !missing.isEmpty && ContinuousClock.now < deadline {
            round += 1
            for statement in [
                #"/* {"app":"airflow","dag":"daily","task":"load"} */ INSERT INTO marts.daily SELECT 1, count(*) FROM raw.events"#,
                #"/* {"app":"airflow","dag":"daily","task":"extract"} */ SELECT count(*) FROM raw.events"#,
                #"/* {"app": "dbt", "node_id": "model.shop.daily"} */ SELECT * FROM marts.daily"#,
                #"/* {"app":"looker","dashboard":"sales"} */ SELECT day, users FROM marts.daily"#,
                "/* Username: person\(round % 8)@corp.com, Query ID: 42, Queue: queries, Scheduled: False */ SELECT count(*) FROM raw.events",
            ] {
                _ = try await connection.query(statement)
            }
            _ = try? await connection.query(#"/* {"app":"airflow","dag":"daily","task":"check"} */ SELECT 1 / 0"#)
            try await Task.sleep(for: .milliseconds(500))
            if round % 4 == 0 {
                for name in missing where try await Self.seriesCount(name, port: prometheusPort) > 0 { missing.remove(name) }
            }
        }
        let health = try await exporter.metrics().body.split(separator: "\n")
            .filter { $0.hasPrefix("warehouse_exporter_collector_success") || $0.hasPrefix("warehouse_up") }
        #expect(missing.isEmpty, "rules or panels with no data: \(missing.sorted()); exporter: \(health); prometheus: \(prometheus.output.suffix(1000))")

        // Every metric the rules read is in the exposition (families by their samples' names).
        let page = try await exporter.metrics().body
        for name in try AlertRulesTests.metricsTheRulesRead().sorted() {
            #expect(page.contains("\n\(name){") || page.contains("\n\(name) "), "the rules read \(name), which the exporter did not serve")
        }
        try await exporter.stop()
    }
}
