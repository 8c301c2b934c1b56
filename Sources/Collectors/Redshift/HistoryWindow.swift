/// How a collector pages through a Redshift history view: the overlap it re-reads for rows
/// published late, how far back its first start reads, and the rows per page. The collectors that
/// read history views each take one; the configuration's `query_history` section sets it for all.
public struct HistoryWindow: Sendable, Equatable {
    /// How far back rows can appear late; they are counted once if they end within it.
    public var overlap: Duration
    /// How much history the first start reads (none by default: from now on).
    public var lookback: Duration
    /// Rows per page.
    public var pageSize: Int

    public init(overlap: Duration = .seconds(600), lookback: Duration = .zero, pageSize: Int = 5000) {
        self.overlap = overlap
        self.lookback = lookback
        self.pageSize = pageSize
    }
}
