public import SQLText

/// Rows one statement put into, changed in or removed from a table, as the warehouse counted them
/// (Redshift's insert and delete steps), for `warehouse_table_rows_written_total`.
public struct RowsWritten: Sendable, Hashable {
    public var table: TableName
    /// `insert`, `update` or `delete`.
    public var operation: String
    public var rows: Double

    public init(table: TableName, operation: String, rows: Double) {
        self.table = table
        self.operation = operation
        self.rows = rows
    }
}
