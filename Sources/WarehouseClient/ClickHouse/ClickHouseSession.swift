/// A ClickHouse connection that reopens itself (``ReconnectingSession``).
public typealias ClickHouseSession = ReconnectingSession<ClickHouseConnection>
