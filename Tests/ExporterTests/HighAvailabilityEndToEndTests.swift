import Demo
import Exporter
import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// A high-availability pair as a real Prometheus sees it: every series twice, alike but for
/// `instance`. One exporter scraped as two instances (`a` and `b`) is that pair, with nothing
/// between the two but scrape timing. Every recording rule records for the pair what it records
/// for `a` alone, on a Prometheus that keeps classic buckets and on one that keeps only native
/// histograms, whose rules take the other side of each `or`; and every dashboard panel draws the
/// lines for the pair that it draws on a Prometheus scraping the exporter once.
@Suite("A high-availability pair scraped by a real Prometheus")
struct HighAvailabilityEndToEndTests {
    /// The recording rules of alerts/recording.rules.yml, each with its expression.
    static func recordingRules() throws -> [(name: String, expression: String)] {
        let lines = try String(contentsOfFile: AlertRulesTests.ruleFiles[0], encoding: .utf8)
            .split(separator: "\n", omittingEmptySubsequences: false)
        var rules: [(name: String, expression: String)] = []
        for (index, line) in lines.enumerated() {
            guard let record = line.firstMatch(of: /^ +- record: (\S+)$/), index + 1 < lines.count,
                let expr = lines[index + 1].firstMatch(of: /^ +expr: (.+)$/)
            else { continue }
            // A block scalar (`|`): the lines indented under `expr:`.
            let indent = String(repeating: " ", count: lines[index + 1].prefix { $0 == " " }.count + 2)
            let expression =
                expr.1 == "|"
                ? lines[(index + 2)...].prefix { $0.hasPrefix(indent) }.map { $0.trimmingCharacters(in: .whitespaces) }.joined(separator: "\n")
                : String(expr.1)
            rules.append((String(record.1), expression))
        }
        return rules
    }

