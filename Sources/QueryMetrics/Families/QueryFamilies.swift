/// The families every finished query is observed into, by who ran it: its latency and queue-wait
/// histograms, its execution seconds and cost, and what it read, wrote, held in memory and spilled.
struct QueryFamilies {
    static let families: [MetricFamily] = [
        .queryDuration, .queryQueue, .queryExecution, .queryCost, .queryReadRows, .queryReadBytes, .queryWrittenRows, .queryWrittenBytes,
        .queryPeakMemory, .querySpilledBytes,
    ]

    private var duration: GuardedFamily<HistogramStore>
    private var queue: GuardedFamily<HistogramStore>
    private var execution: GuardedFamily<ValueStore>
    private var cost: GuardedFamily<ValueStore>
    private var readRows: GuardedFamily<ValueStore>
    private var readBytes: GuardedFamily<ValueStore>
    private var writtenRows: GuardedFamily<ValueStore>
    private var writtenBytes: GuardedFamily<ValueStore>
    private var peakMemory: GuardedFamily<HistogramStore>
    private var spilledBytes: GuardedFamily<ValueStore>
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
        /// The resource families' slots: resolved at the first record that reports its resources.
        var resources: ResourceSlots?
    }

    /// A context's series in the resource families (read rows, read bytes, written rows, written
    /// bytes, spilled bytes, peak memory), each resolved at the context's first query that reports
    /// its figure, so that a warehouse that keeps none shows no series that stands for nothing;
    /// and every fold of them.
    struct ResourceSlots {
        let values: [String]
        var readRows, readBytes, writtenRows, writtenBytes, spilledBytes, peakMemory: Int?
        var folds: [Int] = []

        init(values: [String]) { self.values = values }
    }

    init(policy: LabelPolicy, buckets: HistogramBuckets) {
        duration = GuardedFamily(.queryDuration, policy: policy, bounds: buckets.duration, mode: buckets.mode)
        queue = GuardedFamily(.queryQueue, policy: policy, bounds: buckets.queue, mode: buckets.mode)
        execution = GuardedFamily(.queryExecution, policy: policy)
        cost = GuardedFamily(.queryCost, policy: policy)
        readRows = GuardedFamily(.queryReadRows, policy: policy)
        readBytes = GuardedFamily(.queryReadBytes, policy: policy)
        writtenRows = GuardedFamily(.queryWrittenRows, policy: policy)
        writtenBytes = GuardedFamily(.queryWrittenBytes, policy: policy)
        peakMemory = GuardedFamily(.queryPeakMemory, policy: policy, bounds: HistogramBuckets.peakMemoryBounds)
        spilledBytes = GuardedFamily(.querySpilledBytes, policy: policy)
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
        if let resources = record.resources {
            add(resources, of: record, &slots, labels, now: now, overflow: &overflow, exemplar: exemplar)
        }
    }

    /// Adds what the query read, wrote and spilled, and observes its peak memory: a counter's
    /// series exists from the first query that reports its figure, zeros included; the histogram
    /// takes queries that ran. The query's exemplar goes with its bytes read, its memory and its
    /// spill, what a reader hunts for.
    private mutating func add(
        _ resources: QueryResources, of record: QueryRecord, _ slots: inout Slots, _ labels: LabelValues, now: Double,
        overflow: inout OverflowCounter, exemplar: Exemplar?
    ) {
        if slots.resources == nil { slots.resources = ResourceSlots(values: contextValues(warehouse: record.warehouse, record.attribution, labels)) }
        add(resources, &slots.resources!, now: now, overflow: &overflow, exemplar: exemplar)
    }

    /// Adds what a query read, wrote and spilled apart from a record
    /// (``add(_:of:_:_:now:overflow:exemplar:)``), its context's slots resolved anew.
    mutating func add(
        _ resources: QueryResources, warehouse: String, _ attribution: Attribution, _ labels: LabelValues, now: Double,
        overflow: inout OverflowCounter, exemplar: Exemplar?
    ) {
        var slots = ResourceSlots(values: contextValues(warehouse: warehouse, attribution, labels))
        add(resources, &slots, now: now, overflow: &overflow, exemplar: exemplar)
    }

    private mutating func add(
        _ resources: QueryResources, _ slots: inout ResourceSlots, now: Double, overflow: inout OverflowCounter, exemplar: Exemplar?
    ) {
        func slot<Store>(_ key: WritableKeyPath<ResourceSlots, Int?>, _ family: inout GuardedFamily<Store>) -> Int {
            let slot = slots[keyPath: key] ?? family.slot(slots.values, now: now, overflow: &overflow, folds: &slots.folds)
            slots[keyPath: key] = slot
            return slot
        }
        func counter(_ value: Double?, _ key: WritableKeyPath<ResourceSlots, Int?>, _ family: inout GuardedFamily<ValueStore>, exemplar: Exemplar? = nil) {
            guard let value else { return }
            let slot = slot(key, &family)
            var exemplar = exemplar
            exemplar?.value = value
            family.store.add(value, slot: slot, now: now, exemplar: exemplar)
        }
        counter(resources.readRows, \.readRows, &readRows)
        counter(resources.readBytes, \.readBytes, &readBytes, exemplar: exemplar)
        counter(resources.writtenRows, \.writtenRows, &writtenRows)
        counter(resources.writtenBytes, \.writtenBytes, &writtenBytes)
        // A query that spilled nothing adds no exemplar: the one kept is the last that spilled.
        counter(resources.spilledBytes, \.spilledBytes, &spilledBytes, exemplar: (resources.spilledBytes ?? 0) > 0 ? exemplar : nil)
        if let memory = resources.peakMemoryBytes, memory > 0 {
            let slot = slot(\.peakMemory, &peakMemory)
            var exemplar = exemplar
            exemplar?.value = memory
            peakMemory.store.observe(memory, slot: slot, now: now, exemplar: exemplar)
        }
        overflow.count(slots.folds, now: now)
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
        readRows.expire(sweep)
        readBytes.expire(sweep)
        writtenRows.expire(sweep)
        writtenBytes.expire(sweep)
        peakMemory.expire(sweep)
        spilledBytes.expire(sweep)
    }

    var stores: [any RenderedStore] {
        [
            duration.store, queue.store, execution.store, cost.store, readRows.store, readBytes.store, writtenRows.store, writtenBytes.store,
            peakMemory.store, spilledBytes.store,
        ]
    }
}
