/// The user's extensions to annotation reading, from the configuration.
public struct AnnotationRules: Sendable, Equatable {
    /// Raw key (compared case-insensitively, with `-` and blanks as `_`) → canonical field,
    /// consulted before the built-in mappings: `dag_id: dag`.
    public var aliases: [String: ContextField]
    /// In-house formats, tried on every comment.
    public var patterns: [AnnotationPattern]

    public init(aliases: [String: ContextField] = [:], patterns: [AnnotationPattern] = []) {
        self.aliases = [:]
        for (key, field) in aliases { self.aliases[ContextResolver.normalizedKey(key)] = field }
        self.patterns = patterns
    }
}
