/// One annotation found in one comment of a statement.
public struct Annotation: Hashable, Sendable {
    public var source: AnnotationSource
    public var attributes: [Attribute]
    /// The text ended inside this annotation: the attributes are the complete part of it.
    public var truncated: Bool

    public init(source: AnnotationSource, attributes: [Attribute], truncated: Bool = false) {
        self.source = source
        self.attributes = attributes
        self.truncated = truncated
    }
}
