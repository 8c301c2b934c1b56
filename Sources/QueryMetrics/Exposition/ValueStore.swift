/// The series of one gauge or counter family, stored flat like ``HistogramStore``: one value per
/// slot of a ``SeriesTable``.
struct ValueStore {
    let family: MetricFamily
    private(set) var table: SeriesTable
    private var values: [Double] = []
    /// A counter's latest exemplar per slot, for the series whose increments named their query.
    private var exemplars: [Int: Exemplar] = [:]

    init(_ family: MetricFamily, labelNames: [String]) {
        self.family = family
        self.table = SeriesTable(labelNames: labelNames)
    }

    var name: String { family.name }
    var seriesCount: Int { table.count }

    func slot(_ values: [String]) -> Int? { table.slot(values) }

    mutating func insert(_ labelValues: [String], now: Double) -> Int {
        let (slot, isNew) = table.insert(labelValues, now: now)
        if isNew {
            values.append(0)
        } else {
            values[slot] = 0
            if !exemplars.isEmpty { exemplars[slot] = nil }
        }
        return slot
    }

    /// The slot of the series with these label values, created if needed (for families without a
    /// label policy: the overflow counter, the gauges).
    mutating func slot(for labelValues: [String], now: Double) -> Int {
        slot(labelValues) ?? insert(labelValues, now: now)
    }

    /// Adds `amount` (negative amounts are ignored: a counter only goes up); an exemplar, when
    /// given, becomes the series'.
    mutating func add(_ amount: Double, slot: Int, now: Double, exemplar: Exemplar? = nil) {
        if amount > 0 {
            values[slot] += amount
            if let exemplar { exemplars[slot] = exemplar }
        }
        table.touch(slot, now: now)
    }

    mutating func set(_ value: Double, slot: Int, now: Double) {
        values[slot] = value
        table.touch(slot, now: now)
    }

    func value(_ labelValues: [String]) -> Double? {
        slot(labelValues).map { values[$0] }
    }

    mutating func remove(_ labelValues: [String]) {
        table.remove(labelValues)
    }

    /// Makes `samples` the series whose label values begin with `owner`: sets each, and removes
    /// the owner's other series.
    mutating func replace(owner: [String], with samples: [(labels: [String], value: Double)], now: Double) {
        let kept = Set(samples.map(\.labels))
        for labels in table.liveValues where labels.starts(with: owner) && !kept.contains(labels) {
            table.remove(labels)
        }
        for sample in samples {
            set(sample.value, slot: slot(for: sample.labels, now: now), now: now)
        }
    }

    mutating func remove(_ sweep: SeriesSweep) -> [[String]] {
        table.remove(sweep).map(\.values)
    }

    func emit(into buffer: inout [UInt8], format: ExpositionFormat) {
        guard table.count > 0 else { return }
        if format == .protobuf {
            let type: ProtobufWriter.MetricType = family.kind == .counter ? .counter : .gauge
            var writer = ProtobufWriter()
            writer.family(family, type: type) { writer in
                for slot in table.liveSlots {
                    writer.metric(zip(table.labelNames, table.labelValues[slot] ?? []), type: type, value: values[slot], exemplar: exemplars[slot])
                }
            }
            buffer += writer.bytes
            return
        }
        ExpositionWriter.header(family, format: format, into: &buffer)
        for slot in table.liveSlots {
            ExpositionWriter.sampleName(family.name, labels: table.labelText[slot], into: &buffer)
            ExpositionWriter.append(values[slot], into: &buffer)
            if format == .openMetrics, let exemplar = exemplars[slot] { exemplar.write(into: &buffer) }
            buffer.append(UInt8(ascii: "\n"))
        }
    }
}
