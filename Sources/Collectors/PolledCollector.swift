/// What every collector is, whichever client it reads with: a name and, for those that count
/// finished queries, how late they count them. A collector reads through libpq (``Collector``)
/// or ClickHouse's HTTP interface (``ClickHouseCollector``); the exporter runs either on its own
/// interval and its own connection.
public protocol PolledCollector: Sendable {
    /// The name used in the config, in `--[no-]collector.<name>` and in the `collector` label.
    var name: String { get }

    /// For collectors that count finished queries: the longest any query counted by the last
    /// run waited between finishing on the warehouse and being counted, in seconds (0 when the run
    /// found nothing new). Nil for other collectors, and when the source's times cannot be read.
    var lagSeconds: Double? { get }
}

extension PolledCollector {
    public var lagSeconds: Double? { nil }
}
