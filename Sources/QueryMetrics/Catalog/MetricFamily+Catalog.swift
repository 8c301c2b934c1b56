/// Every family the exporter serves, in the order `/metrics` renders them. docs/metrics.md describes
/// each; dashboards and alerts rely on these names and labels, so a name changes only with a reason
/// written there.
extension MetricFamily {
    /// The context dimensions of the query families, in label order.
    static let allContext: [LabelPolicy.Dimension] = [.app, .user, .dag, .task, .dashboard, .chart, .model]
    static let table = ["warehouse", "database", "schema", "table"]
    static let column = table + ["column"]
    static let collector = ["warehouse", "collector"]
    static let check = ["warehouse", "check"]

    // MARK: The exporter

    public static let up = MetricFamily(
        "warehouse_up", .gauge, help: "1 if the last connection attempt or health query to the warehouse succeeded, else 0.",
        labels: ["warehouse"])
    public static let buildInfo = MetricFamily(
        "warehouse_exporter_build_info", .gauge, help: "Always 1; labels describe the running exporter build.", labels: ["version", "revision"])
    public static let collectorSuccess = MetricFamily(
        "warehouse_exporter_collector_success", .gauge, help: "1 if the collector's last run succeeded, else 0.", labels: collector)
    public static let collectorDuration = MetricFamily(
        "warehouse_exporter_collector_duration_seconds", .gauge, help: "How long the collector's last run took.", labels: collector)
    public static let collectorLastSuccess = MetricFamily(
        "warehouse_exporter_collector_last_success_timestamp_seconds", .gauge,
        help: "When the collector's last successful run ended, in seconds since the epoch: the age of what it reported.", labels: collector)
    public static let collectorLag = MetricFamily(
        "warehouse_exporter_collector_lag_seconds", .gauge,
        help: "Longest time a query counted by the collector's last run waited between finishing and being counted; 0 when it found nothing new.",
        labels: collector)
    public static let stateFileWriteFailures = MetricFamily(
        "warehouse_exporter_state_file_write_failures_total", .counter,
        help: "Failed writes of the state file; collection goes on, but a restart reads again what was read since the last write.")
    // Named as Prometheus and Alertmanager name theirs, so the alerts people already have for a
    // failed reload read the same.
    public static let configReloadSuccessful = MetricFamily(
        "warehouse_exporter_config_last_reload_successful", .gauge,
        help: "1 if the last reading of the configuration file (at start or at a reload) succeeded, else 0: the previous one is still running.")
    public static let configReloadSuccessTimestamp = MetricFamily(
        "warehouse_exporter_config_last_reload_success_timestamp_seconds", .gauge,
        help: "When the configuration running now was read, in seconds since the epoch.")

    // MARK: The process and its scrapes (ProcessFamilies; the names, types and help of client_golang's
    // process collector and promhttp, which every exporter serves and dashboards expect)

    public static let processCPU = MetricFamily(
        "process_cpu_seconds_total", .counter, help: "Total user and system CPU time spent in seconds.")
    public static let processResidentMemory = MetricFamily(
        "process_resident_memory_bytes", .gauge, help: "Resident memory size in bytes.")
    public static let processVirtualMemory = MetricFamily(
        "process_virtual_memory_bytes", .gauge, help: "Virtual memory size in bytes.")
    public static let processVirtualMemoryMax = MetricFamily(
        "process_virtual_memory_max_bytes", .gauge, help: "Maximum amount of virtual memory available in bytes.")
    public static let processOpenFDs = MetricFamily(
        "process_open_fds", .gauge, help: "Number of open file descriptors.")
    public static let processMaxFDs = MetricFamily(
        "process_max_fds", .gauge, help: "Maximum number of open file descriptors.")
    public static let processStartTime = MetricFamily(
        "process_start_time_seconds", .gauge, help: "Start time of the process since unix epoch in seconds.")
    public static let scrapesInFlight = MetricFamily(
        "promhttp_metric_handler_requests_in_flight", .gauge, help: "Current number of scrapes being served.")
    public static let scrapes = MetricFamily(
        "promhttp_metric_handler_requests_total", .counter, help: "Total number of scrapes by HTTP status code.", labels: ["code"])
    public static let scrapeDuration = MetricFamily(
        "warehouse_exporter_scrape_duration_seconds", .histogram,
        help: "Time from a scrape's arrival to its answer being ready (the body's transfer not included), by HTTP status code.",
        labels: ["code"])

