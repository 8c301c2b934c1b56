/// A libpq connection that reopens itself (``ReconnectingSession``).
public typealias WarehouseSession = ReconnectingSession<Connection>
