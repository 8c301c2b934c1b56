import Collectors

/// The query behind `warehouse_up`, through either client.
struct HealthCheck: Collector, ClickHouseCollector {
    let name = CollectorCatalog.health

    func collect(_ context: CollectionContext) async throws {
        _ = try await context.query("SELECT 1")
    }

    func collect(_ context: ClickHouseContext) async throws {
        _ = try await context.query("SELECT 1")
    }
}
