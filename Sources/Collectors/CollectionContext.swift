public import Logging
public import WarehouseClient

/// What a collector gets for one run.
public struct CollectionContext: Sendable {
    public let connection: Connection
    /// The `warehouse` label value.
    public let warehouse: String
    /// The deadline for each statement the collector runs.
    public let queryTimeout: Duration
    public let logger: Logger
    /// How the connection was made, for collectors that also connect to the server's other
    /// databases.
    public let settings: ConnectionSettings?
    /// The server processes of the exporter's sessions on this warehouse, the connection's own
    /// among them: what tells its own statements from the warehouse's work (``OwnStatements``).
    public let ownSessions: SessionRegistry

    /// A context whose ``ownSessions`` are the settings' registry (a new one without), with the
    /// connection's process in it.
    public init(connection: Connection, warehouse: String, queryTimeout: Duration, logger: Logger, settings: ConnectionSettings? = nil) {
        self.connection = connection
        self.warehouse = warehouse
        self.queryTimeout = queryTimeout
        self.logger = logger
        self.settings = settings
        self.ownSessions = settings?.sessions ?? SessionRegistry()
        ownSessions.insert(connection.backendPID)
    }

    /// Runs a statement with the collector's deadline.
    public func query(_ sql: String, _ parameters: [String?] = []) async throws -> QueryResult {
        try await connection.query(sql, parameters, timeout: queryTimeout)
    }
}
