public import SQLText

/// One statement whose queries no annotation or session attributed (`app` is `unknown`), as the
/// landing page lists them per warehouse, heaviest first: the next job or tool to annotate.
public struct UnattributedStatement: Sendable, Equatable {
    /// How many statements per warehouse the landing page lists.
    public static let shown = 20
    /// The longest ``shape`` kept, in bytes, the `…` of a cut included.
    public static let shapeLimit = 300

    public var fingerprint: Fingerprint
    /// Executions observed since the exporter began tracking the statement (its start, or when
    /// the statement displaced a lighter one).
    public var executions: Int
    /// Their seconds from submission to end, as `warehouse_query_duration_seconds` observes them
    /// (0 for a PostgreSQL statement that failed: the server logs no duration for it).
    public var seconds: Double
    /// The statement's shape, from the first execution observed with one: its normalised text,
    /// literals as `?`, at most ``shapeLimit`` bytes. Nil when the collector gave none.
    public var shape: String?
    /// Seconds since its last execution was observed.
    public var idleSeconds: Double

    public init(fingerprint: Fingerprint, executions: Int, seconds: Double, shape: String?, idleSeconds: Double) {
        self.fingerprint = fingerprint
        self.executions = executions
        self.seconds = seconds
        self.shape = shape
        self.idleSeconds = idleSeconds
    }
}
