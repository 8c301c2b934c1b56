/// One source of metrics in a PostgreSQL or Redshift warehouse, read through libpq: a system
/// table, a view or a log.
///
/// A collector is run on its own interval by the exporter, with its own connection, and updates
/// the metric families it was given. It throws when it could not collect; the exporter then
/// reports `warehouse_exporter_collector_success 0` for it and carries on with the others.
public protocol Collector: PolledCollector {
    func collect(_ context: CollectionContext) async throws
}
