/// `warehouse_exporter_label_overflow_total{metric, label}`: every value or series the label
/// policy folded into `__other__`, counted by the family and label that folded it.
struct OverflowCounter {
    private(set) var store = ValueStore(.labelOverflow, labelNames: MetricFamily.labelOverflow.labelNames)

    /// The slot of one (metric, label) pair, which a caller keeps in its folds.
    mutating func slot(metric: String, label: String, now: Double) -> Int {
        store.slot(for: [metric, label], now: now)
    }

    /// Counts once each fold an observation made.
    mutating func count(_ folds: [Int], now: Double) {
        for slot in folds { store.add(1, slot: slot, now: now) }
    }

    mutating func add(_ amount: Double, metric: String, label: String, now: Double) {
        store.add(amount, slot: slot(metric: metric, label: label, now: now), now: now)
    }

    func value(metric: String, label: String) -> Double? {
        store.value([metric, label])
    }
}
