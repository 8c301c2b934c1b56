import Foundation

/// The seed talk's five whys, as PromQL over the exporter's metrics: which DAG task slowed down,
/// which of its statements, which table that task reads grew, which writer filled it, and who
/// that was. Each step's answer picks the labels of the next step's query.
///
/// `window` is how far back "now" reaches: now is the last `window`, before is the `window`
/// before that, and a table's growth and its writers are looked for over twice the window. In
/// production a window of an hour or a day fits; the demo's incident is a minute old.
public struct RootCauseWalk: Sendable {
    /// One step: the question, the PromQL that answers it, and the answer.
    public struct Step: Sendable {
        public var question: String
        public var promql: String
        public var answer: String
        /// The warehouse's ids of the executions behind the answer, from the exemplars Prometheus
        /// stored, the slowest or largest first; empty without exemplar storage.
        public var queryIDs: [String] = []
    }

    /// What the walk found; a step that found nothing leaves its fields and the later ones nil.
    public struct Finding: Sendable {
        public var steps: [Step] = []
        public var warehouse: String?
        public var dag: String?
        public var task: String?
        public var fingerprint: String?
        public var schema: String?
        public var table: String?
        /// The writer's labels of the query histogram: app, user, dag, task (the empty ones left out).
        public var writer: [String: String]?
        /// The chart (a Redash query, a Metabase card) behind the write, when the writer is a BI tool.
        public var chart: String?
    }

    public let prometheus: PrometheusAPI
    public let window: Duration
    /// The warehouse to walk; every warehouse's DAG tasks compete in step 1 when nil.
    public let warehouse: String?

    public init(prometheus: PrometheusAPI, window: Duration, warehouse: String? = nil) {
        self.prometheus = prometheus
        self.window = window
        self.warehouse = warehouse
    }

