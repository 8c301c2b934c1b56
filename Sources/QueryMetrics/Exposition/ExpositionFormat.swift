/// The formats `/metrics` serves, chosen by the scraper's `Accept` header.
public enum ExpositionFormat: Sendable, Hashable {
    /// The Prometheus text format, version 0.0.4: what a scraper gets unless it asks for another.
    case text
    /// OpenMetrics 1.0.0: the text format with exemplars (the query id and trace id behind a
    /// bucket or a counter), counter families named without `_total`, and `# EOF` at the end.
    case openMetrics
    /// Prometheus's protobuf format (`io.prometheus.client.MetricFamily`, delimited): the one that
    /// carries native histograms, which Prometheus asks for first when they are turned on
    /// (`--enable-feature=native-histograms`).
    case protobuf

    /// The `Content-Type` of a page in this format.
    public var contentType: String {
        switch self {
        case .text: "text/plain; version=0.0.4; charset=utf-8"
        case .openMetrics: "application/openmetrics-text; version=1.0.0; charset=utf-8"
        case .protobuf: "application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited"
        }
    }

    /// The format an `Accept` header prefers among those served: the media range with the highest
    /// `q` (1 when absent), the first listed on a tie; the text format when none is served or the
    /// header is absent or empty.
    public static func preferred(by accept: String?) -> ExpositionFormat {
        guard let accept, !accept.isEmpty else { return .text }
        var best: (format: ExpositionFormat, quality: Double)?
        for range in accept.split(separator: ",") {
            let parts = range.split(separator: ";").map { part in
                String(part.drop { $0 == " " || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\t" }.reversed()).lowercased()
            }
            guard let type = parts.first else { continue }
            var quality = 1.0
            for parameter in parts.dropFirst() where parameter.hasPrefix("q=") {
                quality = Double(parameter.dropFirst(2)) ?? 0
            }
            let parameters = Set(parts.dropFirst())
            let format: ExpositionFormat? = switch type {
            case "application/openmetrics-text": .openMetrics
            // Only the message and encoding served: the text form of protobuf is not.
            case "application/vnd.google.protobuf"
            where parameters.contains("proto=io.prometheus.client.metricfamily") && parameters.contains("encoding=delimited"):
                .protobuf
            case "text/plain", "text/*", "*/*": .text
            default: nil
            }
            guard let format, quality > 0, quality > best?.quality ?? 0 else { continue }
            best = (format, quality)
        }
        return best?.format ?? .text
    }
}
