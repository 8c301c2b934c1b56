/// Writes Prometheus's protobuf exposition (`io.prometheus.client.MetricFamily`, each message
/// preceded by its length as a varint: the `delimited` encoding), the format that carries native
/// histograms. The few messages it needs are written by hand: the wire format is a tag, a varint
/// or a length and bytes per field, and a library would bring more code than this.
struct ProtobufWriter {
    /// The `MetricFamily` message types.
    enum MetricType: UInt64 {
        case counter = 0, gauge = 1, histogram = 4
    }

    private(set) var bytes: [UInt8] = []

    // MARK: - Fields

    mutating func varint(_ value: UInt64) {
        var value = value
        while value >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: value) | 0x80)
            value >>= 7
        }
        bytes.append(UInt8(value))
    }

    mutating func tag(_ field: UInt64, _ wireType: UInt64) {
        varint(field << 3 | wireType)
    }

    mutating func uint(_ field: UInt64, _ value: UInt64) {
        tag(field, 0)
        varint(value)
    }

    /// A `sint32`/`sint64`: zigzag, so small negative numbers stay small.
    mutating func sint(_ field: UInt64, _ value: Int64) {
        tag(field, 0)
        varint(UInt64(bitPattern: (value << 1) ^ (value >> 63)))
    }

    mutating func double(_ field: UInt64, _ value: Double) {
        tag(field, 1)
        withUnsafeBytes(of: value.bitPattern.littleEndian) { bytes += $0 }
    }

    mutating func string(_ field: UInt64, _ value: String) {
        tag(field, 2)
        varint(UInt64(value.utf8.count))
        bytes += value.utf8
    }

    /// A nested message, written by `body` into a writer of its own.
    mutating func message(_ field: UInt64, _ body: (inout ProtobufWriter) -> Void) {
        var nested = ProtobufWriter()
        body(&nested)
        tag(field, 2)
        varint(UInt64(nested.bytes.count))
        bytes += nested.bytes
    }

    // MARK: - Messages

    /// A gauge family of samples whose labels are kept as exposition text.
    static func gauges(_ family: MetricFamily, _ samples: [(labels: [UInt8], value: Double)]) -> [UInt8] {
        var writer = ProtobufWriter()
        writer.family(family, type: .gauge) { writer in
            for sample in samples { writer.metric(ExpositionWriter.labelPairs(sample.labels), type: .gauge, value: sample.value) }
        }
        return writer.bytes
    }

    /// One `MetricFamily`, length-delimited, whose `Metric` messages `metrics` writes.
    mutating func family(_ family: MetricFamily, type: MetricType, _ metrics: (inout ProtobufWriter) -> Void) {
        var message = ProtobufWriter()
        message.string(1, family.name)
        message.string(2, family.help)
        message.uint(3, type.rawValue)
        metrics(&message)
        varint(UInt64(message.bytes.count))
        bytes += message.bytes
    }

    /// A `LabelPair` per label with a value (an empty label is none, as in the text format).
    mutating func labels(_ pairs: some Sequence<(String, String)>) {
        for (name, value) in pairs where !value.isEmpty {
            message(1) { pair in
                pair.string(1, name)
                pair.string(2, value)
            }
        }
    }

    /// A `Metric` with a gauge's or a counter's value.
    mutating func metric(_ labels: some Sequence<(String, String)>, type: MetricType, value: Double, exemplar: Exemplar? = nil) {
        message(4) { metric in
            metric.labels(labels)
            metric.message(type == .counter ? 3 : 2) { sample in
                sample.double(1, value)
                if type == .counter, let exemplar { sample.exemplar(2, exemplar) }
            }
        }
    }

    /// An `Exemplar` with its query and trace ids.
    mutating func exemplar(_ field: UInt64, _ exemplar: Exemplar) {
        message(field) { message in
            message.labels([("query_id", exemplar.queryID ?? ""), ("trace_id", exemplar.traceID ?? "")])
            message.double(2, exemplar.value)
            if let timestamp = exemplar.timestamp {
                message.message(3) { time in
                    let seconds = timestamp.rounded(.down)
                    time.uint(1, UInt64(bitPattern: Int64(seconds)))
                    time.uint(2, UInt64(((timestamp - seconds) * 1e9).rounded()))
                }
            }
        }
    }

    /// The native part of a `Histogram`: schema, zero bucket, positive spans and deltas.
    mutating func native(_ histogram: NativeHistogram) {
        sint(5, Int64(histogram.schema))
        double(6, NativeHistogram.zeroThreshold)
        uint(7, histogram.zeroCount)
        let (spans, deltas) = histogram.spansAndDeltas
        for span in spans {
            message(12) { message in
                message.sint(1, Int64(span.offset))
                message.uint(2, UInt64(span.length))
            }
        }
        for delta in deltas { sint(13, delta) }
    }
}
