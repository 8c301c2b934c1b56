/// Every metric family the exporter serves, created once per registry and shared by all
/// warehouses and collectors. docs/metrics.md describes each; dashboards and alerts rely on
/// these names and labels.
public struct MetricCatalog: Sendable {
    public let registry: MetricRegistry

    /// 1 when the last connection attempt or health query to the warehouse succeeded, else 0.
    public let up: GaugeFamily
    public let buildInfo: GaugeFamily
    public let collectorSuccess: GaugeFamily
    public let collectorDuration: GaugeFamily
    public let collectorLag: GaugeFamily
    public let stateFileWriteFailures: CounterFamily
    public let tableRows: GaugeFamily
    public let tableSizeBytes: GaugeFamily
    public let tableDeadRows: GaugeFamily
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

    public init(registry: MetricRegistry = MetricRegistry(), labelPolicy: LabelPolicy = LabelPolicy()) {
        self.registry = registry
        queries = QueryRecorder(policy: labelPolicy)
        registry.register(queries)
        up = registry.gaugeFamily(
            "warehouse_up", help: "1 if the last connection attempt or health query to the warehouse succeeded, else 0.",
            labels: ["warehouse"])
        buildInfo = registry.gaugeFamily(
            "warehouse_exporter_build_info", help: "Always 1; labels describe the running exporter build.",
            labels: ["version", "revision"])
        collectorSuccess = registry.gaugeFamily(
            "warehouse_exporter_collector_success", help: "1 if the collector's last run succeeded, else 0.",
            labels: ["warehouse", "collector"])
        collectorDuration = registry.gaugeFamily(
            "warehouse_exporter_collector_duration_seconds", help: "How long the collector's last run took.",
            labels: ["warehouse", "collector"])
        collectorLag = registry.gaugeFamily(
            "warehouse_exporter_collector_lag_seconds",
            help: "Longest time a query counted by the collector's last run waited between finishing and being counted; 0 when it found nothing new.",
            labels: ["warehouse", "collector"])
        stateFileWriteFailures = registry.counterFamily(
            "warehouse_exporter_state_file_write_failures_total",
            help: "Failed writes of the state file; collection goes on, but a restart reads again what was read since the last write.",
            labels: [])
        tableRows = registry.gaugeFamily(
            "warehouse_table_rows", help: "Rows in the table, as the warehouse's statistics estimate them.",
            labels: ["warehouse", "database", "schema", "table"])
        tableSizeBytes = registry.gaugeFamily(
            "warehouse_table_size_bytes", help: "Bytes the table occupies, with its indexes and TOAST data.",
            labels: ["warehouse", "database", "schema", "table"])
        let table = ["warehouse", "database", "schema", "table"]
        tableDeadRows = registry.gaugeFamily(
            "warehouse_table_dead_rows", help: "Rows deleted or updated away but not yet vacuumed.", labels: table)
        tableLastModified = registry.gaugeFamily(
            "warehouse_table_last_modified_timestamp_seconds",
            help: "When rows of the table were last inserted, updated or deleted, as far as the exporter has seen.", labels: table)
        tableLastVacuum = registry.gaugeFamily(
            "warehouse_table_last_vacuum_timestamp_seconds", help: "When the table was last vacuumed, by hand or by autovacuum.", labels: table)
        tableLastAnalyze = registry.gaugeFamily(
            "warehouse_table_last_analyze_timestamp_seconds", help: "When the table's statistics were last gathered.", labels: table)
        tableUnsortedRatio = registry.gaugeFamily(
            "warehouse_table_unsorted_ratio", help: "Share of the table's rows that are not in sort key order (Redshift).", labels: table)
        tableStatsOffRatio = registry.gaugeFamily(
            "warehouse_table_stats_off_ratio", help: "How stale the table's statistics are, 0 current to 1 stale (Redshift).", labels: table)
        tableSkewRowsRatio = registry.gaugeFamily(
            "warehouse_table_skew_rows_ratio",
            help: "Rows on the slice with the most of them over rows on the slice with the fewest (Redshift); 1 is even.", labels: table)
        dataChecks = DataCheckFamilies(registry: registry)
    }
}
