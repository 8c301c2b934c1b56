/// What each statement did according to the server's statement statistics
/// (`pg_stat_statements`): executions, seconds and rows, for servers whose log cannot be read.
extension GuardedCounters {
    static let statementTotals: [MetricFamily] = [.statementCalls, .statementExecution, .statementRows]

    mutating func observe(_ totals: StatementTotals, _ labels: LabelValues, now: Double, overflow: inout OverflowCounter) {
        let values = [totals.warehouse, labels.clean(totals.database)] + labels.values(context, totals.attribution)
            + [totals.fingerprint.description]
        for (index, amount) in [totals.calls, totals.executionSeconds, totals.rows].enumerated() where amount > 0 {
            add(amount, family: index, values, now: now, overflow: &overflow)
        }
    }
}
