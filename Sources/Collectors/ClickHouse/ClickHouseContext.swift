public import Logging
public import WarehouseClient

/// What a ClickHouse collector gets for one run.
public struct ClickHouseContext: Sendable {
    public let connection: ClickHouseConnection
    /// The `warehouse` label value.
    public let warehouse: String
    /// The deadline for each statement the collector runs.
    public let queryTimeout: Duration
    public let logger: Logger

    public init(connection: ClickHouseConnection, warehouse: String, queryTimeout: Duration, logger: Logger) {
        self.connection = connection
        self.warehouse = warehouse
        self.queryTimeout = queryTimeout
        self.logger = logger
    }

    /// Runs a statement with the collector's deadline.
    public func query(_ sql: String) async throws -> QueryResult {
        try await connection.query(sql, timeout: queryTimeout)
    }
}
