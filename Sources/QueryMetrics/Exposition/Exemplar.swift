/// The query behind an observation, as OpenMetrics shows it beside a bucket or a counter: the
/// warehouse's id for that one execution, the trace of the request that sent it, the value
/// observed and when. A bucket keeps the latest.
struct Exemplar: Sendable {
    var queryID: String?
    var traceID: String?
    var value: Double
    /// When the query ended, in seconds since the epoch; nil when the warehouse did not say.
    var timestamp: Double?

    /// OpenMetrics limits an exemplar's label names and values to 128 characters in all.
    static let maximumLabelCharacters = 128

    /// ` # {query_id="…",trace_id="…"} value timestamp`, for the end of a sample line; nothing when
    /// the exemplar has no label.
    func write(into buffer: inout [UInt8]) {
        var names: [String] = []
        var values: [String] = []
        var characters = 0
        for (name, value) in [("query_id", queryID), ("trace_id", traceID)] {
            guard let value, !value.isEmpty, characters + name.count + value.count <= Self.maximumLabelCharacters else { continue }
            characters += name.count + value.count
            names.append(name)
            values.append(value)
        }
        guard !names.isEmpty else { return }
        buffer += " # {".utf8
        buffer += ExpositionWriter.labelText(names: names, values: values)
        buffer += "} ".utf8
        ExpositionWriter.append(value, into: &buffer)
        if let timestamp {
            buffer.append(UInt8(ascii: " "))
            ExpositionWriter.append(timestamp, into: &buffer)
        }
    }
}
