/// The handles of every metric family the exporter serves, created once per registry and shared
/// by all warehouses and collectors. The families themselves are declared in
/// `MetricFamily+Catalog.swift`.
public struct MetricCatalog: Sendable {
    public let registry: MetricRegistry

    /// 1 when the last connection attempt or health query to the warehouse succeeded, else 0.
    public let up: GaugeFamily
    public let buildInfo: GaugeFamily
    public let collectorSuccess: GaugeFamily
    public let collectorDuration: GaugeFamily
    public let collectorLag: GaugeFamily
    public let collectorLastSuccess: GaugeFamily
    public let stateFileWriteFailures: CounterFamily
    public let configReloadSuccessful: GaugeFamily
    public let configReloadSuccessTimestamp: GaugeFamily
    /// Scrapes of the telemetry path by the HTTP status code they were answered with.
    public let scrapes: CounterFamily
    public let scrapesInFlight: GaugeFamily
    public let scrapeDuration: HistogramFamily
    public let tableRows: GaugeFamily
    public let tableSizeBytes: GaugeFamily
    public let tableDeadRows: GaugeFamily
    public let tableParts: GaugeFamily
    public let tableMutationsPending: GaugeFamily
    public let tableMutationsFailing: GaugeFamily
    public let tableLastModified: GaugeFamily
    public let tableLastVacuum: GaugeFamily
    public let tableLastAnalyze: GaugeFamily
    public let tableUnsortedRatio: GaugeFamily
    public let tableStatsOffRatio: GaugeFamily
    public let tableSkewRowsRatio: GaugeFamily
    /// Query latency, queueing, statement, execution and cost families, under the label policy.
    public let queries: QueryRecorder
    /// Column profiles, freshness by content and custom checks.
    public let dataChecks: DataCheckFamilies

    /// Upper bounds of ``scrapeDuration``, in seconds: client_golang's default buckets, which span
    /// a small page's few milliseconds to a timed-out scrape.
    public static let scrapeBuckets: [Double] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]

    /// - Parameter process: reads the exporter process (CPU, memory, file descriptors, start time)
    ///   at each rendering; without it the `process_*` families are not served.
    public init(
        registry: MetricRegistry = MetricRegistry(), labelPolicy: LabelPolicy = LabelPolicy(), buckets: HistogramBuckets = HistogramBuckets(),
        process: (@Sendable () -> ProcessFamilies.Sample)? = nil
    ) {
        self.registry = registry
        up = registry.gauge(.up)
        buildInfo = registry.gauge(.buildInfo)
        collectorSuccess = registry.gauge(.collectorSuccess)
        collectorDuration = registry.gauge(.collectorDuration)
        collectorLastSuccess = registry.gauge(.collectorLastSuccess)
        collectorLag = registry.gauge(.collectorLag)
        stateFileWriteFailures = registry.counter(.stateFileWriteFailures)
        configReloadSuccessful = registry.gauge(.configReloadSuccessful)
        configReloadSuccessTimestamp = registry.gauge(.configReloadSuccessTimestamp)
        registry.process(read: process)
        scrapesInFlight = registry.gauge(.scrapesInFlight)
        scrapesInFlight.set(0, [])
        scrapes = registry.counter(.scrapes)
        // As promhttp does: the codes a scrape most likely gets are served from the start, so a
        // rate over them has a first sample to start from.
        for code in ["200", "500", "503"] { scrapes.increment(by: 0, [code]) }
        scrapeDuration = registry.histogram(.scrapeDuration, bounds: Self.scrapeBuckets)
        tableRows = registry.gauge(.tableRows)
        tableSizeBytes = registry.gauge(.tableSizeBytes)
        tableDeadRows = registry.gauge(.tableDeadRows)
        tableParts = registry.gauge(.tableParts)
        tableMutationsPending = registry.gauge(.tableMutationsPending)
        tableMutationsFailing = registry.gauge(.tableMutationsFailing)
        tableLastModified = registry.gauge(.tableLastModified)
        tableLastVacuum = registry.gauge(.tableLastVacuum)
        tableLastAnalyze = registry.gauge(.tableLastAnalyze)
        tableUnsortedRatio = registry.gauge(.tableUnsortedRatio)
        tableStatsOffRatio = registry.gauge(.tableStatsOffRatio)
        tableSkewRowsRatio = registry.gauge(.tableSkewRowsRatio)
        queries = QueryRecorder(policy: labelPolicy, buckets: buckets)
        registry.register(queries)
        dataChecks = DataCheckFamilies(registry: registry)
    }

    /// Drops what a collector's runs report of it (success, duration, last success, lag), for a
    /// collector switched off: it would otherwise keep its last values, and alerts, for good.
    public func removeCollectorSeries(warehouse: String, collector: String) {
        for family in [collectorSuccess, collectorDuration, collectorLastSuccess, collectorLag] {
            family.remove([warehouse, collector])
        }
    }
}
