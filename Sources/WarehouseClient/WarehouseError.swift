/// An error from a warehouse connection, with a message that is safe to log and show:
/// secrets from the connection settings are removed before an error is built.
public struct WarehouseError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What went wrong, coarsely, so callers can decide whether the warehouse is reachable.
    public enum Kind: String, Sendable {
        /// The settings themselves are unusable (a DSN that does not parse, an unreadable password file).
        case configuration
        /// The server could not be reached, or the connection broke.
        case connection
        /// The server was reached and refused the credentials.
        case authentication
        /// The server ran the statement and reported an error.
        case query
        /// The statement outlived its deadline and was cancelled.
        case timeout
        /// The calling task was cancelled, and the statement with it.
        case cancelled
        /// A row did not hold what the caller asked for.
        case decoding
    }

    public let kind: Kind
    public let message: String
    /// The five-character SQLSTATE the server sent, when it sent one.
    public let sqlState: String?

    public init(_ kind: Kind, _ message: String, sqlState: String? = nil) {
        self.kind = kind
        self.message = message
        self.sqlState = sqlState
    }

    /// True when the error says nothing about the warehouse being reachable beyond this statement.
    public var isConnectionLevel: Bool {
        kind == .connection || kind == .authentication || kind == .configuration
    }

    public var description: String {
        if let sqlState { return "\(kind.rawValue) error (SQLSTATE \(sqlState)): \(message)" }
        return "\(kind.rawValue) error: \(message)"
    }
}
