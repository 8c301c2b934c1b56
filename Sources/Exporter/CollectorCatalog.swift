import Collectors
import QueryMetrics
import SQLText

/// The collectors this build has, per warehouse kind, and how to make them.
public enum CollectorCatalog {
    /// The health check behind `warehouse_up`; configured like a collector in `intervals`.
    public static let health = "health"

    /// Collector names available for a kind of warehouse, in the order they run.
    public static func available(for kind: ExporterConfig.Warehouse.Kind) -> [String] {
        switch kind {
        case .postgres: ["tables", "activity", "query_log", "statements", "data_checks"]
        case .redshift: ["query_history", "live_queries", "tables", "table_activity", "loads", "qmr", "serverless_cost", "data_checks"]
        }
    }

    /// Collectors that run unless the configuration lists others: those that need nothing of the
    /// server beyond a login (`query_log` needs its directory, and joins when its section is
    /// there; `statements` needs the pg_stat_statements extension, and is listed by name;
    /// `serverless_cost` joins when `query_history.cost` gives an RPU-hour price; `data_checks`
    /// when `profiles`, `freshness` or `checks` give it something to run).
    public static func defaults(for kind: ExporterConfig.Warehouse.Kind) -> [String] {
        available(for: kind).filter { !["query_log", "statements", "serverless_cost", "data_checks"].contains($0) }
    }

    /// Every collector name of every kind, for `--[no-]collector.<name>`.
    public static var allNames: Set<String> {
        Set(ExporterConfig.Warehouse.Kind.allCases.flatMap(available(for:)))
    }

    public static func defaultInterval(for collector: String) -> Duration {
        switch collector {
        // data_checks only looks for checks that are due; each has its own interval.
        case health, "activity", "query_log", "live_queries", "data_checks": .seconds(15)
        case "query_history": .seconds(30)
        default: .seconds(60)
        }
    }

    static func make(_ name: String, for warehouse: ExporterConfig.Warehouse, metrics: MetricCatalog, shared: Shared) -> (any Collector)? {
        switch (warehouse.kind, name) {
        case (.postgres, "tables"):
            PostgresTablesCollector(options: warehouse.tables, metrics: metrics)
        case (.postgres, "activity"):
            PostgresActivityCollector(recorder: metrics.queries, rules: shared.rules)
        case (.postgres, "statements"):
            PostgresStatementsCollector(recorder: metrics.queries, rules: shared.rules)
        case (.redshift, "query_history"):
            RedshiftQueryHistoryCollector(
                options: queryHistoryOptions(warehouse), warehouse: warehouse.name, recorder: metrics.queries, rules: shared.rules,
                state: shared.state)
        case (.redshift, "loads"):
            RedshiftLoadsCollector(
                options: warehouse.queryHistory, warehouse: warehouse.name, recorder: metrics.queries, rules: shared.rules,
                state: shared.state)
        case (.redshift, "table_activity"):
            RedshiftTableActivityCollector(
                options: warehouse.queryHistory, warehouse: warehouse.name, metrics: metrics, rules: shared.rules, state: shared.state)
        case (.redshift, "qmr"):
            RedshiftRuleActionsCollector(
                options: warehouse.queryHistory, warehouse: warehouse.name, recorder: metrics.queries, rules: shared.rules, state: shared.state)
        case (.redshift, "serverless_cost"):
            RedshiftServerlessCostCollector(
                options: warehouse.queryHistory, warehouse: warehouse.name, recorder: metrics.queries, rules: shared.rules, state: shared.state)
        case (.redshift, "tables"):
            RedshiftTablesCollector(options: warehouse.tables, metrics: metrics)
        case (.redshift, "live_queries"):
            RedshiftLiveQueriesCollector(recorder: metrics.queries, rules: shared.rules)
        case (_, "data_checks"):
            DataChecksCollector(options: warehouse.dataChecks, dialect: warehouse.kind == .redshift ? .redshift : .postgres, families: metrics.dataChecks)
        case (.postgres, "query_log"):
            PostgresQueryLogCollector(
                options: warehouse.queryLog, warehouse: warehouse.name, recorder: metrics.queries, rules: shared.rules, state: shared.state)
        default:
            nil
        }
    }

    /// `query_history` takes tables from the text only when `table_activity` does not read them
    /// from the warehouse's records: a table is counted once either way.
    static func queryHistoryOptions(_ warehouse: ExporterConfig.Warehouse) -> RedshiftQueryHistoryCollector.Options {
        var options = warehouse.queryHistory
        options.tablesFromText = !warehouse.collectors.contains("table_activity")
        return options
    }

    /// What collectors of every warehouse share: the annotation rules and the state file.
    struct Shared {
        let rules: AnnotationRules
        let state: StateStore
    }
}
