public import SQLText

/// One action a Redshift query monitoring rule took on a query: `abort`, `log`, `hop_cancel`,
/// `hop_reassign` or `change_query_priority`.
public struct RuleAction: Sendable {
    public var warehouse: String
    public var rule: String
    public var action: String
    /// Who ran the query, from its annotation.
    public var context: QueryContext
    /// The query_group label when the annotation gives no app.
    public var fallbackApp: String?
    public var databaseUser: String?

    public init(warehouse: String, rule: String, action: String, context: QueryContext, fallbackApp: String? = nil, databaseUser: String? = nil) {
        self.warehouse = warehouse
        self.rule = rule
        self.action = action
        self.context = context
        self.fallbackApp = fallbackApp
        self.databaseUser = databaseUser
    }
}
