/// How long and how many connections the HTTP server keeps, so that idle or slow clients cannot
/// hold it (`--web.read-header-timeout`, `--web.idle-timeout`, `--web.max-connections`).
public struct HTTPLimits: Sendable, Equatable {
    /// How long a new connection may take to send its first request's headers (a TLS handshake
    /// included); then it is closed.
    public var readHeaderTimeout: Duration
    /// How long a connection may go without a complete request part: between requests, or while a
    /// later request's headers dribble in.
    public var idleTimeout: Duration
    /// Connections held at once. A new one over the limit closes the connection idle the longest
    /// (no request in progress), or itself when every one is busy. Never more than half the
    /// process's file descriptors, so the collectors keep theirs.
    public var maxConnections: Int

    /// The defaults: Prometheus sends its request at once and scrapes at least every minute or two.
    public init(readHeaderTimeout: Duration = .seconds(10), idleTimeout: Duration = .seconds(90), maxConnections: Int = 512) {
        self.readHeaderTimeout = readHeaderTimeout
        self.idleTimeout = idleTimeout
        self.maxConnections = maxConnections
    }
}
