import Collectors

/// The query behind `warehouse_up`.
struct HealthCheck: Collector {
    let name = CollectorCatalog.health

    func collect(_ context: CollectionContext) async throws {
        _ = try await context.query("SELECT 1")
    }
}
