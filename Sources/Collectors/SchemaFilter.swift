/// Schema patterns of the `tables` options as one regular expression for the SQL `~` operator,
/// which PostgreSQL and Redshift both have.
enum SchemaFilter {
    /// One regular expression that matches a whole schema name against any of the patterns.
    /// Plain groups: Redshift documents POSIX regular expressions, which have no `(?:…)`.
    static func anchored(_ patterns: [String]) -> String {
        "^(" + patterns.map { "(\($0))" }.joined(separator: "|") + ")$"
    }

    /// The include, exclude and limit parameters of a tables query, in that order.
    static func parameters(include: [String], exclude: [String], limit: Int) -> [String?] {
        [anchored(include), exclude.isEmpty ? nil : anchored(exclude), String(limit)]
    }
}
