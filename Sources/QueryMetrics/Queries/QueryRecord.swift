public import SQLText

/// One finished query, as a collector read it from the warehouse: plain values, already
/// analysed for context. The query metrics observe each record exactly once.
public struct QueryRecord: Sendable {
    public var warehouse: String
    public var database: String
    /// Who ran it and why.
    public var attribution: Attribution
    /// `select`, `insert`, `update`, `delete`, `copy`, `unload`, `ctas`, `ddl`, `utility`, `other`.
    public var queryType: String
    public var status: QueryStatus
    /// Wall-clock seconds from submission to the end, queueing included.
    public var durationSeconds: Double
    /// Seconds spent waiting in a queue before running; nil where the source has no queue time
    /// (PostgreSQL's log), and then the queue histogram is not observed, rather than fed zeros.
    public var queueSeconds: Double?
    /// Seconds of execution, the basis of cost; the duration minus the queue when not reported.
    public var executionSeconds: Double?
    /// Dollars, when the collector can price the query.
    public var costDollars: Double?
    public var fingerprint: Fingerprint?
    /// The statement's shape (``SQLAnalyzer/shape(of:storedEscapes:limit:)``, at most
    /// ``UnattributedStatement/shapeLimit`` bytes), for the landing page's table of unattributed
    /// statements. Collectors set it only when ``Attribution/isUnattributed``: an attributed query
    /// costs nothing more. Never the raw text, whose literals may hold secrets.
    public var shape: String?
    /// Tables the statement read and wrote (from its text or the warehouse's own records), for
    /// `warehouse_table_reads_total` and `warehouse_table_writes_total`; counted for successful
    /// queries only. A table without a schema is reported with an empty `schema` label.
    public var tablesRead: [TableName] = []
    public var tablesWritten: [TableName] = []
    /// Rows written per table, where the warehouse reports them per statement (Redshift).
    public var rowsWritten: [RowsWritten] = []
    /// What it read, wrote and held in memory, where the warehouse reports it per query
    /// (ClickHouse); nil elsewhere, and then the resource families are not observed.
    public var resources: QueryResources?
    /// The warehouse's id of this one execution (Redshift's `query_id`; PostgreSQL's session id
    /// and log line, `<session>:<line>`), shown as an exemplar of the bucket it fell in.
    public var queryID: String?
    /// The W3C trace id of the request that sent it, from its `traceparent` annotation.
    public var traceID: String?
    /// When it ended, in seconds since the epoch: the exemplar's time.
    public var endedAt: Double?

    /// Its exemplar, with its duration, when it names its query or trace.
    var exemplar: Exemplar? {
        guard queryID != nil || traceID != nil else { return nil }
        return Exemplar(queryID: queryID, traceID: traceID, value: durationSeconds, timestamp: endedAt)
    }

    public init(
        warehouse: String, database: String, attribution: Attribution, queryType: String, status: QueryStatus, durationSeconds: Double, queueSeconds: Double? = nil,
        executionSeconds: Double? = nil, costDollars: Double? = nil, fingerprint: Fingerprint? = nil
    ) {
        self.warehouse = warehouse
        self.database = database
        self.attribution = attribution
        self.queryType = queryType
        self.status = status
        self.durationSeconds = durationSeconds
        self.queueSeconds = queueSeconds
        self.executionSeconds = executionSeconds
        self.costDollars = costDollars
        self.fingerprint = fingerprint
    }
}
