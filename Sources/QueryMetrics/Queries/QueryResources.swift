/// What one finished query read, wrote, held in memory and spilled to disk, where the warehouse
/// reports it per query (ClickHouse's `query_log`) or per step (Redshift's `SYS_QUERY_DETAIL`), for
/// the resource counters and the peak memory histogram.
public struct QueryResources: Sendable, Equatable {
    /// Rows and uncompressed bytes read from tables, table functions and remote servers; nil
    /// where the warehouse does not say (each figure that is nil has no series).
    public var readRows: Double?
    public var readBytes: Double?
    /// Rows and uncompressed bytes written to tables (materialized views included); nil where the
    /// warehouse does not say.
    public var writtenRows: Double?
    public var writtenBytes: Double?
    /// The most memory the query held at once, in bytes; nil or 0 when it never ran (a query that
    /// failed before it started), and then it is not observed.
    public var peakMemoryBytes: Double?
    /// Bytes written to temporary files on disk because a sort, join or aggregation outgrew its
    /// memory; nil where the warehouse does not say.
    public var spilledBytes: Double?

    public init(
        readRows: Double? = nil, readBytes: Double? = nil, writtenRows: Double? = nil, writtenBytes: Double? = nil, peakMemoryBytes: Double? = nil,
        spilledBytes: Double? = nil
    ) {
        self.readRows = readRows
        self.readBytes = readBytes
        self.writtenRows = writtenRows
        self.writtenBytes = writtenBytes
        self.peakMemoryBytes = peakMemoryBytes
        self.spilledBytes = spilledBytes
    }
}
