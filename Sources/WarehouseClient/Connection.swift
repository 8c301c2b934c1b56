import CLibPQ
import Dispatch
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One libpq connection to a warehouse.
///
/// Every blocking libpq call runs on the connection's own serial dispatch queue, never on
/// Swift's cooperative pool, so a slow warehouse cannot starve the HTTP server or other
/// collectors. A connection runs one statement at a time; statements submitted together
/// wait their turn on the queue, and their deadlines count from submission.
public final class Connection: Sendable {
    /// The version the server announced at startup (`15.18`; Redshift says `8.0.2`).
    public let serverVersion: String
    /// The server process serving this connection (`pg_backend_pid()`), which the warehouse
    /// records beside each of its statements.
    public let backendPID: Int64

    private let handle: Handle
    private let queue: DispatchQueue
    private let redact: Redactor
    /// ``ConnectionSettings/statementMarker`` and a line break, or "".
    private let marker: String
    private let state = Mutex(State())
    /// Cancel requests on their way to the server. The next statement waits for them: a cancel
    /// that arrives late (its statement already ended on its own) would otherwise cancel the
    /// statement after it, which a collector runs at once after a timed-out run.
    private let cancelling = DispatchGroup()

    /// How long a statement may go on after its cancel request before the caller is released
    /// and the connection is given up: a server that ignores cancels is as good as gone.
    static let cancelGrace: Duration = .seconds(5)

    private struct State {
        var closed = false
        var broken = false
        var generation: UInt64 = 0
        var interruption: Interruption?
    }

    private enum Interruption {
        case deadline(Duration)
        case taskCancelled
    }

    private init(handle: Handle, queue: DispatchQueue, redact: Redactor, marker: String?) {
        self.handle = handle
        self.queue = queue
        self.redact = redact
        self.marker = marker.map { $0 + "\n" } ?? ""
        self.serverVersion = PQparameterStatus(handle.connection, "server_version").map { String(cString: $0) } ?? "unknown"
        self.backendPID = Int64(PQbackendPID(handle.connection))
    }

    deinit {
        close()
    }

    /// Opens a connection, waiting at most `settings.connectTimeout`.
    ///
    /// Throws ``WarehouseError`` of kind `.configuration`, `.connection` or `.authentication`.
    /// With a password command, the command runs before the attempt, and once more after an
    /// authentication failure: the password may have been rotated between the two.
    public static func connect(_ settings: ConnectionSettings) async throws -> Connection {
        let info = try ConnectionInfo(parsing: settings.dsn)
        let queue = DispatchQueue(label: "warehouse_exporter.libpq")
        return try await withCheckedThrowingContinuation { continuation in
            queue.async {
                continuation.resume(
                    with: Result { () throws(WarehouseError) in
                        try settings.opening { password throws(WarehouseError) in
                            let redact = Redactor(secrets: [info.options["password"], password].compactMap { $0 })
                            let handle = try open(settings, password: password, redact: redact)
                            return Connection(handle: handle, queue: queue, redact: redact, marker: settings.statementMarker)
                        }
                    })
            }
        }
    }

    /// False once the connection was closed or found broken; a session then opens a new one.
    public var isUsable: Bool {
        state.withLock { !$0.closed && !$0.broken }
    }

