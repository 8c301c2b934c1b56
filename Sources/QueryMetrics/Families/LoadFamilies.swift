/// Bulk loads (Redshift COPY) into each table: rows, bytes and errors, by who loaded them.
extension GuardedCounters {
    static let loads: [MetricFamily] = [.loadedRows, .loadedBytes, .loadErrors]

    mutating func observe(_ load: LoadRecord, _ labels: LabelValues, now: Double, overflow: inout OverflowCounter) {
        let values = [load.warehouse] + labels.values(load.table) + labels.values(context, load.attribution)
        // The rows counter gets a series for every load, even one that loaded nothing.
        for (index, amount) in [load.rows, load.bytes, load.errors].enumerated() where amount > 0 || index == 0 {
            add(amount, family: index, values, now: now, overflow: &overflow)
        }
    }
}
