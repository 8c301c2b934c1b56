import Demo
import Foundation
import QueryMetrics
import SQLText
import TestSupport
import Testing

/// The whole exposition of a fixed workload, compared with a file written before the metric
/// families were reorganised: every family, help text, label set and value stays as it was.
///
/// The workload is the demo data team's statements, analysed as the `query_log` collector analyses
/// them, with durations, queue times and costs that depend only on their position, plus one input of
/// every other kind the metric families take. Family and series order are left out of the
/// comparison (the gauges' order once came from a hash table); everything else is compared byte for
/// byte. The changes so far: gauges once rendered by swift-prometheus print whole numbers as `1`,
/// not `1.0`, the same number to Prometheus; and the latency buckets' default bounds run from 1 ms
/// to 4 h (19 bounds, once 15 from 10 ms to 1 h), so that sub-10 ms BI queries read right; and
/// counts with nothing to count read 0 (activity families, overflow counters from the start). Set
/// `WAREHOUSE_UPDATE_GOLDEN=1` to write the file anew after a deliberate change, and say why in the
/// commit.
@Suite struct ExpositionGoldenTests {
    static let golden = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Golden/exposition.txt")

    @Test func theExpositionOfAFixedWorkloadIsUnchanged() throws {
        var tight = LabelPolicy()
        tight.maxValuesPerLabel = 3
        tight.topStatements = 2
        tight.user = .hash
        tight.userHashSalt = "golden"
        tight.dimensions.insert(.chart)
        let text = "## default label policy\n" + Self.normalised(Self.exposition(LabelPolicy()))
            + "## tight label policy\n" + Self.normalised(Self.exposition(tight))
        if ProcessInfo.processInfo.environment["WAREHOUSE_UPDATE_GOLDEN"] == "1" {
            try FileManager.default.createDirectory(at: Self.golden.deletingLastPathComponent(), withIntermediateDirectories: true)
            try text.write(to: Self.golden, atomically: true, encoding: .utf8)
        }
        let expected = try String(contentsOf: Self.golden, encoding: .utf8)
        let got = text.split(separator: "\n", omittingEmptySubsequences: false)
        let want = expected.split(separator: "\n", omittingEmptySubsequences: false)
        let firstDifference = zip(got, want).enumerated().first { $0.element.0 != $0.element.1 }
        #expect(got.count == want.count, "\(got.count) lines, the golden file has \(want.count)")
        #expect(firstDifference == nil, "line \((firstDifference?.offset ?? 0) + 1): got \(firstDifference?.element.0 ?? ""), golden \(firstDifference?.element.1 ?? "")")
    }

    /// Family blocks sorted by name, each block's samples sorted, help and type first.
    static func normalised(_ exposition: String) -> String {
        var blocks: [[Substring]] = []
        for line in exposition.split(separator: "\n") {
            if line.hasPrefix("# HELP ") || blocks.isEmpty { blocks.append([]) }
            blocks[blocks.count - 1].append(line)
        }
        return blocks.map { block in
            let comments = block.filter { $0.hasPrefix("#") }
            let samples = block.filter { !$0.hasPrefix("#") }.sorted()
            return (comments + samples).joined(separator: "\n") + "\n"
        }.sorted().joined()
    }

    /// The same workload in OpenMetrics, under both policies: what a strict parser accepts, with
    /// the same samples as the golden text (bucket bounds spelled `1.0` rather than `1`).
    @Test func itsOpenMetricsIsValidAndHoldsTheSameSamples() async throws {
        var tight = LabelPolicy()
        tight.maxValuesPerLabel = 3
        tight.user = .hash
        tight.userHashSalt = "golden"
        for policy in [LabelPolicy(), tight] {
            let open = Self.exposition(policy, format: .openMetrics)
            #expect(try await OpenMetricsParser.problem(in: open) == nil)
            let samples = { (page: String) in
                page.split(separator: "\n").filter { !$0.hasPrefix("#") }.map { line in
                    String(line.split(separator: " # {").first!).replacing(/le="([0-9.]+)\.0"/) { "le=\"\($0.1)\"" }
                }.sorted()
            }
            #expect(samples(open) == samples(Self.exposition(policy)))
        }
    }

