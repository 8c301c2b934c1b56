/// What each statement did according to the server's statement statistics
/// (`pg_stat_statements`): executions, seconds and rows, for servers whose log cannot be read.
struct StatementTotalFamilies {
    static let families: [MetricFamily] = [.statementCalls, .statementExecution, .statementRows]

    private var counters: GuardedCounters
    private let context: [LabelPolicy.Dimension]

    init(policy: LabelPolicy) {
        counters = GuardedCounters(Self.families, policy: policy)
        context = MetricFamily.statementCalls.dimensions(policy.dimensions)
    }

    mutating func observe(_ totals: StatementTotals, _ labels: LabelValues, now: Double, overflow: inout OverflowCounter) {
        let values = [totals.warehouse, labels.clean(totals.database)] + labels.values(context, totals.attribution)
            + [totals.fingerprint.description]
        for (index, amount) in [totals.calls, totals.executionSeconds, totals.rows].enumerated() where amount > 0 {
            counters.add(amount, family: index, values, now: now, overflow: &overflow)
        }
    }

    mutating func expire(before cutoff: Double) { counters.expire(before: cutoff) }

    var stores: [any RenderedStore] { counters.stores }
}
