public import SQLText

/// The tables one finished statement read and wrote, as the warehouse recorded its steps
/// (Redshift's scan, insert and delete steps), with who ran it: counted into the table families
/// and, with its steps' rows and bytes, the resource families, for a collector that reads table
/// activity apart from query timing. With no tables, what a statement used alone (a temporary
/// file PostgreSQL logs apart from the statement's duration).
public struct TableActivity: Sendable {
    public var warehouse: String
    public var attribution: Attribution
    /// The statement's type, the `operation` of `warehouse_table_writes_total`.
    public var queryType: String
    public var tablesRead: [TableName]
    public var tablesWritten: [TableName]
    public var rowsWritten: [RowsWritten]
    /// The warehouse's id of the statement (Redshift's `query_id`), the counts' exemplar.
    public var queryID: String?
    /// When it ended, in seconds since the epoch.
    public var endedAt: Double?
    /// What its steps read and wrote, for the resource families; nil where the warehouse's
    /// records of steps do not say (Redshift's STL tables).
    public var resources: QueryResources?

    public init(
        warehouse: String, attribution: Attribution, queryType: String,
        tablesRead: [TableName], tablesWritten: [TableName], rowsWritten: [RowsWritten]
    ) {
        self.warehouse = warehouse
        self.attribution = attribution
        self.queryType = queryType
        self.tablesRead = tablesRead
        self.tablesWritten = tablesWritten
        self.rowsWritten = rowsWritten
    }
}
