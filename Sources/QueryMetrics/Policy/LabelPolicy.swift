/// How query metrics keep their label cardinality bounded (the `labels` section of the
/// configuration; docs/metrics.md explains each choice).
public struct LabelPolicy: Sendable, Equatable {
    /// A context label a query metric can carry.
    public enum Dimension: String, Sendable, CaseIterable {
        case app, user, dag, task, dashboard, chart, model
    }

    /// What happens to the `user` label.
    public enum UserMode: String, Sendable, CaseIterable {
        /// As the annotation or the warehouse gives it.
        case keep
        /// Replaced by a keyed hash: stable across restarts and exporters with the same salt,
        /// unreadable without it.
        case hash
        /// Left out.
        case drop
    }

    /// Context labels that are on. `chart` is off by default: per-chart series multiply quickly,
    /// and `dashboard` answers most questions.
    public var dimensions: Set<Dimension> = [.app, .user, .dag, .task, .dashboard, .model]
    /// Distinct values one label of one metric may take; more become `__other__`.
    public var maxValuesPerLabel = 500
    /// Series one metric may hold per exporter; beyond it a new label set is folded into one
    /// `__other__` series.
    public var maxSeriesPerMetric = 20_000
    /// Statements (fingerprints) kept per app/DAG/task in `warehouse_statement_duration_seconds`,
    /// the rest folded into `__other__`.
    public var topStatements = 20
    /// A series not updated for this long is removed. The default covers a daily DAG's gap.
    public var seriesTTL: Duration = .seconds(25 * 3600)
    /// Label values are cut to this many bytes (on a character boundary).
    public var maxLabelLength = 128
    public var user: UserMode = .keep
    /// The key of ``UserMode/hash``; required with it.
    public var userHashSalt: String?

    public init() {}

    /// The value every folded label takes.
    public static let other = "__other__"
}
