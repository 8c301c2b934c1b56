import Synchronization

/// A gauge family whose series need not share label names: each custom data check brings its
/// own label columns after the family's declared ones. Series belong to an owner (a warehouse's
/// check) and are replaced as a whole at each of its runs, so a row that is gone from the check's
/// result is gone from the exposition.
public final class VariableLabelGaugeFamily: Sendable, RenderedFamily {
    public let family: MetricFamily
    private let owners = Mutex<[[String]: [(labels: [UInt8], value: Double)]]>([:])

    init(_ family: MetricFamily) {
        self.family = family
    }

    public var name: String { family.name }
    var families: [MetricFamily] { [family] }

    /// Makes `samples` the owner's whole set of series. Each sample's labels are (name, value)
    /// pairs in the order they are written; the caller keeps names valid and label sets distinct.
    public func replace(owner: [String], with samples: [(labels: [(String, String)], value: Double)]) {
        let rendered = samples.map { sample in
            (labels: ExpositionWriter.labelText(names: sample.labels.map(\.0), values: sample.labels.map(\.1)), value: sample.value)
        }
        owners.withLock { $0[owner] = rendered.isEmpty ? nil : rendered }
    }

    func removeSeries(warehouse: String) {
        guard family.labelNames.first == "warehouse" else { return }
        owners.withLock { owners in owners = owners.filter { $0.key.first != warehouse } }
    }

    func emit(into buffer: inout [UInt8], format: ExpositionFormat) {
        owners.withLock { owners in
            guard !owners.isEmpty else { return }
            if format == .protobuf {
                let samples = owners.keys.sorted(by: { $0.lexicographicallyPrecedes($1) }).flatMap { owners[$0]! }
                buffer += ProtobufWriter.gauges(family, samples.map { ($0.labels, $0.value) })
                return
            }
            ExpositionWriter.header(family, format: format, into: &buffer)
            for owner in owners.keys.sorted(by: { $0.lexicographicallyPrecedes($1) }) {
                for sample in owners[owner]! {
                    ExpositionWriter.sampleName(family.name, labels: sample.labels, into: &buffer)
                    ExpositionWriter.append(sample.value, into: &buffer)
                    buffer.append(UInt8(ascii: "\n"))
                }
            }
        }
    }
}
