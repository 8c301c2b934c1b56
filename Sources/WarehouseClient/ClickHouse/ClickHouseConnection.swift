import CCurl
import Dispatch
import Foundation
import Synchronization

/// A client of one ClickHouse server's HTTP interface, through libcurl.
///
/// Each statement is a POST whose body is the statement (led by the settings' statement marker),
/// its settings URL parameters, the user and password `X-ClickHouse-User` and `X-ClickHouse-Key`
/// headers (never the URL, which proxies log). `wait_end_of_query=1` makes the server hold the
/// response until the statement ended, so an error is an HTTP status and its text, never a tail
/// appended to rows already sent; results come as `TabSeparatedWithNamesAndTypes`, which every version
/// writes. One libcurl handle per connection keeps its HTTP connection open between statements.
///
/// Every blocking libcurl call runs on the connection's own serial dispatch queue, never on Swift's
/// cooperative pool, as the libpq ``Connection``'s do. A statement that outlives its deadline, or
/// whose task is cancelled, is ended on the client and then killed on the server with
/// `KILL QUERY WHERE query_id = …` on a request of its own: a server goes on with a statement
/// whose client left.
public final class ClickHouseConnection: SessionConnection {
    /// `SELECT version()` when the connection was opened (`26.9.2.1`).
    public let serverVersion: String
    /// The user the exporter logs in as: whose statements in `system.query_log` are the exporter's.
    public let user: String
    public let dsn: ClickHouseDSN

    private let queue: DispatchQueue
    private let handle: CurlHandle
    private let password: String?
    private let redact: Redactor
    /// ``ConnectionSettings/statementMarker`` and a line break, or "".
    private let marker: String
    private let userAgent: String
    private let connectTimeout: Duration
    private let state = Mutex((closed: false, broken: false))

    /// How long the `KILL QUERY` after a timed-out statement may take beyond the connect timeout.
    static let killGrace: Duration = .seconds(5)

    private init(dsn: ClickHouseDSN, password: String?, settings: ConnectionSettings, queue: DispatchQueue, handle: CurlHandle, version: String) {
        self.dsn = dsn
        self.user = dsn.user
        self.password = password
        self.redact = Redactor(secrets: [dsn.password, password].compactMap { $0 })
        self.marker = settings.statementMarker.map { $0 + "\n" } ?? ""
        self.userAgent = settings.applicationName
        self.connectTimeout = settings.connectTimeout
        self.queue = queue
        self.handle = handle
        self.serverVersion = version
    }

    /// Opens a connection: checks the DSN, reads the password (file or command), and asks the
    /// server its version, which tells whether the server is there and takes the credentials.
    ///
    /// Throws ``WarehouseError`` of kind `.configuration`, `.connection` or `.authentication`. With a
    /// password command, the command runs again after an authentication failure, as for libpq.
    public static func connect(_ settings: ConnectionSettings) async throws -> ClickHouseConnection {
        let dsn = try ClickHouseDSN(parsing: settings.dsn)
        let queue = DispatchQueue(label: "warehouse_exporter.clickhouse")
        return try await withCheckedThrowingContinuation { continuation in
            queue.async {
                continuation.resume(
                    with: Result { () throws(WarehouseError) in
                        let handle = try CurlHandle()
                        return try settings.opening { configured throws(WarehouseError) in
                            let password = configured ?? dsn.password
                            let opening = ClickHouseConnection(
                                dsn: dsn, password: password, settings: settings, queue: queue, handle: handle, version: "unknown")
                            do throws(WarehouseError) {
                                let result = try opening.run("SELECT version() AS version", settings: [:], timeout: settings.connectTimeout * 2, abort: AbortFlag())
                                let version = result.rows.first.flatMap { try? $0.text("version") } ?? "unknown"
                                return ClickHouseConnection(dsn: dsn, password: password, settings: settings, queue: queue, handle: handle, version: version)
                            } catch where error.kind == .query || error.kind == .timeout {
                                // Reached, but not answering as a ClickHouse server does: not usable.
                                throw WarehouseError(.connection, "the server did not answer SELECT version(): \(error.message)", clickHouseCode: error.clickHouseCode)
                            }
                        }
                    })
            }
        }
    }

    public var isUsable: Bool {
        state.withLock { !$0.closed && !$0.broken }
    }

