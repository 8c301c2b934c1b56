import Collectors
import WarehouseClient
import QueryMetrics
import SQLText

/// The collectors this build has: one descriptor each, in the order they run. Which collectors
/// exist for a kind, which run by default, their intervals, the names `--[no-]collector.<name>`
/// accepts and how each is made all come from ``descriptors``; adding a collector is its own file,
/// its options and one entry here.
public enum CollectorCatalog {
    /// The health check behind `warehouse_up`; configured like a collector in `intervals`.
    public static let health = "health"
    static let healthInterval: Duration = .seconds(15)

    static let descriptors: [CollectorDescriptor] = [
        .init("query_history", [.redshift], .byDefault, every: .seconds(30)) { warehouse, metrics, shared in
            let options = RedshiftQueryHistoryCollector.Options(
                window: warehouse.queryHistory.window, dollarsPerHour: warehouse.queryHistory.dollarsPerHour,
                // Tables come from the text only when table_activity does not read them from the
                // warehouse's records: a table is counted once either way.
                tablesFromText: !warehouse.collectors.contains("table_activity"))
            return RedshiftQueryHistoryCollector(
                options: options, warehouse: warehouse.name, recorder: metrics.queries, rules: shared.rules, state: shared.state)
        },
        .init("live_queries", [.redshift], .byDefault, every: .seconds(15)) { _, metrics, shared in
            RedshiftLiveQueriesCollector(recorder: metrics.queries, rules: shared.rules)
        },
        .init("tables", [.postgres, .redshift, .clickhouse], .byDefault, every: .seconds(60)) { warehouse, metrics, _ in
            let tables = warehouse.tables
            return switch warehouse.kind {
            case .redshift:
                RedshiftTablesCollector(
                    options: .init(
                        includeSchemas: tables.includeSchemas, excludeSchemas: tables.excludeSchemas, maxTables: tables.maxTables,
                        databases: tables.databases),
                    metrics: metrics)
            case .postgres:
                PostgresTablesCollector(
                    options: .init(
                        includeSchemas: tables.includeSchemas, excludeSchemas: tables.excludeSchemas, maxTables: tables.maxTables,
                        databases: tables.databases),
                    metrics: metrics)
            case .clickhouse:
                ClickHouseTablesCollector(
                    options: .init(includeSchemas: tables.includeSchemas, excludeSchemas: tables.excludeSchemas, maxTables: tables.maxTables),
                    metrics: metrics)
            }
        },
        .init("activity", [.postgres], .byDefault, every: .seconds(15)) { _, metrics, shared in
            PostgresActivityCollector(recorder: metrics.queries, rules: shared.rules)
        },
        .init("activity", [.clickhouse], .byDefault, every: .seconds(15)) { warehouse, metrics, shared in
            ClickHouseActivityCollector(recorder: metrics.queries, rules: shared.rules, cluster: warehouse.cluster)
        },
        .init("query_log", [.postgres], .when(because: "query_log") { $0.queryLog.directory != nil }, every: .seconds(15)) {
            warehouse, metrics, shared in
            PostgresQueryLogCollector(
                options: warehouse.queryLog, warehouse: warehouse.name, recorder: metrics.queries, rules: shared.rules, state: shared.state)
        },
        .init("query_log", [.clickhouse], .byDefault, every: .seconds(15)) { warehouse, metrics, shared in
            ClickHouseQueryLogCollector(
                options: .init(window: warehouse.queryHistory.window, dollarsPerHour: warehouse.queryHistory.dollarsPerHour, cluster: warehouse.cluster),
                warehouse: warehouse.name, recorder: metrics.queries, rules: shared.rules,
                state: shared.state)
        },
        // Needs the pg_stat_statements extension.
        .init("statements", [.postgres], .byName, every: .seconds(60)) { _, metrics, shared in
            PostgresStatementsCollector(recorder: metrics.queries, rules: shared.rules)
        },
        .init("table_activity", [.redshift], .byDefault, every: .seconds(60)) { warehouse, metrics, shared in
            RedshiftTableActivityCollector(
                window: warehouse.queryHistory.window, warehouse: warehouse.name, metrics: metrics, rules: shared.rules, state: shared.state)
        },
        .init("loads", [.redshift], .byDefault, every: .seconds(60)) { warehouse, metrics, shared in
            RedshiftLoadsCollector(
                window: warehouse.queryHistory.window, warehouse: warehouse.name, recorder: metrics.queries, rules: shared.rules, state: shared.state)
        },
        .init("qmr", [.redshift], .byDefault, every: .seconds(60)) { warehouse, metrics, shared in
            RedshiftRuleActionsCollector(
                window: warehouse.queryHistory.window, warehouse: warehouse.name, recorder: metrics.queries, rules: shared.rules, state: shared.state)
        },
        .init(
            "serverless_cost", [.redshift], .when(because: "query_history.cost.dollars_per_rpu_hour") { $0.queryHistory.dollarsPerRPUHour != nil },
            every: .seconds(60)
        ) { warehouse, metrics, shared in
            RedshiftServerlessCostCollector(
                options: .init(dollarsPerRPUHour: warehouse.queryHistory.dollarsPerRPUHour ?? 0), warehouse: warehouse.name,
                recorder: metrics.queries, rules: shared.rules, state: shared.state)
        },
        // Only looks for checks that are due; each has its own interval.
        .init(
            "data_checks", [.postgres, .redshift, .clickhouse], .when(because: "profiles, freshness or checks") { !$0.dataChecks.isEmpty },
            every: .seconds(15)
        ) { warehouse, metrics, _ in
            let dialect: DataCheckDialect = switch warehouse.kind {
            case .postgres: .postgres
            case .redshift: .redshift
            case .clickhouse: .clickhouse
            }
            return DataChecksCollector(options: warehouse.dataChecks, dialect: dialect, families: metrics.dataChecks)
        },
    ]

