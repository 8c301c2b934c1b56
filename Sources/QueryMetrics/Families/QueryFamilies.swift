/// The families every finished query is observed into, by who ran it: its latency and queue-wait
/// histograms, and its execution seconds and cost.
struct QueryFamilies {
    static let families: [MetricFamily] = [.queryDuration, .queryQueue, .queryExecution, .queryCost]

    private var duration: GuardedFamily<HistogramStore>
    private var queue: GuardedFamily<HistogramStore>
    private var execution: GuardedFamily<ValueStore>
    private var cost: GuardedFamily<ValueStore>
    /// The context dimensions of every family here, in label order.
    private let context: [LabelPolicy.Dimension]

    /// A record's series in these families, resolved under the policy once, and the overflow
    /// counters its folds bump on every observation.
    struct Slots {
        let duration: Int
        let execution: Int
        let folds: [Int]
        /// The queue histogram's label values; its slot is resolved at the first record with a
        /// queue time, as the cost's at the first with a price.
        let queueValues: [String]
        var queue: (slot: Int, folds: [Int])?
        var cost: (slot: Int, folds: [Int])?
    }

    init(policy: LabelPolicy, buckets: HistogramBuckets) {
        duration = GuardedFamily(.queryDuration, policy: policy, bounds: buckets.duration, mode: buckets.mode)
        queue = GuardedFamily(.queryQueue, policy: policy, bounds: buckets.queue, mode: buckets.mode)
        execution = GuardedFamily(.queryExecution, policy: policy)
        cost = GuardedFamily(.queryCost, policy: policy)
        context = MetricFamily.queryExecution.dimensions(policy.dimensions)
    }

    /// The `warehouse` and context label values of `attribution`, as the execution and cost
    /// counters carry them.
    func contextValues(warehouse: String, _ attribution: Attribution, _ labels: LabelValues) -> [String] {
        [warehouse] + labels.values(context, attribution)
    }

    mutating func resolve(_ record: QueryRecord, _ labels: LabelValues, now: Double, overflow: inout OverflowCounter) -> Slots {
        let context = labels.values(context, record.attribution)
        let durationValues = [record.warehouse, labels.clean(record.database)] + context + [labels.clean(record.queryType), record.status.rawValue]
        var folds: [Int] = []
        return Slots(
            duration: duration.slot(durationValues, now: now, overflow: &overflow, folds: &folds),
            execution: execution.slot([record.warehouse] + context, now: now, overflow: &overflow, folds: &folds),
            folds: folds, queueValues: Array(durationValues.dropLast()))
    }

    /// Observes `record`, its `exemplar` (the record's own, built once by the caller) with each
    /// family's value.
    mutating func observe(
        _ record: QueryRecord, _ slots: inout Slots, _ labels: LabelValues, now: Double, overflow: inout OverflowCounter, exemplar: Exemplar?
    ) {
        let executionSeconds = record.executionSeconds ?? max(0, record.durationSeconds - (record.queueSeconds ?? 0))
        var exemplar = exemplar
        duration.store.observe(record.durationSeconds, slot: slots.duration, now: now, exemplar: exemplar)
        if let queueSeconds = record.queueSeconds {
            if slots.queue == nil {
                var folds: [Int] = []
                let slot = queue.slot(slots.queueValues, now: now, overflow: &overflow, folds: &folds)
                slots.queue = (slot, folds)
            }
            exemplar?.value = queueSeconds
            queue.store.observe(queueSeconds, slot: slots.queue!.slot, now: now, exemplar: exemplar)
            overflow.count(slots.queue!.folds, now: now)
        }
        exemplar?.value = executionSeconds
        execution.store.add(executionSeconds, slot: slots.execution, now: now, exemplar: exemplar)
        overflow.count(slots.folds, now: now)
        if let dollars = record.costDollars {
            if slots.cost == nil {
                var folds: [Int] = []
                let slot = cost.slot(contextValues(warehouse: record.warehouse, record.attribution, labels), now: now, overflow: &overflow, folds: &folds)
                slots.cost = (slot, folds)
            }
            exemplar?.value = dollars
            cost.store.add(dollars, slot: slots.cost!.slot, now: now, exemplar: exemplar)
            overflow.count(slots.cost!.folds, now: now)
        }
    }

    /// Adds dollars to a context's cost apart from any one query.
    mutating func addCost(_ dollars: Double, values: [String], now: Double, overflow: inout OverflowCounter) {
        cost.add(dollars, values, now: now, overflow: &overflow)
    }

    mutating func expire(_ sweep: SeriesSweep) {
        duration.expire(sweep)
        queue.expire(sweep)
        execution.expire(sweep)
        cost.expire(sweep)
    }

    var stores: [any RenderedStore] { [duration.store, queue.store, execution.store, cost.store] }
}
