/// Bulk loads (Redshift COPY) into each table: rows, bytes and errors, by who loaded them.
struct LoadFamilies {
    static let families: [MetricFamily] = [.loadedRows, .loadedBytes, .loadErrors]

    private var counters: GuardedCounters
    private let context: [LabelPolicy.Dimension]

    init(policy: LabelPolicy) {
        counters = GuardedCounters(Self.families, policy: policy)
        context = MetricFamily.loadedRows.dimensions(policy.dimensions)
    }

    mutating func observe(_ load: LoadRecord, _ labels: LabelValues, now: Double, overflow: inout OverflowCounter) {
        let values = [load.warehouse] + labels.values(load.table) + labels.values(context, load.attribution)
        // The rows counter gets a series for every load, even one that loaded nothing.
        for (index, amount) in [load.rows, load.bytes, load.errors].enumerated() where amount > 0 || index == 0 {
            counters.add(amount, family: index, values, now: now, overflow: &overflow)
        }
    }

    mutating func expire(before cutoff: Double) { counters.expire(before: cutoff) }

    var stores: [any RenderedStore] { counters.stores }
}
