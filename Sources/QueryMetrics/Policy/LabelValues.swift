import SQLText

/// The label policy's rules for label values, in one place: how a value is cleaned and cut, what
/// `app` and `user` fall back to, and how a user is hashed. Every family group takes its context
/// label values from here.
struct LabelValues: Sendable {
    let policy: LabelPolicy
    private let hasher: UserHasher?

    init(policy: LabelPolicy) {
        self.policy = policy
        hasher = policy.user == .hash ? UserHasher(salt: policy.userHashSalt ?? "") : nil
    }

    /// The label value of one context dimension: `app` falls back to the session's app, then
    /// `unknown`; `user` to the database user, hashed when the policy says so.
    func value(of dimension: LabelPolicy.Dimension, _ attribution: Attribution) -> String {
        switch dimension {
        case .app:
            return clean(attribution.app)
        case .user:
            let user = attribution.context.user ?? attribution.databaseUser ?? ""
            return user.isEmpty ? "" : hasher.map { $0.hash(user) } ?? clean(user)
        default:
            return clean(attribution.context[ContextField(rawValue: dimension.rawValue)!] ?? "")
        }
    }

    /// The values of `dimensions`, in their order.
    func values(_ dimensions: [LabelPolicy.Dimension], _ attribution: Attribution) -> [String] {
        dimensions.map { value(of: $0, attribution) }
    }

    /// A table's `schema` and `table` label values; a table without a schema has an empty one.
    func values(_ table: TableName) -> [String] {
        [clean(table.schema ?? ""), clean(table.name)]
    }

    /// A label value cut to the policy's length on a character boundary, with control characters
    /// other than newline (which the format escapes) replaced, so no value can break a line.
    func clean(_ value: String) -> String {
        let limit = policy.maxLabelLength
        let clean = value.utf8.allSatisfy { $0 >= 0x20 || $0 == 0x0A } ? value : String(value.unicodeScalars.map { scalar in
            scalar.value < 0x20 && scalar != "\n" ? "\u{FFFD}" : Character(scalar)
        })
        guard clean.utf8.count > limit else { return clean }
        var length = 0
        var end = clean.unicodeScalars.startIndex
        for index in clean.unicodeScalars.indices {
            let width = UTF8.width(clean.unicodeScalars[index])
            if length + width > limit { break }
            length += width
            end = clean.unicodeScalars.index(after: index)
        }
        return String(clean.unicodeScalars[..<end])
    }
}