    // MARK: Tables

    public static let tableRows = MetricFamily(
        "warehouse_table_rows", .gauge, help: "Rows in the table, as the warehouse's statistics estimate them.", labels: table)
    public static let tableSizeBytes = MetricFamily(
        "warehouse_table_size_bytes", .gauge, help: "Bytes the table occupies, with its indexes and TOAST data.", labels: table)
    public static let tableDeadRows = MetricFamily(
        "warehouse_table_dead_rows", .gauge, help: "Rows deleted or updated away but not yet vacuumed.", labels: table)
    public static let tableParts = MetricFamily(
        "warehouse_table_parts", .gauge,
        help: "Active data parts in the fullest partition of a ClickHouse MergeTree table; inserts into a partition fail past parts_to_throw_insert.",
        labels: table)
    public static let tableMutationsPending = MetricFamily(
        "warehouse_table_mutations_pending", .gauge,
        help: "Mutations (ALTER TABLE … UPDATE or DELETE) of a ClickHouse MergeTree table not yet applied to every part.", labels: table)
    public static let tableMutationsFailing = MetricFamily(
        "warehouse_table_mutations_failing", .gauge,
        help: "Pending mutations of a ClickHouse MergeTree table whose last attempt failed; they block the mutations after them.", labels: table)
    public static let tableLastModified = MetricFamily(
        "warehouse_table_last_modified_timestamp_seconds", .gauge,
        help: "When rows of the table were last inserted, updated or deleted, as far as the exporter has seen.", labels: table)
    public static let tableLastVacuum = MetricFamily(
        "warehouse_table_last_vacuum_timestamp_seconds", .gauge, help: "When the table was last vacuumed, by hand or by autovacuum.",
        labels: table)
    public static let tableLastAnalyze = MetricFamily(
        "warehouse_table_last_analyze_timestamp_seconds", .gauge, help: "When the table's statistics were last gathered.", labels: table)
    public static let tableUnsortedRatio = MetricFamily(
        "warehouse_table_unsorted_ratio", .gauge, help: "Share of the table's rows that are not in sort key order (Redshift).", labels: table)
    public static let tableStatsOffRatio = MetricFamily(
        "warehouse_table_stats_off_ratio", .gauge, help: "How stale the table's statistics are, 0 current to 1 stale (Redshift).",
        labels: table)
    public static let tableSkewRowsRatio = MetricFamily(
        "warehouse_table_skew_rows_ratio", .gauge,
        help: "Rows on the slice with the most of them over rows on the slice with the fewest (Redshift); 1 is even.", labels: table)

    // MARK: Data checks

    public static let checkSuccess = MetricFamily(
        "warehouse_check_success", .gauge, help: "1 if the data check's last run completed, else 0.", labels: check)
    public static let checkDuration = MetricFamily(
        "warehouse_check_duration_seconds", .gauge, help: "How long the data check's last run took.", labels: check)
    public static let checkPassed = MetricFamily(
        "warehouse_check_passed", .gauge, help: "1 if the data met the built-in check's condition at its last run, else 0.", labels: check)
    public static let columnMin = MetricFamily(
        "warehouse_column_min", .gauge, help: "Smallest value of the column (timestamps and dates in Unix seconds).", labels: column)
    public static let columnMax = MetricFamily(
        "warehouse_column_max", .gauge, help: "Largest value of the column (timestamps and dates in Unix seconds).", labels: column)
    public static let columnMean = MetricFamily(
        "warehouse_column_mean", .gauge, help: "Mean of the column's values (for a boolean column, the share that is true).", labels: column)
    public static let columnNulls = MetricFamily(
        "warehouse_column_nulls", .gauge, help: "Rows whose value of the column is NULL.", labels: column)
    public static let columnDistinct = MetricFamily(
        "warehouse_column_distinct_values", .gauge, help: "Distinct non-NULL values of the column (approximate where configured).",
        labels: column)
    public static let columnChars = MetricFamily(
        "warehouse_column_chars", .gauge, help: "Total characters of the string column's values.", labels: column)
    public static let columnInfo = MetricFamily(
        "warehouse_column_info", .gauge, help: "Always 1; labels give the profiled column's type and compression encoding.",
        labels: column + ["type", "encoding"])
    public static let profileRows = MetricFamily(
        "warehouse_column_profile_rows", .gauge, help: "Rows the table's last column profile read (the sample's, when sampled).",
        labels: table)
    public static let newestRow = MetricFamily(
        "warehouse_table_newest_row_timestamp_seconds", .gauge, help: "Newest value of the table's configured timestamp column.",
        labels: table)
    public static let freshnessObjective = MetricFamily(
        "warehouse_table_freshness_objective_seconds", .gauge,
        help: "The table's configured freshness objective: how old its newest data may be.", labels: table)
    /// Each custom check brings its own label columns after these.
    public static let checkValue = MetricFamily(
        "warehouse_check_value", .gauge, help: "A value column of a data check's result, by check, column and the check's label columns.",
        labels: ["warehouse", "check", "column"])

