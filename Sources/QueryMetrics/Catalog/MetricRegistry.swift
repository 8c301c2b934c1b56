import Synchronization

/// The exporter's metrics, rendered in the Prometheus text exposition format in the order their
/// families were registered. Every family is held by the project's own stores (docs/performance.md
/// says why, with the measurements).
public final class MetricRegistry: Sendable {
    private let sources = Mutex<(names: Set<String>, list: [any RenderedFamily])>(([], []))
    private let renderLock = RenderLock()

    public init() {}

    /// Creates the gauge family declared as `family`. Each family may be created once per registry.
    public func gauge(_ family: MetricFamily) -> GaugeFamily {
        add(GaugeFamily(family, renderLock: renderLock))
    }

    /// Creates the counter family declared as `family`.
    public func counter(_ family: MetricFamily) -> CounterFamily {
        add(CounterFamily(family, renderLock: renderLock))
    }

    /// Creates the gauge family declared as `family` whose series each bring more labels of their own.
    public func variableLabelGauge(_ family: MetricFamily) -> VariableLabelGaugeFamily {
        add(VariableLabelGaugeFamily(family))
    }

    /// Creates the histogram family declared as `family`, with these upper bounds (ascending, +Inf
    /// implied).
    public func histogram(_ family: MetricFamily, bounds: [Double]) -> HistogramFamily {
        add(HistogramFamily(family, bounds: bounds))
    }

    /// Adds the process families, read by `read` at each rendering; without it they are not served.
    func process(read: (@Sendable () -> ProcessFamilies.Sample)?) {
        add(ProcessFamilies(read: read))
    }

    /// Adds a query recorder's families to the exposition; their names must be new here.
    public func register(_ recorder: QueryRecorder) {
        add(recorder)
    }

    @discardableResult
    private func add<Source: RenderedFamily>(_ source: Source) -> Source {
        for family in source.families {
            let labels = family.labelNames(Set(LabelPolicy.Dimension.allCases))
            precondition(labels.allSatisfy(MetricFamily.isValidLabelName), "invalid label name in \(labels) for \(family.name)")
            precondition(Set(labels).count == labels.count, "duplicate label name in \(labels) for \(family.name)")
        }
        sources.withLock { sources in
            for family in source.families {
                precondition(sources.names.insert(family.name).inserted, "metric family \(family.name) created twice")
            }
            sources.list.append(source)
        }
        return source
    }

    /// Removes every series of `warehouse` from every family, at once for a scrape: a warehouse
    /// taken out of the configuration is gone from the exposition whole, with nothing left to go
    /// stale in Prometheus one family at a time.
    public func removeSeries(warehouse: String) {
        let list = sources.withLock { $0.list }
        renderLock.withLock {
            for source in list { source.removeSeries(warehouse: warehouse) }
        }
    }

    /// The declarations of every family registered, in rendering order.
    public var families: [MetricFamily] {
        sources.withLock { $0.list.flatMap(\.families) }
    }

    /// The whole exposition, in `format`: a collector run's snapshot is in it whole or not at all
    /// (``GaugeSnapshot``).
    public func render(_ format: ExpositionFormat = .text) -> [UInt8] {
        var buffer: [UInt8] = []
        buffer.reserveCapacity(16 * 1024)
        let list = sources.withLock { $0.list }
        renderLock.withLock {
            for source in list { source.emit(into: &buffer, format: format) }
        }
        if format == .openMetrics { buffer += "# EOF\n".utf8 }
        return buffer
    }
}

/// What the registry renders: one family or a group of them.
protocol RenderedFamily: Sendable {
    /// The declarations of the families this source serves.
    var families: [MetricFamily] { get }
    func emit(into buffer: inout [UInt8], format: ExpositionFormat)
    /// Removes every series of `warehouse`; a family without a `warehouse` label keeps its own.
    func removeSeries(warehouse: String)
}
