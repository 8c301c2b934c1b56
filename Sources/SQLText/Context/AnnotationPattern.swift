/// A user's own annotation format: a regular expression whose named groups become attributes;
/// groups named after a canonical field (or an alias of one) set that field.
public struct AnnotationPattern: @unchecked Sendable, Equatable {
    // Regex<AnyRegexOutput> is not Sendable only because its output type may hold `Any`; the
    // compiled program is immutable (lowered once, atomically) and this type only ever matches.
    /// The `source` reported for comments it matches.
    public let name: String
    public let pattern: String
    let regex: Regex<AnyRegexOutput>
    /// The named groups, in the order they appear.
    public let groupNames: [String]

    /// Compiles `pattern`; throws a message naming the problem when it does not compile or has no
    /// named group.
    public init(name: String, pattern: String) throws(AnnotationRuleError) {
        self.name = name
        self.pattern = pattern
        do {
            regex = try Regex(pattern)
        } catch {
            throw AnnotationRuleError("pattern \"\(name)\" is not a valid regular expression: \(error)")
        }
        groupNames = Self.namedGroups(in: pattern)
        guard !groupNames.isEmpty else {
            throw AnnotationRuleError("pattern \"\(name)\" has no named group such as (?<dag>[^,]+)")
        }
    }

    /// Two patterns are the same when their name and source are: the compiled program follows.
    public static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.name == rhs.name && lhs.pattern == rhs.pattern
    }

    /// Names of `(?<name>…)` and `(?P<name>…)` groups.
    static func namedGroups(in pattern: String) -> [String] {
        var names: [String] = []
        var rest = pattern[...]
        while let open = rest.firstRange(of: "(?") {
            rest = rest[open.upperBound...]
            if rest.hasPrefix("P<") { rest = rest.dropFirst() }
            guard rest.hasPrefix("<"), !rest.hasPrefix("<="), !rest.hasPrefix("<!"), let close = rest.firstIndex(of: ">") else { continue }
            names.append(String(rest[rest.index(after: rest.startIndex)..<close]))
            rest = rest[close...]
        }
        return names
    }

    /// The attributes of the first match in `body`.
    func match(_ body: String) -> [Attribute]? {
        guard let match = try? regex.firstMatch(in: body) else { return nil }
        var attributes: [Attribute] = []
        for name in groupNames {
            if let value = match.output[name]?.substring, !value.isEmpty {
                attributes.append(Attribute(key: name, value: String(value)))
            }
        }
        return attributes
    }
}
