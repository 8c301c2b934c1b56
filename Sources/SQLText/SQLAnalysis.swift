/// Everything the SQL text analysis reads from one statement.
public struct SQLAnalysis: Hashable, Sendable {
    public var annotated: AnnotatedContext
    public var fingerprint: Fingerprint
    public var tables: TableReferences

    public var source: AnnotationSource { annotated.source }
    public var context: QueryContext { annotated.context }
    public var truncated: Bool { annotated.truncated }
}
