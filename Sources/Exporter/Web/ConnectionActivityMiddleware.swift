import Hummingbird

/// Tells the ``ConnectionTracker`` which connections are busy with a request, so that making room
/// for a new connection never closes one in the middle of a scrape.
struct ConnectionActivityMiddleware: RouterMiddleware {
    typealias Context = ExporterRequestContext
    let tracker: ConnectionTracker

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        tracker.requestStarted(context.channel)
        defer { tracker.requestEnded(context.channel) }
        return try await next(request, context)
    }
}