    /// Runs one statement and returns its rows; `settings` become URL parameters (ClickHouse
    /// settings such as `log_comment`, which a user whose profile is `readonly=1` may not change).
    ///
    /// When `timeout` passes, or the calling task is cancelled, the request is ended and the
    /// statement killed on the server. Throws ``WarehouseError``: `.query` with the ClickHouse code
    /// for a server error, `.authentication`, `.timeout`, `.cancelled`, or `.connection` when the
    /// server could not be reached (the connection is then no longer usable).
    public func query(_ sql: String, settings: [String: String] = [:], timeout: Duration? = nil) async throws -> QueryResult {
        if let problem = state.withLock({ $0.closed ? "connection is closed" : $0.broken ? "connection is broken" : nil }) {
            throw WarehouseError(.connection, problem)
        }
        let abort = AbortFlag()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                queue.async { [self] in
                    continuation.resume(with: Result { () throws(WarehouseError) in try run(sql, settings: settings, timeout: timeout, abort: abort) })
                }
            }
        } onCancel: {
            abort.raise()
        }
    }

    public func close() {
        state.withLock { $0.closed = true }
    }

    // MARK: - Requests

    /// Runs on `queue`.
    private func run(_ sql: String, settings: [String: String], timeout: Duration?, abort: AbortFlag) throws(WarehouseError) -> QueryResult {
        if abort.isRaised { throw WarehouseError(.cancelled, "statement cancelled because its task was cancelled") }
        let queryID = UUID().uuidString.lowercased()
        let response = handle.perform(request(sql, settings: settings, queryID: queryID, timeout: timeout, abort: abort))
        if response.curlCode == CURLE_OK && response.status == 200 {
            return QueryResult(try TabSeparated(response.body))
        }
        if response.curlCode == CURLE_OK { throw serverError(response) }
        if !response.connected || !Self.interrupted.contains(response.curlCode.rawValue) {
            state.withLock { $0.broken = true }
            throw WarehouseError(.connection, redact("\(dsn.baseURL): \(response.curlMessage)"))
        }
        let killed = kill(queryID)
        if response.curlCode == CURLE_ABORTED_BY_CALLBACK {
            throw WarehouseError(.cancelled, "statement cancelled because its task was cancelled; \(killed)")
        }
        throw WarehouseError(.timeout, "statement exceeded its \((timeout ?? .zero).seconds)s deadline; \(killed)")
    }

    /// libcurl's codes for a transfer the client ended: its deadline, or the abort flag.
    private static let interrupted: Set<UInt32> = [CURLE_OPERATION_TIMEDOUT.rawValue, CURLE_ABORTED_BY_CALLBACK.rawValue]

    private func request(_ sql: String, settings: [String: String], queryID: String, timeout: Duration?, abort: AbortFlag) -> CurlHandle.Request {
        var parameters = [
            ("database", dsn.database), ("query_id", queryID), ("wait_end_of_query", "1"), ("default_format", "TabSeparatedWithNamesAndTypes"),
        ]
        parameters += settings.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
        let query = parameters.map { "\(Self.percentEncoded($0.0))=\(Self.percentEncoded($0.1))" }.joined(separator: "&")
        return CurlHandle.Request(
            url: dsn.baseURL + "?" + query, headers: credentialHeaders(), body: marker + sql, connectTimeout: connectTimeout, timeout: timeout,
            caFile: dsn.caFile, userAgent: userAgent, abort: abort)
    }

    /// Kills the statement `queryID` on a request of its own (the connection's handle just gave up
    /// on it), and says how that went, for the error the caller gets.
    private func kill(_ queryID: String) -> String {
        let sql = marker + "KILL QUERY WHERE query_id = '\(queryID)' ASYNC"
        let request = CurlHandle.Request(
            url: dsn.baseURL + "?wait_end_of_query=1&default_format=TabSeparatedWithNames", headers: credentialHeaders(), body: sql,
            connectTimeout: connectTimeout, timeout: connectTimeout + Self.killGrace, caFile: dsn.caFile, userAgent: userAgent, abort: AbortFlag())
        guard let killer = try? CurlHandle() else { return "KILL QUERY for query_id \(queryID) could not be sent" }
        let response = killer.perform(request)
        if response.curlCode == CURLE_OK && response.status == 200 { return "KILL QUERY sent for query_id \(queryID)" }
        let reason = response.curlCode == CURLE_OK ? serverError(response).message : response.curlMessage
        return "KILL QUERY for query_id \(queryID) failed: \(reason)"
    }

    /// The login headers; an absent `X-ClickHouse-Key` is the empty password. `Expect:` spares a
    /// long statement libcurl's wait for a 100 Continue that ClickHouse does not send.
    private func credentialHeaders() -> [String] {
        ["X-ClickHouse-User: \(dsn.user)", "Content-Type: text/plain; charset=UTF-8", "Expect:"] + (password.map { ["X-ClickHouse-Key: \($0)"] } ?? [])
    }

    /// The error of a response other than 200: the code from the header (20.2 and later) or the
    /// body, and the body's text, with the password removed in case a proxy or server echoed it.
    private func serverError(_ response: CurlHandle.Response) -> WarehouseError {
        let code = response.headers["x-clickhouse-exception-code"].flatMap { Int($0) } ?? ClickHouseCode.parse(body: response.body)
        var text = String(decoding: response.body.prefix(4096), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        if text.isEmpty { text = "HTTP status \(response.status)" }
        let message = redact(text)
        if let code, ClickHouseCode.authentication.contains(code) { return WarehouseError(.authentication, message, clickHouseCode: code) }
        if code == nil && (response.status == 401 || response.status == 403) { return WarehouseError(.authentication, message) }
        // A server's own max_execution_time; the statement is over, there is nothing to kill.
        if code == ClickHouseCode.timeoutExceeded { return WarehouseError(.timeout, message, clickHouseCode: code) }
        // Not ClickHouse answering (a proxy's 502, a load balancer's 503): the server is not reached.
        if code == nil { return WarehouseError(.connection, "HTTP status \(response.status) from \(dsn.baseURL): \(message.prefix(200))") }
        return WarehouseError(.query, message, clickHouseCode: code)
    }

    private static let unreserved = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")

    private static func percentEncoded(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: unreserved) ?? text
    }
}
