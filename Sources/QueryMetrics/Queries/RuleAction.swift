/// One action a Redshift query monitoring rule took on a query: `abort`, `log`, `hop_cancel`,
/// `hop_reassign` or `change_query_priority`.
public struct RuleAction: Sendable {
    public var warehouse: String
    public var rule: String
    public var action: String
    /// Who ran the query.
    public var attribution: Attribution

    public init(warehouse: String, rule: String, action: String, attribution: Attribution) {
        self.warehouse = warehouse
        self.rule = rule
        self.action = action
        self.attribution = attribution
    }
}
