/// A warehouse's `tables` section: which tables the `tables` collector reports, whatever the kind.
public struct TablesSection: Sendable, Equatable {
    /// Schemas to report, as regular expressions matched against the whole name.
    public var includeSchemas = [".*"]
    /// Schemas to leave out, matched the same way; they win over `includeSchemas`.
    public var excludeSchemas: [String] = []
    /// At most this many tables, the largest first.
    public var maxTables = 5000
    /// Other databases of the server or cluster to read too; `*` for every one.
    public var databases: [String] = []

    public init() {}
}
