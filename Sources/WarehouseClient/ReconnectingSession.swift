import Synchronization

/// A connection that reopens itself, with capped exponential backoff between failed attempts:
/// a libpq ``Connection`` (``WarehouseSession``) or a ClickHouse one (``ClickHouseSession``).
///
/// A session belongs to one user at a time (a collector's loop): it hands out its connection,
/// notices when the connection broke, and opens a new one on the next use once the backoff
/// has passed. Every attempt and every loss is reported through `onEvent`, which is how the
/// exporter keeps `warehouse_up` honest.
public final class ReconnectingSession<Link: SessionConnection>: Sendable {
    /// What happened to the session's connection.
    public typealias Event = SessionEvent

    private let settings: ConnectionSettings
    private let onEvent: @Sendable (Event) -> Void
    private let state: Mutex<State>

    private struct State {
        var connection: Link?
        var backoff: Backoff
        var retryAt: ContinuousClock.Instant?
        var lastFailure: WarehouseError?
    }

    public init(settings: ConnectionSettings, backoff: Backoff = Backoff(), onEvent: @escaping @Sendable (Event) -> Void = { _ in }) {
        self.settings = settings
        self.onEvent = onEvent
        self.state = Mutex(State(backoff: backoff))
    }

    deinit {
        close()
    }

    /// Runs `body` with an open connection, opening one first if needed.
    ///
    /// While the backoff after a failed attempt has not passed, throws the last failure at once
    /// instead of knocking on the server again.
    public func withConnection<T: Sendable>(_ body: (Link) async throws -> T) async throws -> T {
        let connection = try await openConnection()
        do {
            return try await body(connection)
        } catch {
            if !connection.isUsable {
                let lost = (error as? WarehouseError) ?? WarehouseError(.connection, "connection lost: \(error)")
                state.withLock { state in
                    if state.connection === connection { state.connection = nil }
                }
                connection.close()
                onEvent(.connectionLost(lost))
            }
            throw error
        }
    }

    /// Closes the current connection, if any; the next use opens a new one.
    public func close() {
        let connection = state.withLock { state in
            defer { state.connection = nil }
            return state.connection
        }
        connection?.close()
    }

    private func openConnection() async throws -> Link {
        let waiting = state.withLock { state -> WarehouseError? in
            if let connection = state.connection, connection.isUsable { return nil }
            guard let retryAt = state.retryAt, ContinuousClock.now < retryAt else { return nil }
            let seconds = Int((retryAt - ContinuousClock.now).seconds.rounded(.up))
            return WarehouseError(
                state.lastFailure?.kind ?? .connection,
                "not reconnecting for another \(seconds)s; last attempt: \(state.lastFailure?.message ?? "failed")")
        }
        if let waiting { throw waiting }
        if let connection = state.withLock({ $0.connection }), connection.isUsable { return connection }

        do {
            let connection = try await Link.connect(settings)
            state.withLock { state in
                state.connection = connection
                state.backoff.reset()
                state.retryAt = nil
                state.lastFailure = nil
            }
            onEvent(.connected(serverVersion: connection.serverVersion))
            return connection
        } catch {
            let failure = (error as? WarehouseError) ?? WarehouseError(.connection, "\(error)")
            state.withLock { state in
                state.retryAt = ContinuousClock.now + state.backoff.recordFailure()
                state.lastFailure = failure
            }
            onEvent(.connectFailed(failure))
            throw failure
        }
    }
}
