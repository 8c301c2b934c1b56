/// The families of the data checks: column profiles, freshness by content and custom checks.
/// docs/data-checks.md describes how each is computed.
public struct DataCheckFamilies: Sendable {
    /// Every scheduled check: custom checks by their name, profiles as `profile:schema.table`,
    /// freshness as `freshness:schema.table`.
    public let success: GaugeFamily
    public let duration: GaugeFamily
    /// Built-in check kinds: 1 when the data met the check's condition, else 0.
    public let passed: GaugeFamily
    /// Custom checks' value columns, labelled by `check`, `column` and the check's label columns.
    public let value: VariableLabelGaugeFamily

    public let columnMin: GaugeFamily
    public let columnMax: GaugeFamily
    public let columnMean: GaugeFamily
    public let columnNulls: GaugeFamily
    public let columnDistinct: GaugeFamily
    public let columnChars: GaugeFamily
    public let columnInfo: GaugeFamily
    public let profileRows: GaugeFamily

    public let newestRow: GaugeFamily
    public let freshnessObjective: GaugeFamily

    /// The label names of the column families.
    public static let columnLabels = ["warehouse", "database", "schema", "table", "column"]
    public static let tableLabels = ["warehouse", "database", "schema", "table"]

    init(registry: MetricRegistry) {
        let check = ["warehouse", "check"]
        success = registry.gaugeFamily("warehouse_check_success", help: "1 if the data check's last run completed, else 0.", labels: check)
        duration = registry.gaugeFamily("warehouse_check_duration_seconds", help: "How long the data check's last run took.", labels: check)
        passed = registry.gaugeFamily(
            "warehouse_check_passed", help: "1 if the data met the built-in check's condition at its last run, else 0.", labels: check)
        value = registry.variableLabelGaugeFamily(
            "warehouse_check_value", help: "A value column of a data check's result, by check, column and the check's label columns.")

        let column = Self.columnLabels
        columnMin = registry.gaugeFamily(
            "warehouse_column_min", help: "Smallest value of the column (timestamps and dates in Unix seconds).", labels: column)
        columnMax = registry.gaugeFamily(
            "warehouse_column_max", help: "Largest value of the column (timestamps and dates in Unix seconds).", labels: column)
        columnMean = registry.gaugeFamily(
            "warehouse_column_mean", help: "Mean of the column's values (for a boolean column, the share that is true).", labels: column)
        columnNulls = registry.gaugeFamily("warehouse_column_nulls", help: "Rows whose value of the column is NULL.", labels: column)
        columnDistinct = registry.gaugeFamily(
            "warehouse_column_distinct_values", help: "Distinct non-NULL values of the column (approximate where configured).", labels: column)
        columnChars = registry.gaugeFamily(
            "warehouse_column_chars", help: "Total characters of the string column's values.", labels: column)
        columnInfo = registry.gaugeFamily(
            "warehouse_column_info", help: "Always 1; labels give the profiled column's type and compression encoding.",
            labels: column + ["type", "encoding"])
        profileRows = registry.gaugeFamily(
            "warehouse_column_profile_rows", help: "Rows the table's last column profile read (the sample's, when sampled).",
            labels: Self.tableLabels)
        newestRow = registry.gaugeFamily(
            "warehouse_table_newest_row_timestamp_seconds", help: "Newest value of the table's configured timestamp column.",
            labels: Self.tableLabels)
        freshnessObjective = registry.gaugeFamily(
            "warehouse_table_freshness_objective_seconds", help: "The table's configured freshness objective: how old its newest data may be.",
            labels: Self.tableLabels)
    }
}
