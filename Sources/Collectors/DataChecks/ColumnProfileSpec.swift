public import SQLText

/// One table's column profile, as configured.
public struct ColumnProfileSpec: Sendable, Equatable {
    public var table: TableName
    /// The columns to profile, by name; when empty, every column of `kinds`.
    public var columns: [String] = []
    /// With no `columns`: the kinds of column to profile; every column when empty too.
    public var kinds: Set<ColumnKind> = []
    public var interval: Duration = .seconds(3600)
    public var timeout: Duration = .seconds(300)
    /// PostgreSQL: read this percentage of the table's pages (`TABLESAMPLE SYSTEM`).
    public var samplePercent: Double?
    /// Redshift: count distinct values with `APPROXIMATE COUNT(DISTINCT …)`.
    public var approximateDistinct = false
    /// More selected columns than this fail the profile rather than build a huge query.
    public var maxColumns = 100

    public init(table: TableName) {
        self.table = table
    }
}