    /// The collector `name` of `kind`: kinds may each have their own collector of one name.
    static func descriptor(_ name: String, of kind: ExporterConfig.Warehouse.Kind? = nil) -> CollectorDescriptor? {
        descriptors.first { $0.name == name && (kind.map($0.kinds.contains) ?? true) }
    }

    /// Collector names available for a kind of warehouse, in the order they run.
    public static func available(for kind: ExporterConfig.Warehouse.Kind) -> [String] {
        descriptors.filter { $0.kinds.contains(kind) }.map(\.name)
    }

    /// The collectors that run on `warehouse` when its configuration does not list them.
    public static func unlisted(for warehouse: ExporterConfig.Warehouse) -> [String] {
        descriptors.filter { $0.kinds.contains(warehouse.kind) && $0.runsUnlisted(on: warehouse) }.map(\.name)
    }

    /// Every collector name of every kind, for `--[no-]collector.<name>`.
    public static var allNames: Set<String> {
        Set(descriptors.map(\.name))
    }

    /// One line per collector, for `--help`: its name, kinds, when it runs and its interval.
    public static var summary: [String] {
        let width = descriptors.map(\.name.count).max() ?? 0
        return descriptors.map { descriptor in
            let kinds = ExporterConfig.Warehouse.Kind.allCases.filter(descriptor.kinds.contains).map(\.rawValue).joined(separator: ", ")
            let when = switch descriptor.enablement {
            case .byDefault: "on by default"
            case .byName: "when listed"
            case .when(let because, _): "with \(because)"
            }
            let padding = String(repeating: " ", count: width - descriptor.name.count)
            return "\(descriptor.name)\(padding)  \(kinds); \(when); every \(descriptor.interval.components.seconds)s"
        }
    }

    public static func defaultInterval(for collector: String) -> Duration {
        descriptor(collector)?.interval ?? healthInterval
    }

    static func make(_ name: String, for warehouse: ExporterConfig.Warehouse, metrics: MetricCatalog, shared: Shared) -> (any PolledCollector)? {
        guard let descriptor = descriptor(name, of: warehouse.kind) else { return nil }
        return descriptor.make(warehouse, metrics, shared)
    }

    /// What collectors of every warehouse share: the annotation rules, the state file and the
    /// exporter's sessions.
    struct Shared {
        let rules: AnnotationRules
        let state: StateStore
        var sessions = SessionRegistry()
    }
}
