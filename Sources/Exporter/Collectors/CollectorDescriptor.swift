import Collectors
import QueryMetrics

/// One collector this build has, as the exporter knows it: its name, the warehouse kinds that
/// have it, when it runs, how often, and how to make it from a warehouse's configuration (which is
/// where its options type is filled in). ``CollectorCatalog/descriptors`` lists them all, and
/// every other place asks that list.
struct CollectorDescriptor: Sendable {
    /// When a collector runs on a warehouse whose configuration does not list its collectors.
    enum Enablement: Sendable {
        /// It needs nothing of the server beyond a login.
        case byDefault
        /// Only when listed: it needs something of the server that cannot be assumed.
        case byName
        /// When the configuration gives it something to do: `because` names what, for messages.
        case when(because: String, @Sendable (ExporterConfig.Warehouse) -> Bool)
    }

    typealias Factory = @Sendable (ExporterConfig.Warehouse, MetricCatalog, CollectorCatalog.Shared) -> any PolledCollector

    let name: String
    let kinds: Set<ExporterConfig.Warehouse.Kind>
    let enablement: Enablement
    let interval: Duration
    let make: Factory

    init(
        _ name: String, _ kinds: Set<ExporterConfig.Warehouse.Kind>, _ enablement: Enablement, every interval: Duration,
        make: @escaping Factory
    ) {
        self.name = name
        self.kinds = kinds
        self.enablement = enablement
        self.interval = interval
        self.make = make
    }

    /// Whether it runs on `warehouse` when the configuration does not list collectors.
    func runsUnlisted(on warehouse: ExporterConfig.Warehouse) -> Bool {
        switch enablement {
        case .byDefault: true
        case .byName: false
        case .when(_, let condition): condition(warehouse)
        }
    }
}
