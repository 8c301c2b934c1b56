/// What the comments of one statement say: the recognised annotations and what they resolve to.
public struct AnnotatedContext: Hashable, Sendable {
    /// The annotation that took precedence, or `.none` when the statement carries none.
    public var source: AnnotationSource
    /// Canonical fields, merged across the statement's annotations.
    public var context: QueryContext
    /// Every raw key and value found, the first occurrence of a key kept.
    public var attributes: [Attribute]
    /// Each annotation found, in the order of the text.
    public var annotations: [Annotation]
    /// The text ended inside a comment or literal: the statement was cut off (Redshift keeps
    /// 4000 characters), and what is reported is the part that was complete.
    public var truncated: Bool

    public init(source: AnnotationSource = .none, context: QueryContext = QueryContext(), attributes: [Attribute] = [],
                annotations: [Annotation] = [], truncated: Bool = false) {
        self.source = source
        self.context = context
        self.attributes = attributes
        self.annotations = annotations
        self.truncated = truncated
    }
}
