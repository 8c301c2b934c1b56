import Collectors
import QueryMetrics

/// The collectors this build has, per warehouse kind, and how to make them.
public enum CollectorCatalog {
    /// The health check behind `warehouse_up`; configured like a collector in `intervals`.
    public static let health = "health"

    /// Collector names available for a kind of warehouse, in the order they run.
    public static func available(for kind: ExporterConfig.Warehouse.Kind) -> [String] {
        switch kind {
        case .postgres: ["tables"]
        case .redshift: []
        }
    }

    /// Every collector name of every kind, for `--[no-]collector.<name>`.
    public static var allNames: Set<String> {
        Set(ExporterConfig.Warehouse.Kind.allCases.flatMap(available(for:)))
    }

    public static func defaultInterval(for collector: String) -> Duration {
        switch collector {
        case health: .seconds(15)
        default: .seconds(60)
        }
    }

    static func make(_ name: String, for warehouse: ExporterConfig.Warehouse, metrics: MetricCatalog) -> (any Collector)? {
        switch (warehouse.kind, name) {
        case (.postgres, "tables"): PostgresTablesCollector(options: warehouse.tables, metrics: metrics)
        default: nil
        }
    }
}
