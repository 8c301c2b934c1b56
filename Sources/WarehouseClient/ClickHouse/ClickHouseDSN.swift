import Foundation

/// Where a ClickHouse server's HTTP interface is and whom to log in as:
/// `http(s)://user[:password]@host[:port]/database[?ca_file=/path/to/ca.pem]`.
///
/// The port defaults to ClickHouse's own, 8123 for http and 8443 for https; the database to
/// `default`; the user to `default`, as the server does. `ca_file` names the certificates that
/// an https server's chain must lead to, in place of the system's.
public struct ClickHouseDSN: Sendable, Equatable {
    public let secure: Bool
    public let host: String
    public let port: Int
    public let user: String
    /// The password written in the DSN, if any; a password file or command wins over it.
    public let password: String?
    public let database: String
    public let caFile: String?

    /// Parses a DSN without reaching the server; throws ``WarehouseError`` of kind `.configuration`
    /// whose message never holds the password.
    public init(parsing dsn: String) throws(WarehouseError) {
        // URLComponents keeps the password; the messages below never quote the DSN for that reason.
        guard let url = URLComponents(string: dsn), let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https" else {
            throw WarehouseError(.configuration, "a ClickHouse dsn is http(s)://user@host:port/database")
        }
        guard let host = url.host, !host.isEmpty else { throw WarehouseError(.configuration, "the ClickHouse dsn names no host") }
        secure = scheme == "https"
        self.host = host
        port = url.port ?? (secure ? 8443 : 8123)
        user = url.percentEncodedUser.flatMap { $0.removingPercentEncoding }.flatMap { $0.isEmpty ? nil : $0 } ?? "default"
        password = url.percentEncodedPassword.flatMap { $0.removingPercentEncoding }
        let path = url.path.split(separator: "/", omittingEmptySubsequences: true)
        guard path.count <= 1 else { throw WarehouseError(.configuration, "the ClickHouse dsn's path is one database name, got \(url.path)") }
        database = path.first.map(String.init) ?? "default"
        var caFile: String?
        for item in url.queryItems ?? [] {
            switch item.name {
            case "ca_file": caFile = item.value
            default: throw WarehouseError(.configuration, "unknown ClickHouse dsn parameter \"\(item.name)\" (known: ca_file)")
            }
        }
        if caFile != nil && !secure { throw WarehouseError(.configuration, "ca_file is for an https ClickHouse dsn") }
        self.caFile = caFile
    }

    /// The server's address, with nothing secret in it.
    public var baseURL: String {
        let bracketed = host.contains(":") ? "[\(host)]" : host
        return "\(secure ? "https" : "http")://\(bracketed):\(port)/"
    }

    /// Where the DSN points, with nothing secret in it: user, host, port and database.
    public var safeDescription: String {
        "\(user)@\(host):\(port)/\(database)"
    }
}