    public func run() async throws -> Finding {
        var finding = Finding()
        let w = Self.range(window), w2 = Self.range(window * 2)

        // 1. The DAG task whose mean latency grew the most since the window before. Ranked by the
        // time added, not the ratio: a 1 ms statement at 4 ms is noise next to a 10 s one at 3 min.
        let dags = ([#"dag!="""#] + (warehouse.map { [Self.matcher("warehouse", $0)] } ?? [])).joined(separator: ", ")
        let step1 = "topk(1, \(meanGrowth(by: "warehouse, dag, task", of: "warehouse_query_duration_seconds", dags, w)))"
        guard let slow = try await prometheus.query(step1).first(where: { $0.value.isFinite && $0.value > 0 }) else {
            finding.steps.append(Step(question: "Which DAG task slowed down?", promql: step1, answer: "no DAG task ran slower in the last \(w) than in the \(w) before"))
            return finding
        }
        let warehouse = Self.matcher("warehouse", slow["warehouse"])
        let taskMatchers = [warehouse, Self.matcher("dag", slow["dag"]), Self.matcher("task", slow["task"])].joined(separator: ", ")
        let (now, before) = try await means(of: "warehouse_query_duration_seconds", taskMatchers, w)
        finding.warehouse = slow["warehouse"]
        finding.dag = slow["dag"]
        finding.task = slow["task"]
        finding.steps.append(Step(
            question: "Which DAG task slowed down?", promql: step1,
            answer: "DAG \(slow["dag"]), task \(slow["task"]): \(Self.seconds(now)) per statement, \(Self.times(now / before)) the \(w) before"))

        // 2. The task's statement, by fingerprint, that grew the most the same way.
        let step2 = "topk(1, \(meanGrowth(by: "fingerprint", of: "warehouse_statement_duration_seconds", taskMatchers, w)))"
        guard let statement = try await prometheus.query(step2).first(where: { $0.value.isFinite && $0.value > 0 }) else {
            finding.steps.append(Step(question: "Which statement of the task slowed down?", promql: step2, answer: "no statement of the task ran slower in the last \(w)"))
            return finding
        }
        finding.fingerprint = statement["fingerprint"]
        let statementMatchers = taskMatchers + ", " + Self.matcher("fingerprint", statement["fingerprint"])
        let (statementNow, statementBefore) = try await means(of: "warehouse_statement_duration_seconds", statementMatchers, w)
        finding.steps.append(Step(
            question: "Which statement of the task slowed down?", promql: step2,
            answer: "statement \(statement["fingerprint"]): \(Self.seconds(statementNow)), \(Self.times(statementNow / statementBefore)) the \(w) before",
            queryIDs: await queryIDs("warehouse_statement_duration_seconds_bucket{\(statementMatchers)}", lastSeconds: window.seconds)))

        // 3. Of the tables the task reads, the one that grew the most: rows now against the least
        // rows over twice the window.
        let step3 = """
            topk(1, (max by (warehouse, schema, table) (warehouse_table_rows{\(warehouse)}) / max by (warehouse, schema, table) (min_over_time(warehouse_table_rows{\(warehouse)}[\(w2)]))) \
            and on (warehouse, schema, table) sum by (warehouse, schema, table) (\(Self.happened("warehouse_table_reads_total{\(taskMatchers)}", w2))))
            """
        guard let table = try await prometheus.query(step3).first(where: { $0.value > 1 }) else {
            finding.steps.append(Step(question: "Which table that the task reads grew?", promql: step3, answer: "none of the tables the task reads grew"))
            return finding
        }
        let tableMatchers = [warehouse, Self.matcher("schema", table["schema"]), Self.matcher("table", table["table"])].joined(separator: ", ")
        let rows = try await prometheus.query("max(warehouse_table_rows{\(tableMatchers)})").first?.value ?? .nan
        finding.schema = table["schema"]
        finding.table = table["table"]
        finding.steps.append(Step(
            question: "Which table that the task reads grew?", promql: step3,
            answer: "\(table["schema"]).\(table["table"]): \(Self.count(rows)) rows, \(Self.times(table.value)) what it held \(w2) ago"))

        // 4. The writers of that table in the same span, by the time they spent in writing
        // statements (PostgreSQL does not say how many rows a statement wrote; time tells the
        // backfill from the DAG's small appends).
        let writes = "warehouse_table_writes_total{\(tableMatchers)}"
        let writing = "warehouse_query_duration_seconds_sum{\(warehouse), query_type!=\"select\"}"
        let step4 = """
            sort_desc(sum by (app, user, dag, task) (\(Self.happened(writing, w2))) \
            and on (app, user, dag, task) sum by (app, user, dag, task) (\(Self.happened(writes, w2))))
            """
        guard let writer = try await prometheus.query(step4).first else {
            finding.steps.append(Step(question: "Which query wrote the table while it grew?", promql: step4, answer: "nothing wrote the table"))
            return finding
        }
        let writerLabels = writer.labels.filter { ["app", "user", "dag", "task"].contains($0.key) && !$0.value.isEmpty }
        finding.writer = writerLabels
        // 5. The writer's own annotation: the person and the chart or task behind it.
        let writerMatchers = ([tableMatchers] + ["app", "user", "dag", "task"].map { Self.matcher($0, writer[$0]) }).joined(separator: ", ")
        finding.steps.append(Step(
            question: "Which query wrote the table while it grew?", promql: step4,
            answer: "\(Self.describe(writerLabels)): \(Self.seconds(writer.value)) in writing statements",
            queryIDs: await queryIDs("warehouse_table_writes_total{\(writerMatchers)}", lastSeconds: (window * 2).seconds)))

        let step5 = "topk(1, sum by (app, user, dag, task, chart) (\(Self.happened("warehouse_table_writes_total{\(writerMatchers)}", w2))))"
        let who = try await prometheus.query(step5).first
        finding.chart = who.flatMap { $0["chart"].isEmpty ? nil : $0["chart"] }
        var answer = writerLabels["user"].map { "run by \($0)" } ?? "run by an unnamed user"
        answer += " via \(writerLabels["app"] ?? "an unnamed app")"
        if let chart = finding.chart { answer += ", query \(chart)" }
        if let dag = writerLabels["dag"] { answer += ", DAG \(dag) task \(writerLabels["task"] ?? "")" }
        finding.steps.append(Step(question: "Who ran it?", promql: step5, answer: answer + ": go ask them"))
        return finding
    }

    /// The query ids of the exemplars of `series` (the slowest or largest first, at most five);
    /// none when Prometheus stores no exemplars or cannot say.
    private func queryIDs(_ series: String, lastSeconds seconds: Double) async -> [String] {
        var ids: [String] = []
        for exemplar in (try? await prometheus.exemplars(series, lastSeconds: seconds)) ?? [] {
            if let id = exemplar.labels["query_id"], !ids.contains(id) { ids.append(id) }
        }
        return Array(ids.prefix(5))
    }

    // MARK: - PromQL

    /// Mean per `by` over the last `w`, less the mean of the `w` before it: the seconds each
    /// execution gained.
    private func meanGrowth(by: String, of histogram: String, _ matchers: String, _ w: String) -> String {
        "(\(Self.mean(by: by, of: histogram, matchers, w))) - (\(Self.mean(by: by, of: histogram, matchers, w, offset: w)))"
    }

    private static func mean(by: String, of histogram: String, _ matchers: String, _ w: String, offset: String? = nil) -> String {
        let offset = offset.map { " offset \($0)" } ?? ""
        return "sum by (\(by)) (rate(\(histogram)_sum{\(matchers)}[\(w)]\(offset))) / sum by (\(by)) (rate(\(histogram)_count{\(matchers)}[\(w)]\(offset)))"
    }

    /// The mean over the last `w` and over the `w` before it.
    private func means(of histogram: String, _ matchers: String, _ w: String) async throws -> (now: Double, before: Double) {
        async let now = prometheus.query(Self.mean(by: "", of: histogram, matchers, w)).first?.value
        async let before = prometheus.query(Self.mean(by: "", of: histogram, matchers, w, offset: w)).first?.value
        return try await (now ?? .nan, before ?? .nan)
    }

    /// How much a counter grew over `w`, counting a series born inside the window from zero:
    /// `increase()` alone misses a series' first observation, which for a one-off backfill is
    /// all of it. The born series come first, as `or` keeps its left side's series. A
    /// high-availability pair's two exporters serve every series twice, alike but for `instance`
    /// (and `pod`): the largest of the two counts, so that a sum over it counts the pair once.
    public static func happened(_ counter: String, _ w: String) -> String {
        "max without (instance, pod) ((\(counter) unless \(counter) offset \(w)) or increase(\(counter)[\(w)]))"
    }

    /// `name="value"`, with the value escaped for PromQL (label values are the user's text).
    static func matcher(_ name: String, _ value: String) -> String {
        let escaped = value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "\n", with: "\\n")
        return "\(name)=\"\(escaped)\""
    }

    /// A PromQL range of whole seconds (at least one): `30s`.
    public static func range(_ duration: Duration) -> String {
        "\(max(duration.components.seconds, 1))s"
    }

    // MARK: - Answers

    static func describe(_ labels: [String: String]) -> String {
        ["app", "user", "dag", "task"].compactMap { key in labels[key].map { "\(key) \($0)" } }.joined(separator: ", ")
    }

    static func seconds(_ value: Double) -> String {
        guard value.isFinite else { return "n/a" }
        return value < 1 ? String(format: "%.0f ms", value * 1_000) : String(format: "%.2f s", value)
    }

    static func times(_ ratio: Double) -> String {
        guard ratio.isFinite else { return "new since" }
        return ratio >= 10 ? String(format: "%.0f×", ratio) : String(format: "%.1f×", ratio)
    }

    static func count(_ value: Double) -> String {
        guard value.isFinite else { return "n/a" }
        return Int(value).formatted(.number)
    }
}
