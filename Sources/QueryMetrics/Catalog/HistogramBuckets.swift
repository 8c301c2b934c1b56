/// The buckets of the latency histograms: each family's classic bounds (the defaults, or what the
/// configuration's `histograms.buckets` sets), and whether the duration and queue families keep
/// native buckets for the protobuf format too.
public struct HistogramBuckets: Sendable, Equatable {
    /// What the protobuf format carries of `warehouse_query_duration_seconds` and
    /// `warehouse_query_queue_seconds` (the text formats always carry the classic buckets).
    public enum Mode: String, Sendable, CaseIterable {
        /// The classic buckets only; no native buckets are kept.
        case classic
        /// Native buckets only: a Prometheus with native histograms turned on stores them alone.
        case native
        /// Both, in one message: Prometheus takes the native ones, or the classic ones where
        /// native histograms are off or `scrape_classic_histograms` asks for them.
        case both
    }

    /// From 1 ms, where cached BI lookups sit, to 4 h, where backfills do: roughly logarithmic,
    /// with the SLO marks of dashboards (1 s, 2.5 s, 5 s, 10 s) and of ETL owners (1, 5, 15 min,
    /// 1 h). docs/metrics.md gives the reasons.
    public static let defaultBounds: [Double] = [
        0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600, 14400,
    ]
    /// `warehouse_query_peak_memory_bytes`: 1 MiB to 64 GiB by powers of four, the range from a
    /// lookup to a join that spills; ClickHouse's default `max_memory_usage` (10 GB) falls in the
    /// 16 GiB bucket.
    public static let peakMemoryBounds: [Double] = (0..<9).map { Double(1 << (20 + 2 * $0)) }
    /// The most bounds a family may have: each is a sample of every series.
    public static let maximumCount = 40

    /// `warehouse_query_duration_seconds`.
    public var duration: [Double]
    /// `warehouse_query_queue_seconds`.
    public var queue: [Double]
    /// `warehouse_statement_duration_seconds`.
    public var statement: [Double]
    /// The duration and queue families' buckets in the protobuf format.
    public var mode: Mode

    public init(duration: [Double] = defaultBounds, queue: [Double] = defaultBounds, statement: [Double] = defaultBounds, mode: Mode = .both) {
        self.duration = duration
        self.queue = queue
        self.statement = statement
        self.mode = mode
    }

    /// The families whose bounds can be set, by name.
    public static let families = [MetricFamily.queryDuration.name, MetricFamily.queryQueue.name, MetricFamily.statementDuration.name]

    /// The bounds of the family named `name`, one of ``families``.
    public subscript(family name: String) -> [Double]? {
        get {
            switch name {
            case MetricFamily.queryDuration.name: duration
            case MetricFamily.queryQueue.name: queue
            case MetricFamily.statementDuration.name: statement
            default: nil
            }
        }
        set {
            guard let newValue else { return }
            switch name {
            case MetricFamily.queryDuration.name: duration = newValue
            case MetricFamily.queryQueue.name: queue = newValue
            case MetricFamily.statementDuration.name: statement = newValue
            default: break
            }
        }
    }

    /// What is wrong with `bounds` as a family's bounds, or nil: at least one and at most
    /// ``maximumCount``, each finite and above zero, in increasing order (`+Inf` is always there).
    public static func problem(with bounds: [Double]) -> String? {
        if bounds.isEmpty { return "needs at least one bound" }
        if bounds.count > maximumCount { return "has \(bounds.count) bounds, more than \(maximumCount)" }
        if let bad = bounds.first(where: { !$0.isFinite || $0 <= 0 }) { return "has \(bad), not a finite number of seconds above 0" }
        if let index = bounds.indices.dropFirst().first(where: { bounds[$0] <= bounds[$0 - 1] }) {
            return "is not in increasing order (\(bounds[index - 1]) then \(bounds[index]))"
        }
        return nil
    }
}
