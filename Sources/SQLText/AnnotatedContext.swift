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

    /// The trace id of a W3C `traceparent` the annotations carry (sqlcommenter, Datadog's
    /// propagation mode `full`): `version-traceid-parentid-flags`, the trace id 32 lower-case hex
    /// digits, not all zero; nil when there is none or it is not well-formed.
    public var traceID: String? {
        guard let traceparent = attributes.first(where: { $0.key.lowercased() == "traceparent" })?.value else { return nil }
        let parts = traceparent.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count >= 4, parts[0].utf8.count == 2, parts[0] != "ff", parts[1].utf8.count == 32, parts[2].utf8.count == 16,
            parts[0...2].allSatisfy({ $0.utf8.allSatisfy(Self.isLowerHex) }), parts[1].contains(where: { $0 != "0" })
        else { return nil }
        return String(parts[1])
    }

    private static func isLowerHex(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(byte)
    }
}
