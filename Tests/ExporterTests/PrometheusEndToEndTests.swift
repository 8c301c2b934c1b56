import Demo
import Exporter
import Foundation
import SQLText
import TestSupport
import Testing
import WarehouseClient

#if canImport(Glibc)
import Glibc
#endif

/// A real Prometheus (the Debian package's server) scrapes the exporter while the demo's workload
/// (``DataTeam``, with its incident) runs on a real PostgreSQL, with the shipped rules loaded: the
/// root-cause walk finds the slowed task, its statement, the table that grew, the writer and the
/// person; every recording rule and every dashboard panel's query returns data; and every metric
/// the rules read is one the exporter serves.
@Suite("A real Prometheus over the exporter and the shipped rules")
struct PrometheusEndToEndTests {
    /// What Grafana gives `$__rate_interval` over the tests' Prometheus, which scrapes every
    /// second: four scrape intervals, its least.
    static let rateInterval = Duration.seconds(4)

    /// The families only a ClickHouse warehouse serves, which this test's PostgreSQL and Redshift
    /// warehouses cannot: the ClickHouse end-to-end test proves the rules and panels that read them.
    static let clickHouseOnly: Set<String> = [
        "warehouse_query_peak_memory_bytes", "warehouse_table_parts", "warehouse_table_mutations_pending", "warehouse_table_mutations_failing",
    ]

    /// One query of a dashboard's panel, with its legend.
    struct PanelTarget {
        var file: String
        var title: String
        var query: String
        var legend: String
        var description: String

        /// A panel of a family only ClickHouse serves says so in its description: the ClickHouse
        /// end-to-end test proves it draws, and this one, with no ClickHouse, leaves it out.
        var isClickHouseOnly: Bool { description.contains("ClickHouse only") }
    }

