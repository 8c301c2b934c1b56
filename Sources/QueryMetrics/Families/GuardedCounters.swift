/// Counter families under the label policy that share their labels and are observed together
/// (a load's rows, bytes and errors; a statement's calls, seconds and rows).
struct GuardedCounters {
    private var counters: [GuardedFamily<ValueStore>]

    init(_ families: [MetricFamily], policy: LabelPolicy) {
        counters = families.map { GuardedFamily($0, policy: policy) }
    }

    /// Adds `amount` to the series `values` of the `index`th family.
    mutating func add(_ amount: Double, family index: Int, _ values: [String], now: Double, overflow: inout OverflowCounter) {
        counters[index].add(amount, values, now: now, overflow: &overflow)
    }

    mutating func expire(before cutoff: Double) {
        for index in counters.indices { counters[index].expire(before: cutoff) }
    }

    var stores: [any RenderedStore] { counters.map(\.store) }
}
