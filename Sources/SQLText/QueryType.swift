/// The kind of a statement, named as Redshift's `query_type` names them (lowercased), so both
/// warehouses share one set of `query_type` label values.
enum QueryType {
    static func classify(firstWord: String, mainVerb: Keyword?) -> String {
        switch firstWord {
        case "select", "values", "table": "select"
        case "insert", "update", "delete", "merge", "copy", "unload": firstWord
        case "with": mainVerb.map { String(describing: $0) } ?? "select"
        // CREATE TABLE … AS SELECT (and CREATE MATERIALIZED VIEW … AS) fill a table from a query.
        case "create": mainVerb == .select ? "ctas" : "ddl"
        case "alter", "drop", "truncate", "comment", "grant", "revoke", "rename": "ddl"
        case "vacuum", "analyze", "analyse", "set", "show", "reset", "begin", "start", "commit", "rollback", "end",
             "abort", "savepoint", "release", "explain", "call", "do", "discard", "lock", "listen", "unlisten",
             "notify", "prepare", "execute", "deallocate", "declare", "fetch", "move", "close", "checkpoint",
             "cluster", "reindex", "refresh", "load":
            "utility"
        default: "other"
        }
    }
}
