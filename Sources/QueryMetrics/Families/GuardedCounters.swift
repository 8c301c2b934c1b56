/// Counter families under the label policy that share their context labels and are observed
/// together: a load's rows, bytes and errors, a statement's calls, seconds and rows, a rule's
/// actions. Each such group is an extension of this type in a file of its own, with its families
/// and what it observes.
struct GuardedCounters {
    private var counters: [GuardedFamily<ValueStore>]
    /// The context dimensions the families carry under the policy, in label order.
    let context: [LabelPolicy.Dimension]

    init(_ families: [MetricFamily], policy: LabelPolicy) {
        counters = families.map { GuardedFamily($0, policy: policy) }
        context = families[0].dimensions(policy.dimensions)
    }

    /// Adds `amount` to the series `values` of the `index`th family.
    mutating func add(_ amount: Double, family index: Int, _ values: [String], now: Double, overflow: inout OverflowCounter) {
        counters[index].add(amount, values, now: now, overflow: &overflow)
    }

    mutating func expire(_ sweep: SeriesSweep) {
        for index in counters.indices { counters[index].expire(sweep) }
    }

    var stores: [any RenderedStore] { counters.map(\.store) }
}
