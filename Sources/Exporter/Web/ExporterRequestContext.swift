import Hummingbird
import NIOCore

/// Hummingbird's basic context plus the request's connection, which the ``ConnectionTracker``
/// follows.
struct ExporterRequestContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    let channel: any Channel

    init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.channel = source.channel
    }
}
