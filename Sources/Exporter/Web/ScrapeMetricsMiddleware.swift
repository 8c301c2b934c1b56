import HTTPTypes
import Hummingbird
import QueryMetrics
import WarehouseClient

/// Counts and times every scrape: a GET of the telemetry path, whatever answers it. It sits
/// outside the web configuration's middleware, so a scrape refused for its password (401) or
/// while password checks are all taken (429) is counted under its code too: a scraper whose
/// credentials went stale shows in `promhttp_metric_handler_requests_total{code="401"}` for
/// whoever else scrapes. (Go exporters count only what reaches promhttp, past the
/// exporter-toolkit's checks.)
struct ScrapeMetricsMiddleware<Context: RequestContext>: RouterMiddleware {
    let telemetryPath: String
    let scrapes: CounterFamily
    let duration: HistogramFamily
    /// Scrapes being served now: the one scraping sees itself, as with promhttp.
    let inFlight: GaugeFamily

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard request.method == .get, request.uri.path == telemetryPath else { return try await next(request, context) }
        inFlight.add(1, [])
        defer { inFlight.add(-1, []) }
        let start = ContinuousClock.now
        do {
            let response = try await next(request, context)
            record(response.status, since: start)
            return response
        } catch {
            record((error as? any HTTPResponseError)?.status ?? .internalServerError, since: start)
            throw error
        }
    }

    private func record(_ status: HTTPResponse.Status, since start: ContinuousClock.Instant) {
        let code = String(status.code)
        scrapes.increment(by: 1, [code])
        duration.observe(start.duration(to: .now).seconds, [code])
    }
}
