public import SQLText

/// A table's freshness: the newest value of a timestamp column, and how old it may be.
public struct FreshnessSpec: Sendable, Equatable {
    public var table: TableName
    /// The column whose newest value says when data last arrived; without one, the table's
    /// metadata (`warehouse_table_last_modified_timestamp_seconds`) is compared with the objective.
    public var column: String?
    /// How old the newest data may be before the freshness alert fires.
    public var objective: Duration?
    public var interval: Duration = .seconds(300)
    public var timeout: Duration = .seconds(60)

    public init(table: TableName) {
        self.table = table
    }
}
