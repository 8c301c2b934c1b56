public import Prometheus
import Synchronization

/// All series of one swift-prometheus metric: one name, a fixed list of label names, any number
/// of label values. ``GaugeFamily`` and ``CounterFamily`` are its two kinds.
///
/// Keeps a handle per label set, so updating a value costs one dictionary lookup, and removing a
/// series (a dropped table) unregisters it from the exposition. For families with few series that
/// are rarely added; the query families have their own stores (docs/performance.md says why).
public final class LabeledFamily<Handle: AnyObject & Sendable>: Sendable {
    public let name: String
    public let labelNames: [String]
    private let make: @Sendable ([(String, String)]) -> Handle
    private let unregister: @Sendable (Handle) -> Void
    private let series = Mutex<[[String]: Handle]>([:])

    init(name: String, labelNames: [String], make: @escaping @Sendable ([(String, String)]) -> Handle,
         unregister: @escaping @Sendable (Handle) -> Void) {
        self.name = name
        self.labelNames = labelNames
        self.make = make
        self.unregister = unregister
    }

    /// The series with these label values (in `labelNames` order), created if needed.
    func handle(_ labelValues: [String]) -> Handle {
        precondition(labelValues.count == labelNames.count, "\(name) takes \(labelNames.count) label values, got \(labelValues.count)")
        return series.withLock { series in
            if let handle = series[labelValues] { return handle }
            let handle = make(Array(zip(labelNames, labelValues)))
            series[labelValues] = handle
            return handle
        }
    }

    /// Removes the series with these label values, if it exists.
    public func remove(_ labelValues: [String]) {
        if let handle = series.withLock({ $0.removeValue(forKey: labelValues) }) {
            unregister(handle)
        }
    }

    /// The label values of every series in the family.
    public var labelSets: [[String]] {
        series.withLock { Array($0.keys) }
    }
}

/// A gauge's series.
public typealias GaugeFamily = LabeledFamily<Gauge>

/// A counter's series.
public typealias CounterFamily = LabeledFamily<Counter>

extension LabeledFamily where Handle == Gauge {
    /// Sets the series with these label values, creating it if needed.
    public func set(_ value: Double, _ labelValues: [String]) {
        handle(labelValues).set(value)
    }
}

extension LabeledFamily where Handle == Counter {
    /// Adds `amount` (> 0) to the series with these label values, creating it if needed.
    public func increment(by amount: Double, _ labelValues: [String]) {
        handle(labelValues).increment(by: amount)
    }
}
