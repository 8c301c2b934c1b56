import Demo
import Exporter
import Foundation
import TestSupport
import Testing
import WarehouseClient

#if canImport(Glibc)
import Glibc
#endif

/// A real Prometheus with native histograms turned on asks for the protobuf format and stores the
/// latency family as a native histogram: its p95 is within one bucket of schema 3 (about 9%) of
/// the true p95 of the durations the warehouse recorded, where the classic buckets can be off by a
/// whole bucket of theirs.
@Suite("Native histograms scraped by a real Prometheus")
struct NativeHistogramEndToEndTests {
    /// The durations, in seconds, the server logged for the executions of `application`'s
    /// statements (the extended protocol's parse and bind steps left out, as the collector does).
    static func loggedDurations(in folder: String, application: String) throws -> [Double] {
        var durations: [Double] = []
        for file in try FileManager.default.contentsOfDirectory(atPath: folder) where file.hasSuffix(".json") {
            for line in try String(contentsOfFile: folder + "/" + file, encoding: .utf8).split(separator: "\n") {
                guard let entry = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                    entry["application_name"] as? String == application, let message = entry["message"] as? String,
                    let match = message.firstMatch(of: /^duration: ([0-9.]+) ms  (execute|statement)/), let milliseconds = Double(match.1)
                else { continue }
                durations.append(milliseconds / 1000)
            }
        }
        return durations
    }

    /// The exporter running `config` and a Prometheus with native histograms scraping it, for
    /// `body`; both are stopped after it, whatever it throws.
    static func scraped(
        _ config: ExporterConfig,
        _ body: (RunningExporter, (process: BackgroundProcess, api: PrometheusAPI, directory: String)) async throws -> Void
    ) async throws {
        let exporter = try await RunningExporter.start(config)
        do {
            try await exporter.waitUntilReady()
            let prometheus = try await PrometheusEndToEndTests.startPrometheus(scraping: exporter.port, features: ["native-histograms"])
            defer {
                prometheus.process.signal(SIGTERM)
                try? FileManager.default.removeItem(atPath: prometheus.directory)
            }
            try await body(exporter, prometheus)
        } catch {
            try? await exporter.stop()
            throw error
        }
        try await exporter.stop()
    }

    /// The 95th percentile of `values` as the nearest rank: the value a quantile estimate is
    /// measured against.
    static func p95(_ values: [Double]) -> Double {
        values.sorted()[Int((0.95 * Double(values.count)).rounded(.up)) - 1]
    }

    /// The observations Prometheus holds in `native`, once they reach `count` or after 30 s.
    static func observations(_ native: String, _ api: PrometheusAPI, toReach count: Int) async throws -> Double {
        var seen = 0.0
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline {
            seen = try await api.query("histogram_count(\(native))").first?.value ?? 0
            if seen == Double(count) { break }
            try await Task.sleep(for: .milliseconds(500))
        }
        return seen
    }

