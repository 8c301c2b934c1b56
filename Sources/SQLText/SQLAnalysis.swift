/// Everything the SQL text analysis reads from one statement.
public struct SQLAnalysis: Hashable, Sendable {
    public var annotated: AnnotatedContext
    public var fingerprint: Fingerprint
    public var tables: TableReferences
    /// What kind of statement it is, for the `query_type` label: `select`, `insert`, `update`,
    /// `delete`, `merge`, `copy`, `unload`, `ctas`, `ddl`, `utility` or `other`.
    public var queryType: String

    public var source: AnnotationSource { annotated.source }
    public var context: QueryContext { annotated.context }
    public var truncated: Bool { annotated.truncated }
    /// The W3C trace id the statement's annotations carry, if any.
    public var traceID: String? { annotated.traceID }
}
