/// A connection a ``ReconnectingSession`` opens, hands out and gives up when it broke: libpq's
/// ``Connection`` and ``ClickHouseConnection``.
public protocol SessionConnection: AnyObject, Sendable {
    /// Opens a connection, or throws ``WarehouseError``.
    static func connect(_ settings: ConnectionSettings) async throws -> Self
    /// The version the server gave when the connection was opened.
    var serverVersion: String { get }
    /// False once the connection was closed or found broken; the session then opens a new one.
    var isUsable: Bool { get }
    /// Closes the connection once any statement in progress has returned.
    func close()
}

extension Connection: SessionConnection {}
