/// A gauge family whose series are replaced as a whole at each poll of a warehouse (running
/// queries, blocked queries, sessions idle in a transaction): a series that is not in the new
/// snapshot is gone, so nothing expires by time. Values of the same label set add up, or take the
/// largest for ages.
struct SnapshotStore {
    enum Combine { case sum, max }

    let family: MetricFamily
    let labelNames: [String]
    let combine: Combine
    private var snapshots: [[String]: [(labels: [UInt8], value: Double)]] = [:]

    init(_ family: MetricFamily, labelNames: [String], combine: Combine) {
        self.family = family
        self.labelNames = labelNames
        self.combine = combine
    }

    var name: String { family.name }

    var seriesCount: Int { snapshots.values.reduce(0) { $0 + $1.count } }

    /// Replaces the owner's (a warehouse's) series. `samples` hold label values in `labelNames`
    /// order, the first being the warehouse; at most `maxValuesPerLabel` distinct values of each other label are
    /// kept (those with the most weight), the rest folded into `__other__`. Returns the number of
    /// samples folded, per label name.
    mutating func replace(owner: [String], with samples: [([String], Double)], maxValuesPerLabel: Int) -> [String: Int] {
        var folded: [String: Int] = [:]
        var rows = samples
        for index in labelNames.indices.dropFirst() {
            var weight: [String: Double] = [:]
            for (values, value) in rows { weight[values[index], default: 0] += value }
            guard weight.count > maxValuesPerLabel else { continue }
            let kept = Set(weight.sorted { ($0.value, $1.key) > ($1.value, $0.key) }.prefix(maxValuesPerLabel).map(\.key))
            for row in rows.indices where !kept.contains(rows[row].0[index]) {
                rows[row].0[index] = LabelPolicy.other
                folded[labelNames[index], default: 0] += 1
            }
        }
        var merged: [[String]: Double] = [:]
        for (values, value) in rows {
            merged[values] = merged[values].map { combine == .sum ? $0 + value : Swift.max($0, value) } ?? value
        }
        snapshots[owner] = merged.sorted { $0.key.lexicographicallyPrecedes($1.key) }.map { values, value in
            (ExpositionWriter.labelText(names: labelNames, values: values), value)
        }
        return folded
    }

    func emit(into buffer: inout [UInt8], format: ExpositionFormat) {
        guard seriesCount > 0 else { return }
        if format == .protobuf {
            let samples = snapshots.keys.sorted(by: { $0.lexicographicallyPrecedes($1) }).flatMap { snapshots[$0]! }
            buffer += ProtobufWriter.gauges(family, samples)
            return
        }
        ExpositionWriter.header(family, format: format, into: &buffer)
        for owner in snapshots.keys.sorted(by: { $0.lexicographicallyPrecedes($1) }) {
            for (labels, value) in snapshots[owner]! {
                ExpositionWriter.sampleName(name, labels: labels, into: &buffer)
                ExpositionWriter.append(value, into: &buffer)
                buffer.append(UInt8(ascii: "\n"))
            }
        }
    }
}
