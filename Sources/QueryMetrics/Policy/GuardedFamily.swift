/// A family under the label policy: each capped label admits at most `maxValuesPerLabel`
/// values (the rest become `__other__`), and the family at most `maxSeriesPerMetric` series
/// (a new label set beyond it is folded, every capped label `__other__`). Every fold is counted in
/// the overflow counter by metric and label (`__series__` for the series cap).
struct GuardedFamily<Store: SeriesStore> {
    var store: Store
    let labelNames: [String]
    /// A guard per label; nil for labels that are never capped.
    private var guards: [LabelGuard?]
    private let maxSeries: Int
    /// Labels whose values are few by nature, never capped.
    static var uncapped: Set<String> { ["warehouse", "status"] }

    init(_ store: Store, labelNames: [String], policy: LabelPolicy) {
        self.store = store
        self.labelNames = labelNames
        guards = labelNames.map { Self.uncapped.contains($0) ? nil : LabelGuard(cap: policy.maxValuesPerLabel) }
        maxSeries = policy.maxSeriesPerMetric
    }

    /// The slot for `values` (in label order), creating the series within the caps. Each fold
    /// appends the overflow counter's slot for it to `folds`, which the caller counts once per
    /// observation.
    mutating func slot(_ values: [String], now: Double, overflow: inout OverflowCounter, folds: inout [Int]) -> Int {
        if let slot = store.slot(values) { return slot }
        var admitted = values
        for index in admitted.indices {
            guard guards[index] != nil, !admitted[index].isEmpty, admitted[index] != LabelPolicy.other else { continue }
            if !guards[index]!.admit(admitted[index]) {
                admitted[index] = LabelPolicy.other
                folds.append(overflow.slot(metric: store.name, label: labelNames[index], now: now))
            }
        }
        if let slot = store.slot(admitted) { return slot }
        if store.seriesCount >= maxSeries {
            for index in admitted.indices where guards[index] != nil && !admitted[index].isEmpty {
                admitted[index] = LabelPolicy.other
            }
            folds.append(overflow.slot(metric: store.name, label: "__series__", now: now))
            if let slot = store.slot(admitted) { return slot }
        }
        for index in admitted.indices where guards[index] != nil { guards[index]!.retain(admitted[index]) }
        return store.insert(admitted, now: now)
    }

    /// Removes the series `sweep` selects and frees the label values only they used.
    mutating func expire(_ sweep: SeriesSweep) {
        for values in store.remove(sweep) {
            for index in values.indices where guards[index] != nil { guards[index]!.release(values[index]) }
        }
        for index in guards.indices where guards[index] != nil { guards[index]!.sweep() }
    }

    /// Adds `amount` to the counter series with these label values, created within the caps.
    mutating func add(_ amount: Double, _ values: [String], now: Double, overflow: inout OverflowCounter) where Store == ValueStore {
        var folds: [Int] = []
        let slot = slot(values, now: now, overflow: &overflow, folds: &folds)
        store.add(amount, slot: slot, now: now)
        overflow.count(folds, now: now)
    }
}

extension GuardedFamily where Store == ValueStore {
    /// A counter family under the policy, with the context labels `dimensions` turn on.
    init(_ family: MetricFamily, policy: LabelPolicy) {
        let labels = family.labelNames(policy.dimensions)
        self.init(ValueStore(family, labelNames: labels), labelNames: labels, policy: policy)
    }
}

extension GuardedFamily where Store == HistogramStore {
    /// A histogram family under the policy, with the recorder's buckets, and native buckets too
    /// unless `mode` is classic.
    init(_ family: MetricFamily, policy: LabelPolicy, bounds: [Double], mode: HistogramBuckets.Mode = .classic) {
        let labels = family.labelNames(policy.dimensions)
        self.init(HistogramStore(family, labelNames: labels, bounds: bounds, mode: mode), labelNames: labels, policy: policy)
    }
}