    /// `expression` restricted to the pair's exporter `a`: what one exporter alone would give.
    static func alone(_ expression: String) -> String {
        expression.replacing(#"job="warehouse_exporter""#, with: #"job="warehouse_exporter", instance="a""#)
    }

    /// A sample's labels less its name, which a difference of two expressions drops.
    static func key(_ sample: PrometheusAPI.Sample) -> [String: String] {
        sample.labels.filter { $0.key != "__name__" }
    }

    /// The rules whose expression reads the native histogram where there are no classic buckets.
    static let nativeRules: Set<String> = [
        "app:warehouse_query_duration_seconds:p50_5m", "app:warehouse_query_duration_seconds:p95_5m",
        "app:warehouse_query_duration_seconds:p99_5m", "dag_task:warehouse_query_duration_seconds:p95_5m",
        "dashboard:warehouse_query_duration_seconds:p95_5m", "app:warehouse_queries:rate5m",
        "app:warehouse_query_failures:ratio_rate5m", "app:warehouse_query_queue:share_rate5m",
    ]

    @Test func everyRecordingRuleRecordsForThePairWhatOneExporterGives() async throws {
        let postgres = try TestPostgres.shared()
        let database = try await postgres.createDatabase(prefix: "ha")
        try await postgres.execute(
            "CREATE SCHEMA raw",
            "CREATE TABLE raw.orders (id int, email text, at timestamptz)",
            "INSERT INTO raw.orders SELECT i, CASE WHEN i % 4 = 0 THEN NULL ELSE 'x' END, now() FROM generate_series(1, 100) i",
            database: database)
        let fixture = try await RedshiftFixture(postgres: postgres, database: try await postgres.createDatabase(prefix: "ha_redshift"))
        let config = try ConfigLoader.parse(
            """
            warehouses:
              - name: ha_pg
                kind: postgres
                dsn: "\(postgres.dsn(database: database))"
                collectors: [tables, data_checks]
                intervals: { health: 1s, tables: 1s, data_checks: 1s }
                profiles:
                  - { table: raw.orders, interval: 1s }
                freshness:
                  - { table: raw.orders, column: at, objective: 1h, interval: 1s }
              - name: ha_rs
                kind: redshift
                dsn: "\(fixture.dsn)"
                collectors: [query_history]
                intervals: { health: 1s, query_history: 1s }
                query_history: { cost: { node_type: ra3.4xlarge, nodes: 2 } }
            """, file: "ha.yml")
        let exporter = try await RunningExporter.start(config)
        var servers: [(process: BackgroundProcess, api: PrometheusAPI, directory: String)] = []
        defer {
            for server in servers {
                server.process.signal(SIGTERM)
                try? FileManager.default.removeItem(atPath: server.directory)
            }
        }
        do {
            try await exporter.waitUntilReady()
            // The pair, and the exporter scraped once, each by a Prometheus that keeps classic
            // buckets and by one that keeps native histograms only.
            var scraping: [(api: PrometheusAPI, native: Bool, instances: [String])] = []
            for native in [false, true] {
                for instances in [["a", "b"], ["a"]] {
                    let server = try await PrometheusEndToEndTests.startPrometheus(
                        scraping: exporter.port, features: native ? ["native-histograms"] : [], instances: instances)
                    servers.append(server)
                    scraping.append((server.api, native, instances))
                }
            }

            // Three batches, each seen by every server from every instance before the next, so that
            // the pair's counters stand alike when compared and every rate has a rise to measure.
            // The first, one query of each app and one row, starts every series at the same value
            // on both instances (a series first scraped halfway through a batch would start lower
            // on one of them, and its rise stay higher for as long as the window holds its start).
            // Then Looker's dashboard queries (a quarter of their time queued, one failed), an
            // Airflow task's (a tenth past 30 s: no quantile sits on the edge between two
            // observations, where the float rounding of a sum could tip it either way) and queries
            // nothing attributes; rows written to the PostgreSQL table.
            var id: Int64 = 0
            var rows = 0
            for (queries, inserted) in [(1, 1), (20, 50), (20, 100)] {
                for index in 0..<queries {
                    id += 1
                    let seconds = Int64(1 + index % 5) * 1_000_000
                    var looker = RedshiftFixture.Query(
                        id: id, end: RedshiftFixture.timestamp(), elapsedMicroseconds: seconds,
                        text: #"/* {"app":"looker","dashboard":"sales"} */ SELECT 1"#, queueMicroseconds: seconds / 4)
                    if index == 7 { looker.status = "failed" }
                    id += 1
                    let airflow = RedshiftFixture.Query(
                        id: id, end: RedshiftFixture.timestamp(), elapsedMicroseconds: index % 10 == 3 ? 40_000_000 : seconds,
                        text: #"/* {"app":"airflow","dag":"daily","task":"load"} */ INSERT INTO t SELECT 1"#, type: "INSERT")
                    id += 1
                    let unknown = RedshiftFixture.Query(id: id, end: RedshiftFixture.timestamp(), elapsedMicroseconds: seconds, text: "SELECT 2")
                    try await fixture.insert(looker, airflow, unknown)
                }
                try await postgres.execute("INSERT INTO raw.orders SELECT i, NULL, now() FROM generate_series(1, \(inserted)) i", database: database)
                rows += inserted
                for server in scraping {
                    let finished = server.native ? #"histogram_count(warehouse_query_duration_seconds{warehouse="ha_rs"})"# : #"warehouse_query_duration_seconds_count{warehouse="ha_rs"}"#
                    for (expression, total) in [
                        (finished, Double(id)), (#"warehouse_table_rows_written_total{warehouse="ha_pg", operation="insert"}"#, Double(rows)),
                    ] {
                        let query = "sum by (instance) (\(expression))"
                        let deadline = ContinuousClock.now + .seconds(20)
                        var seen: [PrometheusAPI.Sample] = []
                        while ContinuousClock.now < deadline {
                            seen = try await server.api.query(query)
                            if seen.count == server.instances.count && seen.allSatisfy({ $0.value == total }) { break }
                            try await Task.sleep(for: .milliseconds(200))
                        }
                        #expect(
                            seen.count == server.instances.count && seen.allSatisfy { $0.value == total },
                            "\(query): \(seen), not \(total) for each of \(server.instances)")
                    }
                }
            }
            // A rate extrapolates each instance's series up to the moment of the query, as much as
            // a scrape interval past its last sample: a tenth of a history of ten scrapes, which
            // the pair's two instances may differ by. Fifteen seconds more bring it to a few hundredths.
            try await Task.sleep(for: .seconds(15))

            let rules = try Self.recordingRules()
            #expect(rules.count == 23)
            let pairs = scraping.filter { $0.instances.count == 2 }
            for server in pairs {
                let kind = server.native ? "native" : "classic"
                // Every rule with data for `a` alone (on the native server, at least those that
                // read the native histogram) records the same for the pair, within scrape timing.
                let expected = server.native ? Self.nativeRules : Set(rules.map(\.name))
                var compared: Set<String> = []
                let deadline = ContinuousClock.now + .seconds(30)
                repeat {
                    for rule in rules where !compared.contains(rule.name) {
                        let single = try await server.api.query(Self.alone(rule.expression))
                        guard !single.isEmpty else { continue }
                        let difference = try await server.api.query("(\(rule.expression)) - (\(Self.alone(rule.expression)))")
                        let differences = Dictionary(difference.map { (Self.key($0), $0.value) }, uniquingKeysWith: { first, _ in first })
                        #expect(differences.count == single.count, "\(kind) \(rule.name): the pair's series \(difference) against a's \(single)")
                        for sample in single {
                            let gap = differences[Self.key(sample)] ?? .infinity
                            #expect(
                                abs(gap) <= 0.1 * abs(sample.value) + 1e-9 || (sample.value.isNaN && gap.isNaN),
                                "\(kind) \(rule.name) \(Self.key(sample)): a alone \(sample.value), the pair \(sample.value + gap)")
                        }
                        compared.insert(rule.name)
                    }
                    if compared.isSuperset(of: expected) { break }
                    try await Task.sleep(for: .seconds(1))
                } while ContinuousClock.now < deadline
                #expect(compared.isSuperset(of: expected), "\(kind): no data for \(expected.subtracting(compared).sorted())")
            }
            // Every panel draws for the pair the lines it draws where the exporter is scraped once,
            // but those of one line per exporter (their legend names the instance), which draw each
            // of the two; with the instance variable set to `a`, the lines of `a` alone.
            let everyInstance = try PrometheusEndToEndTests.panelTargets(window: .seconds(10))
            let instanceA = try PrometheusEndToEndTests.panelTargets(window: .seconds(10), variables: ["instance": "a"])
            for native in [false, true] {
                let kind = native ? "native" : "classic"
                let pair = try #require(pairs.first { $0.native == native }).api
                let once = try #require(scraping.first { $0.native == native && $0.instances.count == 1 }).api
                var drawn = 0
                for (panel, chosen) in zip(everyInstance, instanceA) {
                    let single = try await once.query(panel.query).count
                    guard single > 0 else { continue }
                    drawn += 1
                    let lines = try await pair.query(panel.query).count
                    let perExporter = panel.legend.contains("{{instance}}")
                    #expect(
                        lines == (perExporter ? 2 * single : single),
                        "\(kind) \(panel.file) \"\(panel.title)\": \(lines) lines for the pair, \(single) for one exporter: \(panel.query)")
                    let alone = try await pair.query(chosen.query).count
                    #expect(alone == single, "\(kind) \(panel.file) \"\(panel.title)\": \(alone) lines for instance a: \(chosen.query)")
                }
                #expect(drawn >= (native ? 50 : 60), "\(kind): only \(drawn) panel queries with data")
            }

            // Not a comparison of zeros: one exporter's figures move, and without the deduplication
            // the pair counts every query twice.
            let classic = try #require(pairs.first { !$0.native }).api
            // The root-cause walk's sums of what happened (the writers of a table, their time in
            // writing statements) count the pair once too.
            for counter in [#"warehouse_table_writes_total{warehouse="ha_rs"}"#, #"warehouse_query_duration_seconds_sum{warehouse="ha_rs", query_type!="select"}"#] {
                let pair = try await classic.query("sum(\(RootCauseWalk.happened(counter, "10m")))").first?.value ?? 0
                let alone = try await classic.query("sum(\(RootCauseWalk.happened(Self.alone(counter.replacing("{", with: #"{job="warehouse_exporter", "#)), "10m")))")
                    .first?.value ?? 0
                #expect(alone > 0 && abs(pair - alone) <= 0.1 * alone, "\(counter): the pair \(pair), a alone \(alone)")
            }
            for rule in ["app:warehouse_queries:rate5m", "app:warehouse_query_cost_dollars:rate1h", "table:warehouse_table_rows_written:increase1h"] {
                let values = try await classic.query(rule).map(\.value)
                #expect(!values.isEmpty && values.allSatisfy { $0 > 0 }, "\(rule): \(values)")
            }
            let doubled = try await classic.query(
                #"sum(rate(warehouse_query_duration_seconds_count{job="warehouse_exporter"}[5m])) / sum(rate(warehouse_query_duration_seconds_count{job="warehouse_exporter", instance="a"}[5m]))"#
            ).first?.value ?? 0
            #expect(abs(doubled - 2) < 0.2, "a plain sum over the pair is \(doubled) times a's")
        } catch {
            try? await exporter.stop()
            throw error
        }
        try await exporter.stop()
    }
}
