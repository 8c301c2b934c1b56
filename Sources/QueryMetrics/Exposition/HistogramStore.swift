/// The series of one histogram family, stored flat: one row of bucket counts (not cumulative;
/// summed when rendered) per slot, plus sum and count. No per-series objects, no per-series locks; the owner serialises
/// access.
struct HistogramStore {
    let family: MetricFamily
    /// Upper bounds, ascending, without +Inf.
    let bounds: [Double]
    /// `le="<bound>"} ` per bucket, +Inf last: what a bucket line holds after its labels.
    private let boundText: [[UInt8]]
    /// The same in OpenMetrics, whose bounds are canonical numbers: `1.0`, not `1`.
    private let canonicalBoundText: [[UInt8]]
    private(set) var table: SeriesTable
    /// `(bounds.count + 1)` counts per slot; the last is the +Inf bucket.
    private var buckets: [UInt64] = []
    private var sums: [Double] = []
    private var counts: [UInt64] = []
    /// The latest exemplar of each bucket that has one, by `slot * width + bucket`: only buckets
    /// of observations that named their query take room.
    private var exemplars: [Int: Exemplar] = [:]
    /// What the protobuf format carries: classic buckets, native ones, or both.
    let mode: HistogramBuckets.Mode
    /// Each slot's native histogram, unless the mode is classic.
    private var natives: [NativeHistogram] = []

    init(_ family: MetricFamily, labelNames: [String], bounds: [Double], mode: HistogramBuckets.Mode = .classic) {
        self.family = family
        self.bounds = bounds
        self.mode = mode
        self.table = SeriesTable(labelNames: labelNames)
        boundText = bounds.map { bound in
            var text = Array("le=\"".utf8)
            ExpositionWriter.append(bound, into: &text)
            return text + Array("\"} ".utf8)
        } + [Array("le=\"+Inf\"} ".utf8)]
        canonicalBoundText = bounds.map { bound in
            var number: [UInt8] = []
            ExpositionWriter.append(bound, into: &number)
            if !number.contains(UInt8(ascii: ".")) && !number.contains(UInt8(ascii: "e")) { number += ".0".utf8 }
            return Array("le=\"".utf8) + number + Array("\"} ".utf8)
        } + [Array("le=\"+Inf\"} ".utf8)]
    }

    var name: String { family.name }
    var seriesCount: Int { table.count }

    func slot(_ values: [String]) -> Int? { table.slot(values) }

    mutating func insert(_ values: [String], now: Double) -> Int {
        let (slot, isNew) = table.insert(values, now: now)
        let width = bounds.count + 1
        if isNew {
            buckets.append(contentsOf: repeatElement(0, count: width))
            sums.append(0)
            counts.append(0)
            if mode != .classic { natives.append(NativeHistogram()) }
        } else {
            if mode != .classic { natives[slot] = NativeHistogram() }
            for index in (slot * width)..<((slot + 1) * width) {
                buckets[index] = 0
                if !exemplars.isEmpty { exemplars[index] = nil }
            }
            sums[slot] = 0
            counts[slot] = 0
        }
        return slot
    }

    /// Counts `value` in the series at `slot`; an exemplar, when given, becomes its bucket's.
    mutating func observe(_ value: Double, slot: Int, now: Double, exemplar: Exemplar? = nil) {
        let width = bounds.count + 1
        var bucket = bounds.count
        // Few bounds: a linear scan beats a binary search and stops early for fast queries.
        for (index, bound) in bounds.enumerated() where value <= bound {
            bucket = index
            break
        }
        buckets[slot * width + bucket] &+= 1
        if let exemplar { exemplars[slot * width + bucket] = exemplar }
        if mode != .classic { natives[slot].observe(value) }
        sums[slot] += value
        counts[slot] &+= 1
        table.touch(slot, now: now)
    }

    mutating func remove(_ sweep: SeriesSweep) -> [[String]] {
        table.remove(sweep).map(\.values)
    }

    func emit(into buffer: inout [UInt8], format: ExpositionFormat) {
        guard table.count > 0 else { return }
        if format == .protobuf { return emitProtobuf(into: &buffer) }
        ExpositionWriter.header(family, format: format, into: &buffer)
        let width = bounds.count + 1
        let name = family.name
        // Written once per bucket line: 16 lines a series.
        let bucketPrefix = Array((name + "_bucket{").utf8)
        let boundText = format == .openMetrics ? canonicalBoundText : boundText
        for slot in table.liveSlots {
            let labels = table.labelText[slot]
            var cumulative: UInt64 = 0
            for bucket in 0..<width {
                cumulative &+= buckets[slot * width + bucket]
                buffer += bucketPrefix
                buffer += labels
                if !labels.isEmpty { buffer.append(UInt8(ascii: ",")) }
                buffer += boundText[bucket]
                ExpositionWriter.append(cumulative, into: &buffer)
                if format == .openMetrics, let exemplar = exemplars[slot * width + bucket] { exemplar.write(into: &buffer) }
                buffer.append(UInt8(ascii: "\n"))
            }
            ExpositionWriter.sampleName(name, suffix: "_sum", labels: labels, into: &buffer)
            ExpositionWriter.append(sums[slot], into: &buffer)
            buffer.append(UInt8(ascii: "\n"))
            ExpositionWriter.sampleName(name, suffix: "_count", labels: labels, into: &buffer)
            ExpositionWriter.append(counts[slot], into: &buffer)
            buffer.append(UInt8(ascii: "\n"))
        }
    }

    /// The family as one protobuf `MetricFamily`: each series' count and sum, its classic buckets
    /// (with their exemplars) unless the mode is native, its native buckets unless it is classic.
    private func emitProtobuf(into buffer: inout [UInt8]) {
        let width = bounds.count + 1
        var writer = ProtobufWriter()
        writer.family(family, type: .histogram) { writer in
            for slot in table.liveSlots {
                writer.message(4) { metric in
                    metric.labels(zip(table.labelNames, table.labelValues[slot] ?? []))
                    metric.message(7) { histogram in
                        histogram.uint(1, counts[slot])
                        histogram.double(2, sums[slot])
                        if mode != .native {
                            var cumulative: UInt64 = 0
                            for bucket in 0..<bounds.count {
                                cumulative &+= buckets[slot * width + bucket]
                                histogram.message(3) { message in
                                    message.uint(1, cumulative)
                                    message.double(2, bounds[bucket])
                                    if let exemplar = exemplars[slot * width + bucket] { message.exemplar(3, exemplar) }
                                }
                            }
                        }
                        if mode != .classic { histogram.native(natives[slot]) }
                    }
                }
            }
        }
        buffer += writer.bytes
    }
}
