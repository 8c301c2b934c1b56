import Prometheus
import Synchronization

/// All series of one gauge: one metric name, a fixed list of label names, any number of label values.
///
/// Keeps a handle per label set, so setting a value costs one dictionary lookup, and removing a
/// series (a dropped table, a departed user) unregisters it from the exposition.
public final class GaugeFamily: Sendable {
    public let name: String
    public let labelNames: [String]
    private let help: String
    private let registry: PrometheusCollectorRegistry
    private let series = Mutex<[[String]: Gauge]>([:])

    init(registry: PrometheusCollectorRegistry, name: String, help: String, labelNames: [String]) {
        self.registry = registry
        self.name = name
        self.help = help
        self.labelNames = labelNames
    }

    /// Sets the series with these label values (in `labelNames` order), creating it if needed.
    public func set(_ value: Double, _ labelValues: [String]) {
        gauge(labelValues).set(value)
    }

    /// Removes the series with these label values, if it exists.
    public func remove(_ labelValues: [String]) {
        if let gauge = series.withLock({ $0.removeValue(forKey: labelValues) }) {
            registry.unregisterGauge(gauge)
        }
    }

    /// The label values of every series in the family.
    public var labelSets: [[String]] {
        series.withLock { Array($0.keys) }
    }

    private func gauge(_ labelValues: [String]) -> Gauge {
        precondition(labelValues.count == labelNames.count, "\(name) takes \(labelNames.count) label values, got \(labelValues.count)")
        return series.withLock { series in
            if let gauge = series[labelValues] { return gauge }
            let descriptor = MetricNameDescriptor(metricName: name, unitName: "", helpText: help)
            let gauge = registry.makeGauge(descriptor: descriptor, labels: Array(zip(labelNames, labelValues)))
            series[labelValues] = gauge
            return gauge
        }
    }
}
