import Synchronization

/// All series of one gauge or counter family with fixed label names, each set as a whole by its
/// owner: the exporter's own state (`warehouse_up`, collector health) and what snapshot collectors
/// see (tables, data checks). ``GaugeFamily`` and ``CounterFamily`` are its two kinds.
///
/// Each family has its own lock, so updating one series never waits on a scrape of another family.
public final class LabeledFamily<Kind: FamilyKind>: Sendable, RenderedFamily {
    public let family: MetricFamily
    private let store: Mutex<ValueStore>
    /// The registry's: what a snapshot of several families holds while it replaces them.
    let renderLock: RenderLock

    init(_ family: MetricFamily, renderLock: RenderLock) {
        precondition(family.kind == Kind.kind, "\(family.name) is a \(family.kind.rawValue)")
        self.family = family
        self.renderLock = renderLock
        store = Mutex(ValueStore(family, labelNames: family.labelNames))
    }

    public var name: String { family.name }
    public var labelNames: [String] { family.labelNames }
    var families: [MetricFamily] { [family] }

    /// Removes the series with these label values, if it exists.
    public func remove(_ labelValues: [String]) {
        store.withLock { $0.remove(labelValues) }
    }

    /// Makes `samples` the whole set of series whose label values begin with `owner` (a
    /// warehouse, a warehouse's table): series of the owner that are not among them are removed,
    /// so a dropped table or a column that is gone is not served forever.
    public func replace(owner: [String], with samples: [(labels: [String], value: Double)]) {
        for sample in samples { check(sample.labels) }
        store.withLock { $0.replace(owner: owner, with: samples, now: 0) }
    }

    /// The label values of every series in the family.
    public var labelSets: [[String]] {
        store.withLock { $0.table.liveValues }
    }

    /// The value of the series with these label values.
    public func value(_ labelValues: [String]) -> Double? {
        store.withLock { $0.value(labelValues) }
    }

    func emit(into buffer: inout [UInt8], format: ExpositionFormat) {
        store.withLock { $0.emit(into: &buffer, format: format) }
    }

    func removeSeries(warehouse: String) {
        store.withLock { _ = $0.remove(.warehouse(warehouse)) }
    }

    fileprivate func update(_ labelValues: [String], _ body: (inout ValueStore, Int) -> Void) {
        check(labelValues)
        store.withLock { store in
            let slot = store.slot(for: labelValues, now: 0)
            body(&store, slot)
        }
    }

    private func check(_ labelValues: [String]) {
        precondition(labelValues.count == family.labelNames.count, "\(name) takes \(family.labelNames.count) label values, got \(labelValues.count)")
    }
}

/// The kind of a ``LabeledFamily``: what its values mean and how they change.
public protocol FamilyKind: Sendable {
    static var kind: MetricFamily.Kind { get }
}

/// A value that is set: it can go down.
public enum GaugeKind: FamilyKind {
    public static let kind = MetricFamily.Kind.gauge
}

/// A value that only goes up.
public enum CounterKind: FamilyKind {
    public static let kind = MetricFamily.Kind.counter
}

/// A gauge's series.
public typealias GaugeFamily = LabeledFamily<GaugeKind>

/// A counter's series.
public typealias CounterFamily = LabeledFamily<CounterKind>

extension LabeledFamily where Kind == GaugeKind {
    /// Sets the series with these label values, creating it if needed.
    public func set(_ value: Double, _ labelValues: [String]) {
        update(labelValues) { store, slot in store.set(value, slot: slot, now: 0) }
    }

    /// Adds `amount`, which may be negative, to the series with these label values, creating it
    /// at 0 if needed.
    public func add(_ amount: Double, _ labelValues: [String]) {
        update(labelValues) { store, slot in store.set((store.value(labelValues) ?? 0) + amount, slot: slot, now: 0) }
    }
}

extension LabeledFamily where Kind == CounterKind {
    /// Adds `amount` (≥ 0) to the series with these label values, creating it if needed.
    public func increment(by amount: Double, _ labelValues: [String]) {
        update(labelValues) { store, slot in store.add(amount, slot: slot, now: 0) }
    }
}
