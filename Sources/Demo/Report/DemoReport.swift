public import Foundation
import SQLText

/// The demo's terminal report, read from Prometheus: where to look, the slowest apps, the DAG
/// tasks' latencies, the alerts, and the root-cause walk with each step's PromQL.
public struct DemoReport: Sendable {
    public let prometheus: PrometheusAPI
    public let exporter: URL
    public let window: Duration
    /// Statement texts to name a fingerprint by (the workload's own).
    public let statements: [String]
    /// The warehouse the root-cause walk looks at; all of them when nil.
    public let warehouse: String?

    public init(prometheus: PrometheusAPI, exporter: URL, window: Duration, statements: [String] = [], warehouse: String? = nil) {
        self.prometheus = prometheus
        self.exporter = exporter
        self.window = window
        self.statements = statements
        self.warehouse = warehouse
    }

    public func render() async throws -> String {
        var out = """
            == Where to look
              exporter    \(exporter.absoluteString)/   (each warehouse and collector: when it last worked, its last error)
              metrics     \(exporter.absoluteString)/metrics
              Prometheus  \(prometheus.base.absoluteString)/alerts   (alerts/*.rules.yml loaded; /graph to try the queries below)
              Grafana     dashboards/*.json (docker/compose.yml provisions them)

            """
        out += try await ranking(
            "Slowest apps, p95 over 5m", "sort_desc(app:warehouse_query_duration_seconds:p95_5m)", labels: ["warehouse", "app"])
        out += try await ranking(
            "DAG task latencies, p95 over 5m", "sort_desc(dag_task:warehouse_query_duration_seconds:p95_5m)", labels: ["warehouse", "dag", "task"])

        out += try await dataChecks()

        out += "\n== Alerts pending or firing (\(prometheus.base.absoluteString)/api/v1/alerts)\n"
        let alerts = try await prometheus.alerts()
        if alerts.isEmpty { out += "  none: most alerts wait minutes (their `for:`) before they fire\n" }
        for alert in alerts.prefix(10) {
            out += "  \(alert.state.padding(toLength: 8, withPad: " ", startingAt: 0)) \(alert.name): \(alert.summary)\n"
        }

        out += "\n== Root cause: why did a DAG slow down? (now = the last \(RootCauseWalk.range(window)))\n"
        let finding = try await RootCauseWalk(prometheus: prometheus, window: window, warehouse: warehouse).run()
        for (number, step) in finding.steps.enumerated() {
            out += "\(number + 1). \(step.question)\n   \(step.promql)\n   → \(step.answer)\n"
            if !step.queryIDs.isEmpty { out += "   queries (exemplars): \(step.queryIDs.joined(separator: ", "))\n" }
            if number == 1, let fingerprint = finding.fingerprint, let text = text(of: fingerprint) {
                out += "     \(text)\n"
            }
        }
        return out
    }

    /// Each data check's state, and each table's freshness against its objective.
    private func dataChecks() async throws -> String {
        var out = "\n== Data checks: warehouse_check_success, warehouse_check_passed, table:warehouse_table_freshness:age_seconds\n"
        let passed = Dictionary(
            try await prometheus.query("warehouse_check_passed").map { ("\($0["warehouse"])/\($0["check"])", $0.value == 1) },
            uniquingKeysWith: { first, _ in first })
        let checks = try await prometheus.query("warehouse_check_success").sorted { ($0["warehouse"], $0["check"]) < ($1["warehouse"], $1["check"]) }
        if checks.isEmpty { out += "  none configured (docs/data-checks.md)\n" }
        for check in checks {
            let name = "\(check["warehouse"]) / \(check["check"])"
            var state = check.value == 1 ? "ran" : "FAILING (the exporter's log says why)"
            if let passing = passed["\(check["warehouse"])/\(check["check"])"] { state += passing ? ", passing" : ", NOT PASSING" }
            out += "  \(name.padding(toLength: 50, withPad: " ", startingAt: 0)) \(state)\n"
        }
        let objectives = try await prometheus.query("warehouse_table_freshness_objective_seconds")
        for age in try await prometheus.query("table:warehouse_table_freshness:age_seconds") {
            guard let objective = objectives.first(where: { $0["schema"] == age["schema"] && $0["table"] == age["table"] && $0["warehouse"] == age["warehouse"] })
            else { continue }
            let verdict = age.value > objective.value ? "MISSES its objective" : "within its objective"
            out += "  \(age["warehouse"]) / \(age["schema"]).\(age["table"]): newest data \(RootCauseWalk.seconds(age.value)) old, \(verdict) of \(RootCauseWalk.seconds(objective.value))\n"
        }
        return out
    }

    private func ranking(_ title: String, _ promql: String, labels: [String]) async throws -> String {
        var out = "\n== \(title): \(promql)\n"
        let samples = try await prometheus.query(promql).filter { $0.value.isFinite }
        if samples.isEmpty { out += "  no queries in the last 5 minutes\n" }
        for sample in samples.prefix(10) {
            let name = labels.map { sample[$0] }.joined(separator: " / ")
            out += "  \(name.padding(toLength: 50, withPad: " ", startingAt: 0)) \(RootCauseWalk.seconds(sample.value))\n"
        }
        return out
    }

    /// The statement with this fingerprint, without its annotation, on one line.
    private func text(of fingerprint: String) -> String? {
        let analyzer = SQLAnalyzer()
        guard let statement = statements.first(where: { analyzer.analyze($0).fingerprint.description == fingerprint }) else { return nil }
        let body = statement.range(of: "*/").map { String(statement[$0.upperBound...]) } ?? statement
        let line = body.split(whereSeparator: \.isNewline).joined(separator: " ").trimmingCharacters(in: .whitespaces)
        return line.count > 110 ? line.prefix(107) + "..." : line
    }
}
