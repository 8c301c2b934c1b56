import Logging
import ServiceLifecycle
import UnixSignals

/// Runs every warehouse until graceful shutdown, which cancels the loops (and with them any
/// statement in flight, through libpq's cancel request), and reloads the configuration at each
/// SIGHUP, as Prometheus and its exporters do.
struct CollectorService: Service {
    let exporter: Exporter

    func run() async throws {
        await exporter.startCollecting()
        await cancelWhenGracefulShutdown {
            for await _ in await UnixSignalsSequence(trapping: .sighup) {
                // A failed reload was logged and counted; the running configuration goes on.
                try? await exporter.reload()
            }
        }
        await exporter.stopCollecting()
        // A service that returns ends the whole group, HTTP server included: stay until shutdown
        // like the server does.
        try? await gracefulShutdown()
    }
}
