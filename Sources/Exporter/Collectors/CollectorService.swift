import ServiceLifecycle

/// Runs every warehouse until graceful shutdown, which cancels the loops (and with them any
/// statement in flight, through libpq's cancel request).
struct CollectorService: Service {
    let runners: [WarehouseRunner]

    func run() async throws {
        await cancelWhenGracefulShutdown {
            await withDiscardingTaskGroup { group in
                for runner in runners {
                    group.addTask { await runner.run() }
                }
            }
        }
        // A service that returns ends the whole group, HTTP server included: with no warehouse
        // to run, stay until shutdown like the server does.
        try? await gracefulShutdown()
    }
}
