/// A table named in a statement: unquoted parts lowercased as PostgreSQL folds them, quoted parts
/// as written.
public struct TableName: Hashable, Sendable, CustomStringConvertible {
    /// The schema, when the statement qualified the name.
    public var schema: String?
    public var name: String

    public init(schema: String? = nil, name: String) {
        self.schema = schema
        self.name = name
    }

    /// `schema.table`, or `table` when unqualified.
    public var description: String { schema.map { "\($0).\(name)" } ?? name }
}
