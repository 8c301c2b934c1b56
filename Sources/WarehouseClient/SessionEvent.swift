/// What happened to a ``ReconnectingSession``'s connection: how the exporter keeps
/// `warehouse_up` honest.
public enum SessionEvent: Sendable {
    case connected(serverVersion: String)
    case connectFailed(WarehouseError)
    case connectionLost(WarehouseError)
}
