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
    /// The most query ids kept to tell the rows of the overlap window already counted. A busier
    /// window keeps its newest: the overlap is then as long as they span.
    public var remembered: Int

    /// Sixteen queries a second over the default overlap; at most about 700 KB of state file.
    public static let defaultRemembered = 10_000

    public init(overlap: Duration = .seconds(600), lookback: Duration = .zero, pageSize: Int = 5000, remembered: Int = defaultRemembered) {
        self.overlap = overlap
        self.lookback = lookback
        self.pageSize = pageSize
        self.remembered = remembered
    }
}
