import SQLText

/// `warehouse_statement_duration_seconds`: each statement shape's latency, for the heaviest
/// statements of each app, DAG and task; the rest of a parent's statements share its `__other__`
/// series.
struct StatementFamilies {
    static let families: [MetricFamily] = [.statementDuration]

    private var statement: GuardedFamily<HistogramStore>
    private let context: [LabelPolicy.Dimension]
    /// Where the app, DAG and task (the parent of a statement) stand among the context labels.
    private let parentIndices: [Int]
    private let topStatements: Int
    private let maxParents: Int
    /// Top-statement trackers by parent, indexed from ``parents``.
    private var trackers: [TopStatements] = []
    private var parents: [[String]: Int] = [:]

    /// A record's statement series: its labels without the fingerprint, the tracker of its parent,
    /// and the slots of the fingerprints seen so far.
    struct Slots {
        let labels: [String]
        let tracker: Int
        var statements: [UInt64: (slot: Int, folds: [Int])] = [:]
        var other: (slot: Int, folds: [Int])?
    }

    init(policy: LabelPolicy, bounds: [Double]) {
        statement = GuardedFamily(.statementDuration, policy: policy, bounds: bounds)
        let context = MetricFamily.statementDuration.dimensions(policy.dimensions)
        self.context = context
        parentIndices = [LabelPolicy.Dimension.app, .dag, .task].compactMap { context.firstIndex(of: $0) }
        topStatements = policy.topStatements
        maxParents = policy.maxSeriesPerMetric
    }

    mutating func resolve(_ record: QueryRecord, _ labels: LabelValues) -> Slots {
        let values = labels.values(context, record.attribution)
        let parent = parentIndices.map { values[$0] }
        let tracker: Int
        if let index = parents[parent] {
            tracker = index
        } else if trackers.count < maxParents {
            tracker = trackers.count
            parents[parent] = tracker
            trackers.append(TopStatements(keep: topStatements))
        } else {
            tracker = -1  // too many parents: every statement of this one is __other__
        }
        return Slots(labels: [record.warehouse] + values, tracker: tracker)
    }

    /// Observes `seconds` into the statement's series: its own while it ranks among the heaviest
    /// of its parent, else the `__other__` one.
    mutating func observe(
        _ fingerprint: UInt64, seconds: Double, _ slots: inout Slots, now: Double, overflow: inout OverflowCounter, exemplar: Exemplar? = nil
    ) {
        let kept = slots.tracker >= 0 && trackers[slots.tracker].record(fingerprint, seconds: seconds, now: now)
        let cached = kept ? slots.statements[fingerprint] : slots.other
        let (slot, folds) = cached ?? {
            var folds: [Int] = []
            let label = kept ? Fingerprint(fingerprint).description : LabelPolicy.other
            let slot = statement.slot(slots.labels + [label], now: now, overflow: &overflow, folds: &folds)
            if kept { slots.statements[fingerprint] = (slot, folds) } else { slots.other = (slot, folds) }
            return (slot, folds)
        }()
        statement.store.observe(seconds, slot: slot, now: now, exemplar: exemplar)
        overflow.count(folds, now: now)
    }

    /// Removes the series `sweep` selects and, for idle ones, the trackers of parents idle as
    /// long (a parent's trackers span warehouses, so a warehouse's removal leaves them); the
    /// trackers are renumbered, so every record must be resolved afresh.
    mutating func expire(_ sweep: SeriesSweep) {
        statement.expire(sweep)
        guard case .idle(let cutoff) = sweep else { return }
        let live = parents.filter { trackers[$0.value].lastUpdate >= cutoff }
        var kept: [TopStatements] = []
        parents = [:]
        for (parent, index) in live {
            parents[parent] = kept.count
            kept.append(trackers[index])
        }
        trackers = kept
    }

    var stores: [any RenderedStore] { [statement.store] }
}