    /// Runs one statement with text parameters (`$1`, `$2`, …; `nil` is NULL) and returns its rows.
    ///
    /// When `timeout` passes, or the calling task is cancelled, the statement is cancelled on the
    /// server. Throws ``WarehouseError``: `.query` with the SQLSTATE for a server error, `.timeout`,
    /// `.cancelled`, or `.connection` when the connection broke (it is then no longer usable).
    public func query(_ sql: String, _ parameters: [String?] = [], timeout: Duration? = nil) async throws -> QueryResult {
        let generation = try beginStatement()
        let outcome = Outcome()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                outcome.install(continuation)
                queue.async { [self] in
                    if let interruption = interruption(of: generation) {
                        outcome.resume(with: .failure(error(for: interruption)))
                        return
                    }
                    outcome.resume(with: execute(sql, parameters, generation: generation))
                }
                if let timeout {
                    DispatchQueue.global().asyncAfter(deadline: .now() + timeout.seconds) { [self] in
                        interrupt(generation, .deadline(timeout), outcome)
                    }
                }
            }
        } onCancel: {
            interrupt(generation, .taskCancelled, outcome)
        }
    }

    /// Closes the connection once any statement in progress has returned.
    public func close() {
        let wasOpen = state.withLock { state in
            defer { state.closed = true }
            return !state.closed
        }
        guard wasOpen else { return }
        queue.async { [handle, cancelling] in
            cancelling.wait()  // a cancel request still uses the handle
            if let cancel = handle.cancel { PQfreeCancel(cancel) }
            PQfinish(handle.connection)
        }
    }

    // MARK: - Statements

    private func beginStatement() throws(WarehouseError) -> UInt64 {
        try state.withLock { state throws(WarehouseError) in
            if state.closed { throw WarehouseError(.connection, "connection is closed") }
            if state.broken { throw WarehouseError(.connection, "connection is broken") }
            state.generation += 1
            state.interruption = nil
            return state.generation
        }
    }

    private func interruption(of generation: UInt64) -> Interruption? {
        state.withLock { $0.generation == generation ? $0.interruption : nil }
    }

    /// Asks the server to cancel the statement; if it is still running after the grace period,
    /// releases the caller and gives the connection up.
    private func interrupt(_ generation: UInt64, _ interruption: Interruption, _ outcome: Outcome) {
        let first = state.withLock { state in
            guard state.generation == generation, state.interruption == nil, !outcome.isResumed else { return false }
            state.interruption = interruption
            return true
        }
        guard first else { return }
        // PQcancel opens a socket of its own and blocks until the server answers; once it has,
        // a backend that already finished the statement ignores the signal.
        cancelling.enter()
        DispatchQueue.global().async { [handle, cancelling] in
            defer { cancelling.leave() }
            guard let cancel = handle.cancel else { return }
            var buffer = [CChar](repeating: 0, count: 256)
            _ = PQcancel(cancel, &buffer, Int32(buffer.count))
        }
        DispatchQueue.global().asyncAfter(deadline: .now() + Self.cancelGrace.seconds) { [self] in
            guard !outcome.isResumed else { return }
            state.withLock { $0.broken = true }
            outcome.resume(with: .failure(error(for: interruption)))
        }
    }

    private func error(for interruption: Interruption) -> WarehouseError {
        switch interruption {
        case .deadline(let timeout):
            WarehouseError(.timeout, "statement exceeded its \(timeout.seconds)s deadline and was cancelled", sqlState: WarehouseError.SQLState.queryCanceled)
        case .taskCancelled:
            WarehouseError(.cancelled, "statement cancelled because its task was cancelled", sqlState: WarehouseError.SQLState.queryCanceled)
        }
    }

    /// Runs on `queue`.
    private func execute(_ sql: String, _ parameters: [String?], generation: UInt64) -> Result<QueryResult, WarehouseError> {
        cancelling.wait()
        let connection = handle.connection
        let copies = parameters.map { $0.flatMap { strdup($0) } }
        defer { copies.forEach { free($0) } }
        let pointers = copies.map { $0.map { UnsafePointer($0) } }
        let result = pointers.withUnsafeBufferPointer { values in
            PQexecParams(connection, marker.isEmpty ? sql : marker + sql, Int32(values.count), nil, values.baseAddress, nil, nil, 0)
        }
        let status = result.map(PQresultStatus) ?? PGRES_FATAL_ERROR
        if status == PGRES_TUPLES_OK || status == PGRES_COMMAND_OK, let result {
            // The result now belongs to the buffer, which clears it when the last row is gone.
            return .success(QueryResult(ResultBuffer(result), affectedRows: Int(String(cString: PQcmdTuples(result)))))
        }
        defer { PQclear(result) }
        if PQstatus(connection) != CONNECTION_OK {
            state.withLock { $0.broken = true }
            return .failure(WarehouseError(.connection, redact(Self.lastError(connection))))
        }
        let sqlState = result.flatMap { Self.field($0, "C") }
        let message = result.flatMap { Self.field($0, "M") } ?? Self.lastError(connection)
        if sqlState == WarehouseError.SQLState.queryCanceled {
            if let interruption = interruption(of: generation) { return .failure(error(for: interruption)) }
            // The server's own statement_timeout, not a cancel request: the code is the same.
            if message.contains("statement timeout") {
                return .failure(WarehouseError(.timeout, redact(message), sqlState: sqlState))
            }
        }
        if status != PGRES_FATAL_ERROR && result != nil {
            return .failure(WarehouseError(.query, "unexpected result status \(status.rawValue) (COPY is not supported)"))
        }
        return .failure(WarehouseError(.query, redact(message), sqlState: sqlState))
    }

    private static func field(_ result: OpaquePointer, _ code: Unicode.Scalar) -> String? {
        PQresultErrorField(result, Int32(code.value)).map { String(cString: $0) }
    }

    private static func lastError(_ connection: OpaquePointer) -> String {
        String(String(cString: PQerrorMessage(connection)).trimmingTrailingNewlines())
    }

    // MARK: - Connecting

    /// Runs on the new connection's queue.
    private static func open(_ settings: ConnectionSettings, password: String?, redact: Redactor) throws(WarehouseError) -> Handle {
        // libpq processes keywords in order and the last value wins: our defaults come before the
        // DSN (expanded from `dbname`), so the DSN can override them; a password file comes after.
        var parameters: [(String, String)] = [
            ("application_name", settings.applicationName),
            ("connect_timeout", String(max(2, settings.connectTimeout.wholeSeconds))),
            ("keepalives", "1"),
            ("keepalives_idle", "30"),
            ("dbname", settings.dsn),
        ]
        // libpq expands only the first dbname; a later one is a plain database name that wins.
        if let database = settings.database { parameters.append(("dbname", database)) }
        if let password { parameters.append(("password", password)) }

        let keywords = parameters.map { strdup($0.0) }
        let values = parameters.map { strdup($0.1) }
        defer { (keywords + values).forEach { free($0) } }
        let connection = (keywords.map { UnsafePointer($0) } + [nil]).withUnsafeBufferPointer { keywordList in
            (values.map { UnsafePointer($0) } + [nil]).withUnsafeBufferPointer { valueList in
                PQconnectdbParams(keywordList.baseAddress, valueList.baseAddress, 1)
            }
        }
        guard let connection else { throw WarehouseError(.connection, "libpq could not allocate a connection") }

        guard PQstatus(connection) == CONNECTION_OK else {
            let message = redact(lastError(connection))
            let refused = PQconnectionNeedsPassword(connection) == 1 || message.contains("authentication failed")
            PQfinish(connection)
            throw WarehouseError(refused ? .authentication : .connection, message)
        }
        // Known before the session sends its first statement, so no record of it is read as
        // someone else's.
        settings.sessions?.insert(Int64(PQbackendPID(connection)))
        if let timeout = settings.statementTimeout {
            let marker = settings.statementMarker.map { $0 + "\n" } ?? ""
            let result = PQexec(connection, marker + "SET statement_timeout = \(timeout.milliseconds)")
            defer { PQclear(result) }
            guard result.map(PQresultStatus) == PGRES_COMMAND_OK else {
                let message = redact(lastError(connection))
                PQfinish(connection)
                throw WarehouseError(.connection, "could not set statement_timeout: \(message)")
            }
        }
        return Handle(connection: connection, cancel: PQgetCancel(connection))
    }
}

