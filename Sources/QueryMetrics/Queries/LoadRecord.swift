public import SQLText

/// One finished bulk load (Redshift COPY) into a table.
public struct LoadRecord: Sendable {
    public var warehouse: String
    public var table: TableName
    /// Who ran it, from the load statement's annotation.
    public var context: QueryContext
    /// The query_group label (Redshift) when the annotation gives no app.
    public var fallbackApp: String?
    public var databaseUser: String?
    public var rows: Double
    public var bytes: Double
    /// Rows or files the load rejected.
    public var errors: Double

    public init(warehouse: String, table: TableName, context: QueryContext, fallbackApp: String? = nil, databaseUser: String? = nil,
                rows: Double, bytes: Double, errors: Double) {
        self.warehouse = warehouse
        self.table = table
        self.context = context
        self.fallbackApp = fallbackApp
        self.databaseUser = databaseUser
        self.rows = rows
        self.bytes = bytes
        self.errors = errors
    }
}
