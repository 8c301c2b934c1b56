/// One action a Redshift query monitoring rule took on a query, as STL_WLM_RULE_ACTION records it:
/// `log`, `hop(reassign)`, `hop(restart)`, `abort` or `change_query_priority` (`none`, a rule whose
/// predicates held while another rule's action won, is not an action and is not counted).
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
