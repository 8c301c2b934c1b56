/// One source of metrics in a ClickHouse server, read through its HTTP interface: a system table.
/// Run as a libpq ``Collector`` is: its own interval, its own connection, and a thrown error makes
/// it fail alone.
public protocol ClickHouseCollector: PolledCollector {
    func collect(_ context: ClickHouseContext) async throws
}
