/// Actions Redshift's query monitoring rules took on queries, by rule, action and who ran the query.
extension GuardedCounters {
    static let ruleActions: [MetricFamily] = [.ruleActions]

    mutating func observe(_ action: RuleAction, _ labels: LabelValues, now: Double, overflow: inout OverflowCounter) {
        let values = [action.warehouse, labels.clean(action.rule), labels.clean(action.action)] + labels.values(context, action.attribution)
        add(1, family: 0, values, now: now, overflow: &overflow)
    }
}