/// libpq's pointers, which this module only touches on the connection's queue (the connection)
/// or through `PQcancel`, which libpq documents as safe from any thread.
private struct Handle: @unchecked Sendable {
    let connection: OpaquePointer
    let cancel: OpaquePointer?
}

/// Resumes a statement's continuation exactly once: with its result, or early with an error
/// when the server does not honour a cancel.
private final class Outcome: Sendable {
    private let state = Mutex<(continuation: CheckedContinuation<QueryResult, any Error>?, resumed: Bool)>((nil, false))

    var isResumed: Bool { state.withLock { $0.resumed } }

    func install(_ continuation: CheckedContinuation<QueryResult, any Error>) {
        state.withLock { $0.continuation = continuation }
    }

    func resume(with result: Result<QueryResult, WarehouseError>) {
        let continuation = state.withLock { state -> CheckedContinuation<QueryResult, any Error>? in
            guard !state.resumed else { return nil }
            state.resumed = true
            defer { state.continuation = nil }
            return state.continuation
        }
        continuation?.resume(with: result.mapError { $0 as any Error })
    }
}

extension Duration {
    /// The duration in (fractional) seconds.
    public var seconds: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }

    var wholeSeconds: Int64 { components.seconds }

    /// The duration in whole milliseconds, the rest dropped.
    public var milliseconds: Int64 {
        components.seconds * 1000 + components.attoseconds / 1_000_000_000_000_000
    }

    /// The duration in whole microseconds, the rest dropped.
    public var microseconds: Int64 {
        components.seconds * 1_000_000 + components.attoseconds / 1_000_000_000_000
    }
}
