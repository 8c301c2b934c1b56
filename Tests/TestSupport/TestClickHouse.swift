import Foundation
public import WarehouseClient

#if canImport(Glibc)
import Glibc
#endif

/// ClickHouse's engine behind its HTTP interface, on a free loopback port: the project's
/// `scripts/chdb-http-server` over chdb, from the virtual environment `scripts/install-deps`
/// makes in `.venv-chdb`. Its `system.query_log` is the engine's own, flushed every 7.5 s as a
/// server's is, and lives as long as the server: keep one per test that reads it.
///
/// Every statement runs as chdb's user `default` whoever logs in, so the exporter logs in as
/// `default` (with ``password``) for its own statements to be told apart.
public final class TestClickHouse: Sendable {
    public let port: Int
    /// The port of the same interface over TLS, when started with certificates.
    public let tlsPort: Int?
    public let directory: String
    private let process: BackgroundProcess

    /// The password of `default`, the only user.
    public static let password = "chdb-test-secret"

    /// The repository's root, which holds the server script and the virtual environment.
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

    /// Starts a server; `flushInterval` is query_log's. It stops when this object goes, and the
    /// server also stops by itself when the test process is gone, however it ended.
    public static func start(flushInterval: Duration = .milliseconds(7500), tls: TestCertificates? = nil) async throws -> TestClickHouse {
        let python = root + "/.venv-chdb/bin/python"
        guard FileManager.default.isExecutableFile(atPath: python) else {
            throw TestSupportError("no chdb environment at \(root)/.venv-chdb: run scripts/install-deps")
        }
        return try await startOnAFreePort { port in
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("chdb-\(UUID().uuidString.prefix(8))").path
            let tlsPort = try tls.map { _ in try freePort() }
            let secure = tls.map { ["--tls-port", String(tlsPort!), "--tls-cert", $0.serverCertificate, "--tls-key", $0.serverKey] } ?? []
            let process = try BackgroundProcess([
                python, root + "/scripts/chdb-http-server", "--port", String(port), "--data", directory, "--user", "default:" + password,
                "--flush-interval-ms", String(flushInterval.milliseconds),
                "--parent-pid", String(getpid()),
            ] + secure)
            return (TestClickHouse(port: port, tlsPort: tlsPort, directory: directory, process: process), process)
        }
    }

    private init(port: Int, tlsPort: Int?, directory: String, process: BackgroundProcess) {
        self.port = port
        self.tlsPort = tlsPort
        self.directory = directory
        self.process = process
    }

    deinit {
        process.signal(SIGKILL)
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// A DSN for `user` (the password goes separately, as a configuration gives it).
    public func dsn(user: String = "default", database: String = "default") -> String {
        "http://\(user)@127.0.0.1:\(port)/\(database)"
    }

    /// Settings that log in as `default` with its password, as the exporter does: through a
    /// password file in the server's folder.
    public func settings(marker: String? = nil) throws -> ConnectionSettings {
        let passwordFile = directory + "/password"
        try (Self.password + "\n").write(toFile: passwordFile, atomically: true, encoding: .utf8)
        var settings = ConnectionSettings(dsn: dsn(), passwordFile: passwordFile, connectTimeout: .seconds(5))
        settings.statementMarker = marker
        return settings
    }

    /// A connection as `default`, for a test's own statements.
    public func connect() async throws -> ClickHouseConnection {
        try await ClickHouseConnection.connect(try settings())
    }
}