    /// The process as the exporter reads it from `/proc`, fixed: the real figures change at every
    /// reading.
    static let process = ProcessFamilies.Sample(
        cpuSeconds: 12.34, residentMemoryBytes: 52_428_800, virtualMemoryBytes: 1_073_741_824, virtualMemoryMaxBytes: Double(UInt64.max),
        openFDs: 23, maxFDs: 1_048_576, startTimeSeconds: 1_700_000_000.25)

    static func exposition(_ policy: LabelPolicy, format: ExpositionFormat = .text) -> String {
        let metrics = MetricCatalog(labelPolicy: policy, process: { Self.process })
        let recorder = metrics.queries
        let analyzer = SQLAnalyzer(dialect: .postgres)
        let statements = DataTeam(dsn: "").statements
        let apps = ["psql", "", "DataGrip", "warehouse_demo"]
        let users = ["etl", "ana", "jordan@corp.com", "bi"]
        for index in 0..<(statements.count * 6) {
            let analysis = analyzer.analyze(statements[index % statements.count])
            let status: QueryStatus = index % 17 == 0 ? .failed : index % 23 == 0 ? .aborted : .success
            let seconds = Double(index % 29) * 0.037 + Double(index % 5) * 1.5
            var record = QueryRecord(
                warehouse: index % 3 == 0 ? "redshift" : "demo", database: index % 4 == 0 ? "dev" : "analytics",
                attribution: Attribution(context: analysis.context, fallbackApp: apps[index % apps.count], databaseUser: users[index % users.count]),
                queryType: analysis.queryType, status: status, durationSeconds: seconds, queueSeconds: index % 3 == 0 ? seconds / 4 : 0,
                executionSeconds: index % 2 == 0 ? seconds * 0.75 : nil, costDollars: index % 3 == 0 ? seconds / 1000 : nil,
                fingerprint: analysis.fingerprint)
            record.tablesRead = analysis.tables.read
            record.tablesWritten = analysis.tables.written
            if index % 3 == 0, let written = analysis.tables.written.first {
                record.rowsWritten = [RowsWritten(table: written, operation: analysis.queryType, rows: Double(index * 10))]
            }
            recorder.observe(record, now: Double(index))
        }
        for index in 0..<8 {
            let context = QueryContext(app: index % 2 == 0 ? "airflow" : nil, user: index % 3 == 0 ? "etl" : nil, dag: "load_\(index % 3)", task: "copy")
            let loader = Attribution(context: context, fallbackApp: index % 2 == 0 ? nil : "etl_group", databaseUser: "loader")
            let table = TableName(schema: index % 4 == 0 ? nil : "raw", name: "events_\(index % 5)")
            recorder.observe(LoadRecord(
                warehouse: "redshift", table: table, attribution: loader, rows: Double(index * 1000), bytes: Double(index * 65536), errors: Double(index % 3)))
            recorder.observe(TableActivity(
                warehouse: "redshift", attribution: Attribution(context: context, fallbackApp: "etl_group", databaseUser: "loader\(index % 4)"),
                queryType: "insert",
                tablesRead: [TableName(schema: "raw", name: "src_\(index % 4)")], tablesWritten: [table],
                rowsWritten: [RowsWritten(table: table, operation: "insert", rows: Double(index * 7))]))
            recorder.observe(RuleAction(
                warehouse: "redshift", rule: "long_\(index % 2)", action: ["log", "abort", "hop(reassign)"][index % 3],
                attribution: Attribution(context: context, fallbackApp: "etl_group", databaseUser: "loader")))
            recorder.observe(
                StatementTotals(
                    warehouse: "demo", database: "analytics", attribution: Attribution(context: context, databaseUser: "role\(index % 5)"),
                    fingerprint: Fingerprint(UInt64(index % 6) &* 0x9E37_79B9_7F4A_7C15), calls: Double(index), executionSeconds: Double(index) / 8,
                    rows: Double(index * 3)),
                now: Double(index))
            recorder.observeCost(Double(index) / 100, warehouse: "redshift", attribution: Attribution(context: context, fallbackApp: index == 0 ? "idle" : nil))
            recorder.observe(RowsWritten(table: TableName(schema: "public", name: "t\(index % 5)"), operation: "update", rows: Double(index)), warehouse: "demo")
        }
        let states: [ActivitySnapshot.Session.State] = [.running, .queued, .idleInTransaction]
        let applications = ["psql", "", "metabase", "dbt"]
        var sessions: [ActivitySnapshot.Session] = []
        for index in 0..<12 {
            let context = QueryContext(app: index % 4 == 0 ? "looker" : nil, user: index % 5 == 0 ? "ana" : nil)
            let blockers: [String] = index % 3 == 1 ? ["psql", "", "psql"] : []
            sessions.append(ActivitySnapshot.Session(
                state: states[index % 3], attribution: Attribution(context: context, fallbackApp: applications[index % 4], databaseUser: "user\(index % 6)"),
                queue: index % 2 == 0 ? "" : "etl_queue", age: Double(index) * 3.5, blockerApps: blockers))
        }
        recorder.observe(ActivitySnapshot(warehouse: "demo", sessions: sessions))
        recorder.observe(ActivitySnapshot(warehouse: "redshift", sessions: []))

        metrics.up.set(1, ["demo"])
        metrics.up.set(0, ["redshift"])
        metrics.buildInfo.set(1, ["1.2.3", "abc"])
        for collector in ["tables", "query_log"] {
            metrics.collectorSuccess.set(collector == "tables" ? 1 : 0, ["demo", collector])
            metrics.collectorDuration.set(0.25, ["demo", collector])
            metrics.collectorLag.set(1.5, ["demo", collector])
        }
        metrics.stateFileWriteFailures.increment(by: 2, [])
        for (code, seconds) in [("200", 0.003), ("200", 0.02), ("200", 0.3), ("401", 0.07)] {
            metrics.scrapes.increment(by: 1, [code])
            metrics.scrapeDuration.observe(seconds, [code])
        }
        for index in 0..<4 {
            let labels = ["demo", "analytics", index % 2 == 0 ? "raw" : "marts", "table_\(index)"]
            metrics.tableRows.set(Double(index * 1000), labels)
            metrics.tableSizeBytes.set(Double(index * 8192), labels)
            metrics.tableDeadRows.set(Double(index), labels)
            metrics.tableLastModified.set(1_700_000_000 + Double(index), labels)
            metrics.tableLastVacuum.set(1_700_000_100 + Double(index), labels)
            metrics.tableLastAnalyze.set(1_700_000_200 + Double(index), labels)
            metrics.tableUnsortedRatio.set(0.125 * Double(index), labels)
            metrics.tableStatsOffRatio.set(0.25, labels)
            metrics.tableSkewRowsRatio.set(1 + Double(index) / 10, labels)
        }
        metrics.tableRows.remove(["demo", "analytics", "marts", "table_3"])

        let checks = metrics.dataChecks
        for name in ["orders_complete", "profile:raw.orders", "freshness:raw.events"] {
            checks.success.set(name == "orders_complete" ? 0 : 1, ["demo", name])
            checks.duration.set(0.5, ["demo", name])
        }
        checks.passed.set(1, ["demo", "orders_complete"])
        let column = ["demo", "analytics", "raw", "orders", "amount"]
        checks.columnMin.set(0.99, column)
        checks.columnMax.set(199.99, column)
        checks.columnMean.set(100.49, column)
        checks.columnNulls.set(0, column)
        checks.columnDistinct.set(200, column)
        checks.columnChars.set(0, column)
        checks.columnInfo.set(1, column + ["numeric", "lz4"])
        checks.profileRows.set(2000, ["demo", "analytics", "raw", "orders"])
        checks.newestRow.set(1_700_000_300, ["demo", "analytics", "raw", "events"])
        checks.freshnessObjective.set(60, ["demo", "analytics", "raw", "events"])
        checks.value.replace(owner: ["demo", "events_by_kind"], with: [
            (labels: [("check", "events_by_kind"), ("column", "n"), ("kind", "click")], value: 12),
            (labels: [("check", "events_by_kind"), ("column", "n"), ("kind", "page \"view\"")], value: 30),
        ])
        checks.value.replace(owner: ["demo", "gone"], with: [(labels: [("check", "gone"), ("column", "n")], value: 1)])
        checks.value.replace(owner: ["demo", "gone"], with: [])
        return String(decoding: metrics.registry.render(format), as: UTF8.self)
    }
}
