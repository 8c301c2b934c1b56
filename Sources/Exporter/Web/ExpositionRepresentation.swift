import HTTPTypes
import QueryMetrics

/// One way of writing `/metrics` as bytes: the format and whether it is gzipped. Scrapes that ask
/// for the same representation can share one rendering (``ExpositionCache``).
struct ExpositionRepresentation: Hashable, Sendable {
    var format: ExpositionFormat
    var gzip: Bool

    /// What a scrape with these request headers gets: the format its `Accept` header prefers,
    /// gzipped when `Accept-Encoding` allows it.
    init(for headers: HTTPFields) {
        self.init(format: ExpositionFormat.preferred(by: headers[.accept]), gzip: Gzip.isAccepted(by: headers[.acceptEncoding]))
    }

    init(format: ExpositionFormat, gzip: Bool) {
        self.format = format
        self.gzip = gzip
    }
}