    @Test func theP95ReadBackIsWithinOneNativeBucketOfTheTruth() async throws {
        let postgres = try TestPostgres.shared()
        let fixture = try await RedshiftFixture(postgres: postgres, database: try await postgres.createDatabase(prefix: "native"))
        let config = try ConfigLoader.parse(
            """
            warehouses:
              - name: rs
                kind: redshift
                dsn: "\(fixture.dsn)"
                collectors: [query_history]
                intervals: { health: 1s, query_history: 200ms }
            histograms: { mode: both }
            """, file: "native.yml")
        try await Self.scraped(config) { exporter, prometheus in

            // 500 Looker and ETL queries from 0.4 ms to 40 s, spread as warehouse work is: most fast,
            // a long tail.
            var durations: [Double] = []
            var queries: [RedshiftFixture.Query] = []
            for index in 0..<500 {
                let seconds = 0.0004 * pow(100_000, pow(Double((index * 7919) % 500) / 500, 2))
                durations.append(seconds)
                queries.append(RedshiftFixture.Query(
                    id: Int64(index + 1), end: RedshiftFixture.timestamp(), elapsedMicroseconds: Int64(seconds * 1_000_000),
                    text: #"/* {"app":"looker"} */ SELECT 1"#))
            }
            queries[499].status = "failed"  // in the second half: the failure ratio moves
            let truth = Self.p95(durations)

            // In two halves, so that the recording rules' rates see the histogram grow.
            let native = #"sum(warehouse_query_duration_seconds{warehouse="rs"})"#
            var count = 0.0
            for half in [queries[..<250], queries[250...]] {
                for query in half { try await fixture.insert(query) }
                count = try await Self.observations(native, prometheus.api, toReach: half.endIndex)
            }
            #expect(count == 500, "Prometheus stored \(count) observations; \(prometheus.process.output.suffix(600))")
            let p95 = try #require(try await prometheus.api.query("histogram_quantile(0.95, \(native))").first?.value)
            #expect(abs(p95 - truth) / truth <= 0.095, "native p95 \(p95), true p95 \(truth)")
            let sum = try #require(try await prometheus.api.query("histogram_sum(\(native))").first?.value)
            #expect(abs(sum - durations.reduce(0, +)) < 0.01 * durations.reduce(0, +))
            // The shipped latency rules read the native histogram where Prometheus keeps no classic
            // buckets: they record the quantiles, the rate and the failure ratio all the same.
            for rule in ["app:warehouse_query_duration_seconds:p95_5m", "app:warehouse_queries:rate5m", "app:warehouse_query_failures:ratio_rate5m"] {
                var value: Double?
                let deadline = ContinuousClock.now + .seconds(15)
                while ContinuousClock.now < deadline {
                    value = try await prometheus.api.query(#"\#(rule){warehouse="rs"}"#).first?.value
                    if let value, value.isFinite { break }
                    try await Task.sleep(for: .milliseconds(500))
                }
                #expect(value.map(\.isFinite) == true, "\(rule) recorded \(String(describing: value)) over the native histogram")
            }
            #expect(try await prometheus.api.query("warehouse_query_duration_seconds_bucket").isEmpty, "no classic buckets stored")
            // So do the dashboards' panels that read the latency and queue families: every one is
            // valid PromQL there, and those not filtered to DAGs or dashboards (which these queries
            // have none of) show data.
            let latency: Set<String> = ["warehouse_query_duration_seconds", "warehouse_query_queue_seconds"]
            // warehouse_up only picks the warehouses of the exporters chosen in the job and instance
            // variables.
            let panels = try PrometheusEndToEndTests.panelQueries(window: .seconds(10)).filter { query in
                let families = Set(query.matches(of: /\b(warehouse_[a-z_]+?)(?:_bucket|_count|_sum)?\b/).map { String($0.1) })
                    .subtracting(["warehouse_up"])
                return !families.isEmpty && families.isSubset(of: latency)
            }
            #expect(panels.count >= 7, "\(panels)")
            print("native: \(panels.count) panel queries over the latency families")
            for panel in panels {
                let result = try await prometheus.api.query(panel)
                if !panel.contains(#"!="""#) { #expect(!result.isEmpty, "no data over the native histogram: \(panel)") }
            }
            // The classic buckets' estimate, for the record: only as good as their bounds.
            let classic = try await exporter.metrics().exposition.samples("warehouse_query_duration_seconds_bucket").count
            print("native histograms: true p95 \(truth) s, native p95 \(p95) s; \(classic) classic bucket lines on /metrics")
        }
    }

    /// The same on PostgreSQL: statements of known sleep, the truth the durations the server
    /// logged for them, the p95 read back from the native histogram within one bucket of it.
    @Test func onPostgreSQLTheP95IsWithinOneBucketOfTheLoggedDurations() async throws {
        let postgres = try TestPostgres.start(settings: TestPostgres.jsonlogSettings)
        defer { try? postgres.stop() }
        let config = try ConfigLoader.parse(
            """
            warehouses:
              - name: pg
                kind: postgres
                dsn: "\(postgres.dsn())"
                collectors: [query_log]
                intervals: { health: 1s, query_log: 200ms }
                query_log: { directory: \(postgres.directory)/data/log, format: jsonlog }
            histograms: { mode: native }
            """, file: "native-pg.yml")
        try await Self.scraped(config) { exporter, prometheus in

            // 150 statements sleeping 0.2 ms to 60 ms, most short.
            let workload = try await Connection.connect(ConnectionSettings(dsn: postgres.dsn(), applicationName: "bench", statementTimeout: nil))
            defer { workload.close() }
            for index in 0..<150 {
                let seconds = 0.0002 * pow(300, pow(Double((index * 53) % 150) / 150, 2))
                _ = try await workload.query(#"/* {"app":"bench"} */ SELECT pg_sleep(\#(seconds))"#)
            }
            // The server's logging collector writes its file a moment after the statements end.
            var logged: [Double] = []
            let logDeadline = ContinuousClock.now + .seconds(15)
            repeat {
                logged = try Self.loggedDurations(in: postgres.directory + "/data/log", application: "bench")
                if logged.count >= 150 { break }
                try await Task.sleep(for: .milliseconds(200))
            } while ContinuousClock.now < logDeadline
            #expect(logged.count == 150)
            let truth = Self.p95(logged)

            let native = #"sum(warehouse_query_duration_seconds{warehouse="pg", app="bench"})"#
            let count = try await Self.observations(native, prometheus.api, toReach: 150)
            #expect(count == 150, "Prometheus stored \(count) observations")
            let p95 = try #require(try await prometheus.api.query("histogram_quantile(0.95, \(native))").first?.value)
            #expect(abs(p95 - truth) / truth <= 0.095, "native p95 \(p95), logged p95 \(truth)")
            print("native histograms on PostgreSQL: logged p95 \(truth) s, native p95 \(p95) s")
        }
    }
}
