public import SQLText

/// One finished bulk load (Redshift COPY) into a table.
public struct LoadRecord: Sendable {
    public var warehouse: String
    public var table: TableName
    /// Who ran it.
    public var attribution: Attribution
    public var rows: Double
    public var bytes: Double
    /// Rows or files the load rejected.
    public var errors: Double

    public init(warehouse: String, table: TableName, attribution: Attribution, rows: Double, bytes: Double, errors: Double) {
        self.warehouse = warehouse
        self.table = table
        self.attribution = attribution
        self.rows = rows
        self.bytes = bytes
        self.errors = errors
    }
}