    // MARK: Queries (QueryFamilies, StatementFamilies)

    public static let queryDuration = MetricFamily(
        "warehouse_query_duration_seconds", .histogram, help: "Wall-clock time of finished queries, queueing included.",
        labels: ["warehouse", "database"], context: allContext, then: ["query_type", "status"])
    public static let queryQueue = MetricFamily(
        "warehouse_query_queue_seconds", .histogram, help: "Time finished queries waited in a queue before running.",
        labels: ["warehouse", "database"], context: allContext, then: ["query_type"])
    public static let statementDuration = MetricFamily(
        "warehouse_statement_duration_seconds", .histogram,
        help: "Wall-clock time of finished queries per statement shape; the heaviest statements of each app, DAG and task, the rest __other__.",
        labels: ["warehouse"], context: allContext.filter { $0 != .user }, then: ["fingerprint"])
    public static let queryExecution = MetricFamily(
        "warehouse_query_execution_seconds_total", .counter, help: "Seconds finished queries spent executing.",
        labels: ["warehouse"], context: allContext)
    public static let queryCost = MetricFamily(
        "warehouse_query_cost_dollars_total", .counter, help: "Estimated dollars finished queries cost.",
        labels: ["warehouse"], context: allContext)
    /// What finished queries read, wrote and held, where the warehouse reports it per query.
    public static let queryReadRows = MetricFamily(
        "warehouse_query_read_rows_total", .counter, help: "Rows finished queries read.", labels: ["warehouse"], context: allContext)
    public static let queryReadBytes = MetricFamily(
        "warehouse_query_read_bytes_total", .counter, help: "Bytes finished queries read, as the warehouse counts them.", labels: ["warehouse"],
        context: allContext)
    public static let queryWrittenRows = MetricFamily(
        "warehouse_query_written_rows_total", .counter, help: "Rows finished queries wrote.", labels: ["warehouse"], context: allContext)
    public static let queryWrittenBytes = MetricFamily(
        "warehouse_query_written_bytes_total", .counter, help: "Bytes finished queries wrote, as the warehouse counts them.", labels: ["warehouse"],
        context: allContext)
    public static let queryPeakMemory = MetricFamily(
        "warehouse_query_peak_memory_bytes", .histogram, help: "The most memory each finished query held at once.", labels: ["warehouse"],
        context: allContext)
    public static let querySpilledBytes = MetricFamily(
        "warehouse_query_spilled_bytes_total", .counter,
        help: "Bytes queries wrote to temporary disk, whatever their ending, because a sort, join or aggregation did not fit in memory.", labels: ["warehouse"],
        context: allContext)

    // MARK: Table reads and writes (TableFamilies)

