import Foundation

/// How to reach one warehouse.
///
/// The DSN is handed to libpq unchanged, so everything `psql` understands works here too:
/// key/value strings, `postgresql://` URIs, `PG*` environment variables, `~/.pgpass`,
/// service files and `sslmode=verify-full`.
public struct ConnectionSettings: Sendable {
    /// A libpq connection string or URI.
    public var dsn: String
    /// A file whose first line is the password; it wins over a password in the DSN.
    public var passwordFile: String?
    /// A command that prints the password, run before each connection attempt; it wins over the
    /// others.
    public var passwordCommand: PasswordCommand?
    /// Sent to the server so the exporter's own sessions are easy to tell apart.
    public var applicationName: String
    /// The `application_name` of the exporter's sessions unless the DSN sets another.
    public static let defaultApplicationName = "warehouse_exporter"
    /// Bounds the TCP connect and authentication; libpq counts it in whole seconds (at least 2).
    public var connectTimeout: Duration
    /// Set as the session's `statement_timeout`, so the server gives up on its own too.
    public var statementTimeout: Duration?
    /// Another database of the same server than the DSN's, for collectors that read each database.
    public var database: String?
    /// A comment the connection puts before every statement it sends, its own `SET` included, so
    /// the warehouse's records of each statement say whose it is (Redshift's history views keep
    /// the text, not the session's application name).
    public var statementMarker: String?
    /// Where each connection opened with these settings registers its server process id, so the
    /// warehouse's records of the exporter's own sessions can be told from everyone else's.
    public var sessions: SessionRegistry?

    public init(
        dsn: String,
        passwordFile: String? = nil,
        passwordCommand: PasswordCommand? = nil,
        applicationName: String = defaultApplicationName,
        connectTimeout: Duration = .seconds(10),
        statementTimeout: Duration? = .seconds(60)
    ) {
        self.dsn = dsn
        self.passwordFile = passwordFile
        self.passwordCommand = passwordCommand
        self.applicationName = applicationName
        self.connectTimeout = connectTimeout
        self.statementTimeout = statementTimeout
    }

    /// The password to send over the DSN's, if one is configured: the command's, else the file's.
    /// Blocks while a command runs.
    func password() throws(WarehouseError) -> String? {
        if let passwordCommand { return try passwordCommand.run() }
        guard let passwordFile else { return nil }
        guard let password = SecretFile.firstLine(atPath: passwordFile) else {
            throw WarehouseError(.configuration, "cannot read password_file \(passwordFile)")
        }
        return password
    }

    /// Opens a connection with the password to send (nil: none configured): with a password
    /// command, the command runs again and `open` once more after a refused login, as the password
    /// may have been rotated between the two. Blocks while a command runs.
    func opening<Opened>(_ open: (String?) throws(WarehouseError) -> Opened) throws(WarehouseError) -> Opened {
        do {
            return try open(try password())
        } catch where error.kind == .authentication && passwordCommand != nil {
            return try open(try password())
        }
    }
}
