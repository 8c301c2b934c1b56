import Synchronization

/// A histogram family with fixed label names and no label policy, for the exporter's own
/// observations (its scrapes), whose label values it chooses itself. The query histograms go
/// through ``QueryRecorder`` instead, under the policy's caps.
public final class HistogramFamily: Sendable, RenderedFamily {
    public let family: MetricFamily
    private let store: Mutex<HistogramStore>

    init(_ family: MetricFamily, bounds: [Double]) {
        precondition(family.kind == .histogram, "\(family.name) is a \(family.kind.rawValue)")
        self.family = family
        store = Mutex(HistogramStore(family, labelNames: family.labelNames, bounds: bounds))
    }

    var families: [MetricFamily] { [family] }

    /// Counts `value` in the series with these label values, creating it if needed.
    public func observe(_ value: Double, _ labelValues: [String]) {
        precondition(labelValues.count == family.labelNames.count, "\(family.name) takes \(family.labelNames.count) label values")
        store.withLock { store in
            let slot = store.slot(labelValues) ?? store.insert(labelValues, now: 0)
            store.observe(value, slot: slot, now: 0)
        }
    }

    func emit(into buffer: inout [UInt8], format: ExpositionFormat) {
        store.withLock { $0.emit(into: &buffer, format: format) }
    }

    func removeSeries(warehouse: String) {
        store.withLock { _ = $0.remove(.warehouse(warehouse)) }
    }
}
