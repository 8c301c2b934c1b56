import Prometheus
import Synchronization

/// The exporter's metrics, rendered in the Prometheus text exposition format.
///
/// A thin layer over swift-prometheus that checks names and label names when a family is
/// created, because swift-prometheus stops the process on a conflicting registration.
public final class MetricRegistry: Sendable {
    /// The content type of ``render()``'s output.
    public static let contentType = "text/plain; version=0.0.4; charset=utf-8"

    let prometheus = PrometheusCollectorRegistry()
    private let families = Mutex<Set<String>>([])
    /// Families rendered by our own stores (histograms, counters, check values), after swift-prometheus's.
    private let rendered = Mutex<[any RenderedFamily]>([])

    public init() {}

    /// Creates the gauge family `name`. Each name may be created once per registry.
    public func gaugeFamily(_ name: String, help: String, labels: [String]) -> GaugeFamily {
        validate(name, labels: labels)
        return GaugeFamily(
            name: name, labelNames: labels,
            make: { [prometheus] in prometheus.makeGauge(descriptor: Self.descriptor(name, help), labels: $0) },
            unregister: { [prometheus] in prometheus.unregisterGauge($0) })
    }

    /// Creates the counter family `name` (which ends in `_total`). Each name may be created once.
    public func counterFamily(_ name: String, help: String, labels: [String]) -> CounterFamily {
        validate(name, labels: labels)
        precondition(name.hasSuffix("_total"), "counter \(name) must end in _total")
        return CounterFamily(
            name: name, labelNames: labels,
            make: { [prometheus] in prometheus.makeCounter(descriptor: Self.descriptor(name, help), labels: $0) },
            unregister: { [prometheus] in prometheus.unregisterCounter($0) })
    }

    /// Our names are whole: no namespace, subsystem or unit to join (and the descriptor is not
    /// Sendable, so it is made where it is used).
    private static func descriptor(_ name: String, _ help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(metricName: name, unitName: "", helpText: help)
    }

    /// Checks what swift-prometheus would otherwise stop the process for, once, at creation.
    private func validate(_ name: String, labels: [String]) {
        precondition(Self.isValidName(name), "invalid metric name \(name)")
        precondition(labels.allSatisfy(Self.isValidLabelName), "invalid label name in \(labels) for \(name)")
        precondition(Set(labels).count == labels.count, "duplicate label name in \(labels) for \(name)")
        let fresh = families.withLock { $0.insert(name).inserted }
        precondition(fresh, "metric family \(name) created twice")
    }

    /// Adds a query recorder's families to the exposition; their names must be new here.
    public func register(_ recorder: QueryRecorder) {
        add(recorder)
    }

    /// Creates the gauge family `name` whose series each bring their own label names.
    public func variableLabelGaugeFamily(_ name: String, help: String) -> VariableLabelGaugeFamily {
        let family = VariableLabelGaugeFamily(name: name, help: help)
        add(family)
        return family
    }

    private func add(_ source: any RenderedFamily) {
        families.withLock { families in
            for name in source.familyNames {
                precondition(Self.isValidName(name) && families.insert(name).inserted, "metric family \(name) created twice")
            }
        }
        rendered.withLock { $0.append(source) }
    }

    /// The whole exposition, in the text format.
    public func render() -> [UInt8] {
        var buffer: [UInt8] = []
        buffer.reserveCapacity(16 * 1024)
        prometheus.emit(into: &buffer)
        for source in rendered.withLock({ $0 }) { source.emit(into: &buffer) }
        return buffer
    }

    static func isValidName(_ name: String) -> Bool {
        guard let first = name.utf8.first, !(UInt8(ascii: "0")...UInt8(ascii: "9")).contains(first) else { return false }
        return name.utf8.allSatisfy { $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: ":") || isAlphanumeric($0) }
    }

    /// Whether Prometheus accepts `name` as a label name (and not as one of its own, `__…`).
    public static func isValidLabelName(_ name: String) -> Bool {
        guard let first = name.utf8.first, !(UInt8(ascii: "0")...UInt8(ascii: "9")).contains(first), !name.hasPrefix("__")
        else { return false }
        return name.utf8.allSatisfy { $0 == UInt8(ascii: "_") || isAlphanumeric($0) }
    }

    private static func isAlphanumeric(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
            || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
    }
}

/// Families the registry renders by asking them, rather than through swift-prometheus.
protocol RenderedFamily: Sendable {
    var familyNames: [String] { get }
    func emit(into buffer: inout [UInt8])
}

extension QueryRecorder: RenderedFamily {
    var familyNames: [String] { Self.familyNames }
}
