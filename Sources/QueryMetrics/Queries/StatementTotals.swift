public import SQLText

/// What one statement did between two samples of a server's statement statistics
/// (`pg_stat_statements`): increases, not the server's cumulative totals.
public struct StatementTotals: Sendable {
    public var warehouse: String
    public var database: String
    /// From the annotation in the text the server kept (the first caller's), and the role that
    /// ran it: the statistics keep one entry per role.
    public var attribution: Attribution
    public var fingerprint: Fingerprint
    public var calls: Double
    public var executionSeconds: Double
    public var rows: Double

    public init(warehouse: String, database: String, attribution: Attribution, fingerprint: Fingerprint,
                calls: Double, executionSeconds: Double, rows: Double) {
        self.warehouse = warehouse
        self.database = database
        self.attribution = attribution
        self.fingerprint = fingerprint
        self.calls = calls
        self.executionSeconds = executionSeconds
        self.rows = rows
    }
}
