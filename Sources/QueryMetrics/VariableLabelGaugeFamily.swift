import Synchronization

/// A gauge family whose series need not share label names: each custom data check brings its
/// own label columns, and swift-prometheus fixes one label list per name. Series belong to an
/// owner (a warehouse's check) and are replaced as a whole at each of its runs, so a row that is
/// gone from the check's result is gone from the exposition.
public final class VariableLabelGaugeFamily: Sendable, RenderedFamily {
    public let name: String
    let help: String
    private let owners = Mutex<[[String]: [(labels: [UInt8], value: Double)]]>([:])

    init(name: String, help: String) {
        self.name = name
        self.help = help
    }

    var familyNames: [String] { [name] }

    /// Replaces the owner's series. Each sample's labels are (name, value) pairs in the order
    /// they are written; the caller keeps names valid and label sets distinct.
    public func replace(owner: [String], samples: [(labels: [(String, String)], value: Double)]) {
        let rendered = samples.map { sample in
            (labels: ExpositionWriter.labelText(names: sample.labels.map(\.0), values: sample.labels.map(\.1)), value: sample.value)
        }
        owners.withLock { $0[owner] = rendered.isEmpty ? nil : rendered }
    }

    /// Removes the owner's series.
    public func remove(owner: [String]) {
        _ = owners.withLock { $0.removeValue(forKey: owner) }
    }

    func emit(into buffer: inout [UInt8]) {
        owners.withLock { owners in
            guard !owners.isEmpty else { return }
            ExpositionWriter.header(name, help: help, type: "gauge", into: &buffer)
            for owner in owners.keys.sorted(by: { $0.lexicographicallyPrecedes($1) }) {
                for sample in owners[owner]! {
                    ExpositionWriter.sampleName(name, labels: sample.labels, into: &buffer)
                    ExpositionWriter.append(sample.value, into: &buffer)
                    buffer.append(UInt8(ascii: "\n"))
                }
            }
        }
    }
}