    public static let tableReads = MetricFamily(
        "warehouse_table_reads_total", .counter, help: "Successful statements that read the table, by who ran them.",
        labels: ["warehouse", "schema", "table"], context: [.app, .dag, .task, .dashboard, .model])
    /// The chart (a Redash query, a Metabase card) that wrote a table is step 5 of the root-cause
    /// walk, so writes carry it even when the query families do not.
    public static let tableWrites = MetricFamily(
        "warehouse_table_writes_total", .counter, help: "Successful statements that wrote the table, by operation and who ran them.",
        labels: ["warehouse", "schema", "table", "operation"], context: [.app, .user, .dag, .task, .chart], always: [.chart])
    public static let tableRowsWritten = MetricFamily(
        "warehouse_table_rows_written_total", .counter,
        help: "Rows inserted, updated or deleted in the table, by who wrote them where the warehouse says.",
        labels: ["warehouse", "schema", "table", "operation"], context: [.app, .user, .dag, .task, .chart], always: [.chart])

    // MARK: Activity (ActivityFamilies)

    public static let running = MetricFamily(
        "warehouse_queries_running", .gauge, help: "Queries running now.", labels: ["warehouse"], context: [.app, .user], then: ["queue"])
    public static let queued = MetricFamily(
        "warehouse_queries_queued", .gauge, help: "Queries waiting now: in a queue, or for a lock.", labels: ["warehouse"],
        context: [.app, .user], then: ["queue"])
    public static let oldestRunning = MetricFamily(
        "warehouse_query_oldest_running_seconds", .gauge, help: "Age of the oldest query running or waiting now.", labels: ["warehouse"],
        context: [.app])
    public static let blocked = MetricFamily(
        "warehouse_queries_blocked", .gauge, help: "Queries waiting for a lock now, by the app of the session holding it.",
        labels: ["warehouse"], context: [.app], then: ["blocker_app"])
    public static let idleInTransaction = MetricFamily(
        "warehouse_sessions_idle_in_transaction", .gauge, help: "Sessions idle inside an open transaction now.", labels: ["warehouse"],
        context: [.app, .user])
    public static let oldestIdleInTransaction = MetricFamily(
        "warehouse_session_idle_in_transaction_oldest_seconds", .gauge, help: "Age of the oldest transaction left open by an idle session.",
        labels: ["warehouse"], context: [.app])

    // MARK: Statement statistics (StatementTotalFamilies)

    static let statementTotalContext: [LabelPolicy.Dimension] = [.app, .user, .dag, .task, .dashboard, .model]
    public static let statementCalls = MetricFamily(
        "warehouse_statement_calls_total", .counter, help: "Executions of the statement, from the server's statement statistics.",
        labels: ["warehouse", "database"], context: statementTotalContext, then: ["fingerprint"])
    public static let statementExecution = MetricFamily(
        "warehouse_statement_execution_seconds_total", .counter,
        help: "Seconds spent executing the statement, from the server's statement statistics.",
        labels: ["warehouse", "database"], context: statementTotalContext, then: ["fingerprint"])
    public static let statementRows = MetricFamily(
        "warehouse_statement_rows_total", .counter, help: "Rows the statement returned or changed, from the server's statement statistics.",
        labels: ["warehouse", "database"], context: statementTotalContext, then: ["fingerprint"])

    // MARK: Loads and rule actions (LoadFamilies, RuleActionFamilies)

    public static let loadedRows = MetricFamily(
        "warehouse_table_loaded_rows_total", .counter, help: "Rows bulk loads (COPY) put into the table.",
        labels: ["warehouse", "schema", "table"], context: [.app, .user, .dag, .task])
    public static let loadedBytes = MetricFamily(
        "warehouse_table_loaded_bytes_total", .counter, help: "Bytes bulk loads (COPY) put into the table.",
        labels: ["warehouse", "schema", "table"], context: [.app, .user, .dag, .task])
    public static let loadErrors = MetricFamily(
        "warehouse_table_load_errors_total", .counter, help: "Errors bulk loads (COPY) into the table reported.",
        labels: ["warehouse", "schema", "table"], context: [.app, .user, .dag, .task])
    public static let ruleActions = MetricFamily(
        "warehouse_query_rule_actions_total", .counter,
        help: "Actions query monitoring rules took on queries: abort, log, hop, priority change.",
        labels: ["warehouse", "rule", "action"], context: [.app, .user, .dag, .task])

    // MARK: The label policy

    public static let labelOverflow = MetricFamily(
        "warehouse_exporter_label_overflow_total", .counter, help: "Label values or series the label policy folded into __other__.",
        labels: ["metric", "label"])
}
