public import SQLText

extension TableName {
    /// A table as a config names it: `schema.table`, or `table` in `public`. Names are the
    /// catalog's, exact and case-sensitive, as the `schema` and `table` labels show them.
    public init?(configured text: String) {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard (1...2).contains(parts.count), parts.allSatisfy({ !$0.isEmpty && !$0.contains("\"") && !$0.contains("\0") }) else { return nil }
        self.init(schema: parts.count == 2 ? parts[0] : "public", name: parts.last!)
    }

    /// The schema the table is in (`public` when none was given).
    public var schemaName: String { schema ?? "public" }

    /// `schema.table`, with `public` when none was given: how checks and messages name it.
    public var qualified: String { "\(schemaName).\(name)" }

    /// `"schema"."table"`, quoted for SQL.
    var quoted: String { "\(SQLIdentifier.quote(schemaName)).\(SQLIdentifier.quote(name))" }
}
