/// One source of metrics in a warehouse: a system table, a view or a log.
///
/// A collector is run on its own interval by the exporter, with its own connection, and updates
/// the metric families it was given. It throws when it could not collect; the exporter then
/// reports `warehouse_exporter_collector_success 0` for it and carries on with the others.
public protocol Collector: Sendable {
    /// The name used in the config, in `--[no-]collector.<name>` and in the `collector` label.
    var name: String { get }

    func collect(_ context: CollectionContext) async throws

    /// For collectors that count finished queries: the longest any query counted by the last
    /// run waited between finishing on the warehouse and being counted, in seconds (0 when the run
    /// found nothing new). Nil for other collectors, and when the source's times cannot be read.
    var lagSeconds: Double? { get }
}

extension Collector {
    public var lagSeconds: Double? { nil }
}