    /// Every panel query of dashboards/, with the root-cause dashboard's comparison window the
    /// test's, `$__rate_interval` ``rateInterval``, each variable of `variables` set to its regular
    /// expression and every other one to "all" (`.*`).
    static func panelTargets(window: Duration, variables: [String: String] = [:]) throws -> [PanelTarget] {
        let folder = AlertRulesTests.root.appendingPathComponent("dashboards")
        var targets: [PanelTarget] = []
        for file in try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted() where file.hasSuffix(".json") {
            let dashboard = try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent(file))) as? [String: Any]
            for panel in dashboard?["panels"] as? [[String: Any]] ?? [] {
                for target in panel["targets"] as? [[String: Any]] ?? [] {
                    guard let expr = target["expr"] as? String else { continue }
                    let query = expr.replacing("$window", with: RootCauseWalk.range(window))
                        .replacing("$__rate_interval", with: RootCauseWalk.range(rateInterval))
                        .replacing(/\$([a-z]+)\b/) { variables[String($0.1)] ?? ".*" }
                    targets.append(PanelTarget(
                        file: file, title: panel["title"] as? String ?? "?", query: query, legend: target["legendFormat"] as? String ?? "",
                        description: panel["description"] as? String ?? ""))
                }
            }
        }
        return targets
    }

    /// Every panel query of dashboards/, with every variable "all".
    static func panelQueries(window: Duration) throws -> [String] {
        try panelTargets(window: window).map(\.query)
    }

    /// The walk's window: "now" is the last ten seconds, "before" the ten before.
    static let window = Duration.seconds(10)

    @Test func theRootCauseWalkFindsTheIncidentAndEveryRuleAndPanelReturnsData() async throws {
        let postgres = try TestPostgres.start(settings: TestPostgres.jsonlogSettings)
        defer { try? postgres.stop() }
        let database = try await postgres.createDatabase(prefix: "e2e")
        // The demo's workload at a quarter of its size: raw.events goes from 5,000 rows to 500,000.
        let team = DataTeam(dsn: postgres.dsn(database: database), scale: DataTeam.Scale(tableRows: 5_000))
        try await team.prepare()

        // A Redshift warehouse beside it (the Redshift-shaped fixture) feeds the Redshift panels.
        let fixture = try await RedshiftFixture(postgres: postgres, database: try await postgres.createDatabase(prefix: "e2e_redshift"))
        try await fixture.insertTable(id: 1, schema: "public", table: "events", megabytes: 120, rows: 1_000_000, visibleRows: 1_000_000, unsorted: 12.5, statsOff: 3, skew: 1.4)

        // The label cap is above the team's fifteen users (Jordan comes last) and below the
        // extra users at the end, whose values overflow.
        let config = try ConfigLoader.parse(
            """
            warehouses:
              - name: e2e
                kind: postgres
                dsn: "\(postgres.dsn(database: database))"
                collectors: [tables, activity, query_log, data_checks]
                intervals: { health: 1s, tables: 1s, activity: 1s, query_log: 1s, data_checks: 1s }
                query_log: { directory: \(postgres.directory)/data/log, format: jsonlog, dollars_per_hour: 3.6 }
                profiles:
                  - { table: raw.orders, interval: 2s }
                  - { table: raw.events, columns: [kind], interval: 5s, sample_percent: 20 }
                freshness:
                  - { table: raw.orders, column: at, objective: 1h, interval: 2s }
                checks:
                  - { name: events_by_kind, sql: "SELECT kind, count(*) AS events FROM raw.events GROUP BY kind", labels: [kind], interval: 2s }
                  - { name: orders_copied, row_count_match: { source: SELECT id FROM raw.orders, target: SELECT id FROM raw.orders }, interval: 2s }
              - name: e2e_redshift
                kind: redshift
                dsn: "\(fixture.dsn)"
                collectors: [tables, query_history, table_activity]
                intervals: { health: 1s, tables: 1s, query_history: 1s, table_activity: 1s }
            labels:
              max_values_per_label: 20
            state_file: \(postgres.directory)/exporter-state.json
            """, file: "e2e.yml")
        let exporter = try await RunningExporter.start(config)
        let prometheus = try await Self.startPrometheus(scraping: exporter.port)
        defer {
            prometheus.process.signal(SIGTERM)
            try? FileManager.default.removeItem(atPath: prometheus.directory)
        }

        // Redshift's queries wait in a queue, and their steps say what they read and wrote, which
        // PostgreSQL's log does not record: the queue and data volume panels and rules read these.
        // Every other one rebuilds a Looker derived table.
        let redshiftQueries = Task {
            for id in Int64(1)... {
                let rebuild = id % 2 == 1
                try await fixture.insert(RedshiftFixture.Query(
                    id: id, end: RedshiftFixture.timestamp(), elapsedMicroseconds: 2_000_000,
                    text: #"/* {"app":"looker","dashboard":"sales"} */ "# + (rebuild ? "INSERT INTO public.events SELECT * FROM public.events" : "SELECT 1"),
                    type: rebuild ? "INSERT" : "SELECT", queueMicroseconds: 500_000,
                    steps: [.init("scan", table: 1, rows: 1_000, inputRows: 4_000)] + (rebuild ? [.init("insert", table: 1, rows: 1_000)] : [])))
                try await Task.sleep(for: .milliseconds(500))
            }
        }
        defer { redshiftQueries.cancel() }
        let incident = AsyncStream<Void>.makeStream()
        let workload = Task {
            try await team.run(pace: .milliseconds(500), incidentAfter: Self.window + .seconds(4)) { event in
                if case .incident = event { incident.continuation.yield() }
            }
        }
        defer { workload.cancel() }
        var iterator = incident.stream.makeAsyncIterator()
        await iterator.next()
        try await Task.sleep(for: Self.window + .seconds(3))

        let finding = try await RootCauseWalk(prometheus: prometheus.api, window: Self.window).run()
        let steps = finding.steps.map { "\($0.question) \($0.answer)" }
        let slowed = try #require(team.statements.first { $0.contains("INSERT INTO marts.daily_users") })
        #expect(finding.dag == "daily_aggregations" && finding.task == "aggregate", "\(steps)")
        #expect(finding.fingerprint == SQLAnalyzer().analyze(slowed).fingerprint.description, "\(steps)")
        #expect(finding.schema == "raw" && finding.table == "events", "\(steps)")
        #expect(finding.writer == ["app": "redash", "user": "jordan@corp.com"], "\(steps)")
        #expect(finding.chart == "123", "\(steps)")
        // Exemplars name the executions of steps 2 and 4: the PostgreSQL log's session and line of
        // each, which the server's log holds.
        let logged = try Self.loggedStatementIDs(postgres)
        for step in [finding.steps[1], finding.steps[3]] {
            #expect(!step.queryIDs.isEmpty, "\(step.question) \(step.answer): no exemplar")
            #expect(step.queryIDs.allSatisfy { logged[$0] != nil }, "\(step.queryIDs) not in the log")
        }
        #expect(finding.steps[1].queryIDs.allSatisfy { logged[$0]?.contains("INSERT INTO marts.daily_users") == true })

        // Twenty-five more Metabase users than the cap lets in: the overflow panels get data.
        let extra = try await Connection.connect(ConnectionSettings(dsn: postgres.dsn(database: database), applicationName: "workload"))
        defer { extra.close() }
        for user in 1_000..<1_025 {
            _ = try await extra.query("-- Metabase:: userID: \(user) queryType: native queryHash: aa\nSELECT 1")
        }

        let recorded = try String(contentsOfFile: AlertRulesTests.ruleFiles[0], encoding: .utf8)
            .matches(of: /record: ([a-z_:0-9]+)/).map { String($0.1) }
        #expect(recorded.count == 23)
        let panels = try Self.panelTargets(window: Self.window).filter { !$0.isClickHouseOnly }.map(\.query)
        #expect(panels.count >= 54)
        var missing = Set(recorded + panels)
        let deadline = ContinuousClock.now + .seconds(30)
        while !missing.isEmpty && ContinuousClock.now < deadline {
            for query in missing where try await !prometheus.api.query(query).isEmpty { missing.remove(query) }
            if !missing.isEmpty { try await Task.sleep(for: .seconds(1)) }
        }
        let health = try await exporter.metrics().body.split(separator: "\n")
            .filter { $0.hasPrefix("warehouse_exporter_collector_success") || $0.hasPrefix("warehouse_up") }
        #expect(missing.isEmpty, "rules or panels with no data: \(missing.sorted()); exporter: \(health); prometheus: \(prometheus.process.output.suffix(1000))")

        // Every metric the rules and the panels read is in the exposition (by their samples' names;
        // recording rules' level:metric:operations names left out).
        let page = try await exporter.metrics().body
        let panelMetrics = Set(panels.joined(separator: "\n").replacing(/[a-z_]+:[a-z_0-9:]+/, with: "")
            .matches(of: /\b(warehouse_[a-z_]+)/).map { String($0.1) })
        #expect(panelMetrics.count >= 20)
        for name in try AlertRulesTests.metricsTheRulesRead().subtracting(Self.clickHouseOnly).union(panelMetrics).sorted() {
            // A histogram's own name is read as a native histogram, served as its buckets in text.
            #expect(
                page.contains("\n\(name){") || page.contains("\n\(name) ") || page.contains("\n\(name)_bucket{"),
                "a rule or panel reads \(name), which the exporter did not serve")
        }

        // Prometheus's own error reaches the caller, named.
        await #expect {
            _ = try await prometheus.api.query("sum(warehouse_up")
        } throws: { error in
            "\(error)".contains("Prometheus refused") && "\(error)".contains("unclosed")
        }
        workload.cancel()
        _ = await workload.result
        try await exporter.stop()
    }

    /// Every statement the server logged with its duration, by `<session_id>:<line_num>`.
    static func loggedStatementIDs(_ postgres: TestPostgres) throws -> [String: String] {
        var statements: [String: String] = [:]
        let folder = postgres.directory + "/data/log"
        for file in try FileManager.default.contentsOfDirectory(atPath: folder) where file.hasSuffix(".json") {
            for line in try String(contentsOfFile: folder + "/" + file, encoding: .utf8).split(separator: "\n") {
                guard let entry = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                    let session = entry["session_id"] as? String, let number = entry["line_num"] as? Int,
                    let message = entry["message"] as? String, message.hasPrefix("duration:")
                else { continue }
                statements["\(session):\(number)"] = message
            }
        }
        return statements
    }

    /// Debian's Prometheus server with the shipped rules and exemplar storage, scraping the
    /// exporter every second; with `instances`, once under each of those `instance` labels, as
    /// it would scrape a high-availability pair of identical exporters. Returns once it answers
    /// queries. A port taken by another test between `freePort` and Prometheus binding it makes
    /// Prometheus exit at once: that start is retried on another port, and any other early exit
    /// is an error carrying what Prometheus printed.
    static func startPrometheus(
        scraping exporterPort: Int, features: [String] = ["exemplar-storage"], instances: [String] = []
    ) async throws -> (process: BackgroundProcess, api: PrometheusAPI, directory: String) {
        let rules = AlertRulesTests.ruleFiles.map { "  - " + $0 }.joined(separator: "\n")
        let target = "targets: [\"127.0.0.1:\(exporterPort)\"]"
        let groups = instances.isEmpty ? "{ \(target) }" : instances.map { "{ \(target), labels: { instance: \($0) } }" }.joined(separator: ", ")
        let configuration = """
            global: { scrape_interval: 1s, evaluation_interval: 1s }
            rule_files:
            \(rules)
            scrape_configs:
              - job_name: warehouse_exporter
                static_configs: [ \(groups) ]
            """
        for _ in 1...5 {
            let port = try freePort()
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("prometheus-\(UUID().uuidString)").path
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            try configuration.write(toFile: directory + "/prometheus.yml", atomically: true, encoding: .utf8)
            let process = try BackgroundProcess([
                "prometheus", "--config.file=\(directory)/prometheus.yml", "--storage.tsdb.path=\(directory)/data",
                "--web.listen-address=127.0.0.1:\(port)", "--enable-feature=\(features.joined(separator: ","))",
            ])
            let api = PrometheusAPI(base: URL(string: "http://127.0.0.1:\(port)")!)
            // Storage opens before queries are answered; on a busy machine that can take a while.
            let deadline = ContinuousClock.now + .seconds(90)
            var exited: Int32?
            while exited == nil, (try? await api.query("vector(1)")) == nil {
                exited = process.exitStatus()
                guard ContinuousClock.now < deadline else {
                    throw TestSupportError("Prometheus at \(api.base) did not answer in 90 s: \(process.output)")
                }
                try await Task.sleep(for: .milliseconds(200))
            }
            guard let status = exited else { return (process, api, directory) }
            let output = process.output
            try? FileManager.default.removeItem(atPath: directory)
            guard output.contains("address already in use") else {
                throw TestSupportError("Prometheus exited with status \(status) before answering: \(output)")
            }
        }
        throw TestSupportError("Prometheus found every port it was given taken, five times")
    }
}
