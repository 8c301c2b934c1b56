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
    /// ClickHouse's error code (`Code: 60.` in its message, `X-ClickHouse-Exception-Code`), when a
    /// ClickHouse server sent one: ClickHouse has no SQLSTATE.
    public let clickHouseCode: Int?

    public init(_ kind: Kind, _ message: String, sqlState: String? = nil, clickHouseCode: Int? = nil) {
        self.kind = kind
        self.message = message
        self.sqlState = sqlState
        self.clickHouseCode = clickHouseCode
    }

    /// True when the error says nothing about the warehouse being reachable beyond this statement.
    public var isConnectionLevel: Bool {
        kind == .connection || kind == .authentication || kind == .configuration
    }

    public var description: String {
        if let sqlState { return "\(kind.rawValue) error (SQLSTATE \(sqlState)): \(message)" }
        if let clickHouseCode { return "\(kind.rawValue) error (ClickHouse code \(clickHouseCode)): \(message)" }
        return "\(kind.rawValue) error: \(message)"
    }
}

extension WarehouseError {
    /// The SQLSTATE codes the exporter decides on; PostgreSQL and Redshift send the same ones.
    public enum SQLState {
        /// A table or view that does not exist (or that the user may not see).
        public static let undefinedTable = "42P01"
        /// A privilege the user lacks.
        public static let insufficientPrivilege = "42501"
        /// A statement cancelled: by its timeout, a cancel request, or an administrator.
        public static let queryCanceled = "57014"
        /// A feature that needs a setup the server lacks (pg_stat_statements without
        /// `shared_preload_libraries`).
        public static let objectNotInPrerequisiteState = "55000"
    }

    /// The statement named a table or view that does not exist here.
    public var isUndefinedTable: Bool { sqlState == SQLState.undefinedTable }
    /// The user lacks a privilege the statement needs.
    public var isInsufficientPrivilege: Bool { sqlState == SQLState.insufficientPrivilege }
    /// The statement was cancelled before it finished.
    public var isQueryCanceled: Bool { sqlState == SQLState.queryCanceled }
    /// The server lacks a setup the statement needs.
    public var isObjectNotInPrerequisiteState: Bool { sqlState == SQLState.objectNotInPrerequisiteState }
}
