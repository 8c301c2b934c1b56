/// Actions Redshift's query monitoring rules took on queries, by rule, action and who ran the query.
struct RuleActionFamilies {
    static let families: [MetricFamily] = [.ruleActions]

    private var actions: GuardedCounters
    private let context: [LabelPolicy.Dimension]

    init(policy: LabelPolicy) {
        actions = GuardedCounters(Self.families, policy: policy)
        context = MetricFamily.ruleActions.dimensions(policy.dimensions)
    }

    mutating func observe(_ action: RuleAction, _ labels: LabelValues, now: Double, overflow: inout OverflowCounter) {
        let values = [action.warehouse, labels.clean(action.rule), labels.clean(action.action)] + labels.values(context, action.attribution)
        actions.add(1, family: 0, values, now: now, overflow: &overflow)
    }

    mutating func expire(before cutoff: Double) { actions.expire(before: cutoff) }

    var stores: [any RenderedStore] { actions.stores }
}
