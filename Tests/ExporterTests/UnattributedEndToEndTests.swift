import Exporter
import Foundation
import SQLText
import TestSupport
import Testing
import WarehouseClient

#if canImport(Glibc)
import Glibc
#endif

/// A real PostgreSQL logs a known workload, some of it annotated and some from a session that
/// names no application; the exporter reads the log and a real Prometheus with the shipped rules
/// scrapes it: the recorded shares of queries and of query time that are unattributed are the
/// workload's, and the landing page names the unattributed statement by its shape.
@Suite("Unattributed shares through a real Prometheus")
struct UnattributedEndToEndTests {
    static let annotated = #"/* {"app":"airflow","dag":"nightly","task":"load"} */ SELECT pg_sleep(0.01) AS loaded"#
    static let unannotated = "SELECT pg_sleep(0.03)"

    @Test func theRecordedSharesAreTheWorkloadsAndTheLandingPageNamesTheStatement() async throws {
        let postgres = try await Self.startPostgres()
        defer { try? postgres.stop() }
        let database = try await postgres.createDatabase(prefix: "unattributed")
        var warehouse = ExporterConfig.Warehouse(name: "coverage", kind: .postgres, dsn: postgres.dsn(database: database))
        warehouse.collectors = ["query_log"]
        warehouse.intervals = ["health": .seconds(1), "query_log": .milliseconds(500)]
        warehouse.queryLog = .init(directory: postgres.directory + "/data/log", format: .jsonlog)
        let exporter = try await RunningExporter.start(ExporterConfig(warehouses: [warehouse]))
        try await exporter.waitUntilReady()

        // A scheduler's session with annotated statements, and one that names no application (so
        // `application_name` is empty) and sends nothing but the workload: no SET at connect.
        let scheduler = try await Connection.connect(
            ConnectionSettings(dsn: postgres.dsn(database: database), applicationName: "scheduler", statementTimeout: nil))
        defer { scheduler.close() }
        let anonymous = try await Connection.connect(
            ConnectionSettings(dsn: postgres.dsn(database: database), applicationName: "", statementTimeout: nil))
        defer { anonymous.close() }
        func run(annotated: Int, unannotated: Int) async throws {
            for index in 0..<max(annotated, unannotated) {
                if index < annotated { _ = try await scheduler.query(Self.annotated) }
                if index < unannotated { _ = try await anonymous.query(Self.unannotated) }
            }
        }

        let common = ["warehouse": "coverage", "database": database, "user": TestPostgres.superuser, "query_type": "select", "status": "success"]
        let airflow = common.merging(["app": "airflow", "dag": "nightly", "task": "load"]) { _, new in new }
        let unknown = common.merging(["app": "unknown"]) { _, new in new }
        func totals() async throws -> (airflow: (count: Double, sum: Double), unknown: (count: Double, sum: Double)) {
            let page = try await exporter.metrics()
            func read(_ labels: [String: String]) -> (Double, Double) {
                (page.value("warehouse_query_duration_seconds_count", labels) ?? 0, page.value("warehouse_query_duration_seconds_sum", labels) ?? 0)
            }
            return (read(airflow), read(unknown))
        }

        // Every series the workload touches exists before Prometheus's first scrape, so each has
        // its samples at the same times, and rate() extrapolates them all alike: the ratio of two
        // rates is then the ratio of the increases, exactly. (The warm-up is large enough against
        // what follows that no series is extrapolated to its zero point instead.)
        try await run(annotated: 4, unannotated: 4)
        #expect(try await exporter.waitFor("warehouse_query_duration_seconds_count", airflow, toBe: 4, timeout: .seconds(30)) == 4)
        #expect(try await exporter.waitFor("warehouse_query_duration_seconds_count", unknown, toBe: 4, timeout: .seconds(30)) == 4)
        let before = try await totals()

        let prometheus = try await PrometheusEndToEndTests.startPrometheus(scraping: exporter.port)
        defer {
            prometheus.process.signal(SIGTERM)
            try? FileManager.default.removeItem(atPath: prometheus.directory)
        }
        try await Self.wait("three scrapes of the warm-up", prometheus.process.output) {
            try await prometheus.api.query(#"count_over_time(warehouse_query_duration_seconds_count{app="unknown"}[5m]) >= 3"#).count == 1
        }

        try await run(annotated: 6, unannotated: 3)
        #expect(try await exporter.waitFor("warehouse_query_duration_seconds_count", airflow, toBe: 10, timeout: .seconds(30)) == 10)
        #expect(try await exporter.waitFor("warehouse_query_duration_seconds_count", unknown, toBe: 7, timeout: .seconds(30)) == 7)
        let after = try await totals()
        let timeShare = (after.unknown.sum - before.unknown.sum)
            / (after.unknown.sum - before.unknown.sum + after.airflow.sum - before.airflow.sum)
        #expect(timeShare > 0 && timeShare < 1)

        // Once Prometheus has scraped the last counts and evaluated the rules after that.
        let expected = [
            "warehouse:warehouse_query_unattributed:ratio_rate5m": 3.0 / 9,
            "warehouse:warehouse_query_unattributed:ratio_rate1h": 3.0 / 9,
            "warehouse:warehouse_query_unattributed_seconds:ratio_rate5m": timeShare,
            "warehouse:warehouse_query_unattributed_seconds:ratio_rate1h": timeShare,
            "warehouse:warehouse_query_unattributed:threshold": 0.2,
        ]
        var recorded: [String: Double] = [:]
        try await Self.wait("the shares of the workload", prometheus.process.output) {
            for rule in expected.keys {
                let samples = try await prometheus.api.query(rule)
                recorded[rule] = samples.count == 1 && samples[0]["warehouse"] == "coverage" ? samples[0].value : nil
            }
            return expected.allSatisfy { rule, share in recorded[rule].map { abs($0 - share) < 1e-9 } ?? false }
        }
        for (rule, share) in expected.sorted(by: { $0.key < $1.key }) {
            let value = recorded[rule] ?? .nan
            #expect(abs(value - share) < 1e-9, "\(rule): \(value), expected \(share)")
        }

        // The statement behind the share, by its shape: the literal is not on the page.
        let landing = try await exporter.get("/").body
        let fingerprint = SQLAnalyzer().analyze(Self.unannotated).fingerprint
        #expect(landing.contains("<td><code>\(fingerprint)</code></td><td>7</td>"), "\(landing)")
        #expect(landing.contains("<code>select pg_sleep(?)</code>") && !landing.contains("0.03"))
        #expect(!landing.contains(SQLAnalyzer().analyze(Self.annotated).fingerprint.description))
        try await exporter.stop()
    }

    /// A cluster logging every statement, started on a thread of its own: initdb takes seconds
    /// (more on a busy machine), and a test must not hold one of the few threads that the
    /// exporters' handlers, in this process, need meanwhile.
    static func startPostgres() async throws -> TestPostgres {
        try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread {
                continuation.resume(with: Result { try TestPostgres.start(settings: TestPostgres.jsonlogSettings) })
            }
        }
    }

    /// Polls `condition` every half second for at most 30 seconds, an error counting as not yet
    /// (Prometheus takes a moment to listen); fails naming `what`.
    static func wait(_ what: String, _ log: @autoclosure () -> String, _ condition: () async throws -> Bool) async throws {
        let deadline = ContinuousClock.now + .seconds(30)
        var last: (any Error)?
        while true {
            do {
                if try await condition() { return }
            } catch {
                last = error
            }
            guard ContinuousClock.now < deadline else {
                throw TestSupportError("waited 30 s for \(what) (\(last.map { "\($0)" } ?? "no error")); prometheus: \(log().suffix(1000))")
            }
            try await Task.sleep(for: .milliseconds(500))
        }
    }
}
