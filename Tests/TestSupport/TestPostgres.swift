import Foundation
public import WarehouseClient

#if canImport(Glibc)
import Glibc
#endif

/// A throwaway PostgreSQL cluster in a temporary folder, listening on a free loopback port.
///
/// A watchdog process stops the cluster and deletes its folder when the test process exits,
/// however it exits, so a failed or crashed test run leaves nothing behind. PostgreSQL refuses
/// to run as root; under root the server runs as the `postgres` user that Debian's package creates.
public final class TestPostgres: Sendable {
    public let port: Int
    public let directory: String
    private let binaries: String

    /// The superuser trusted on loopback; roles created by tests log in with passwords.
    public static let superuser = "postgres"

    /// Settings for a cluster whose every statement is logged with its duration, and every
    /// temporary file with its size, in jsonlog files under `data/log`, readable by the exporter:
    /// what the `query_log` collector reads.
    public static let jsonlogSettings = [
        "logging_collector": "on", "log_destination": "jsonlog", "log_min_duration_statement": "0", "log_temp_files": "0",
        "log_file_mode": "0644",
    ]

    /// A cluster shared by the tests of one process that do not stop or reconfigure it.
    public static func shared() throws -> TestPostgres {
        try sharedCluster.get()
    }

    private static let sharedCluster = Result { try TestPostgres.start() }

    /// Creates and starts a new cluster; `settings` become `-c name=value` server options.
    ///
    /// The port is free when chosen but can be taken before the server binds it (tests open many
    /// outgoing connections, whose local ports come from the same range), so a failed start is
    /// retried on a new port; the error of the last attempt carries the server's own log.
    public static func start(settings: [String: String] = [:]) throws -> TestPostgres {
        var failure: (any Error)?
        for _ in 0..<3 {
            let cluster = TestPostgres(port: try freePort(), directory: try makeDirectory(), binaries: try findBinaries())
            do {
                try cluster.initialise(settings: settings)
                try cluster.startServer()
                return cluster
            } catch {
                failure = TestSupportError("\(error)\nserver log:\n\(cluster.serverLogTail())")
            }
        }
        throw failure!
    }

    /// The end of what the server wrote at start-up and, with logging_collector, in its log directory.
    private func serverLogTail() -> String {
        var files = [directory + "/server.log"]
        let logDirectory = directory + "/data/log"
        if let names = try? FileManager.default.contentsOfDirectory(atPath: logDirectory) {
            files += names.sorted().map { logDirectory + "/" + $0 }
        }
        return files.compactMap { path in
            FileManager.default.contents(atPath: path).map { path + ":\n" + String(decoding: $0.suffix(2_000), as: UTF8.self) }
        }.joined(separator: "\n")
    }

    private init(port: Int, directory: String, binaries: String) {
        self.port = port
        self.directory = directory
        self.binaries = binaries
    }

    /// A DSN for `database` as the trusted superuser.
    public func dsn(database: String = "postgres", user: String = TestPostgres.superuser) -> String {
        "host=127.0.0.1 port=\(port) dbname=\(database) user=\(user) connect_timeout=5"
    }

    /// Stops the server (`fast` waits for nothing; `immediate` is a crash as far as the server knows).
    public func stop(mode: String = "fast") throws {
        try run(binaries + "/pg_ctl", ["-D", directory + "/data", "-m", mode, "-w", "stop"])
    }

    /// Starts the server again after ``stop(mode:)``, on the same port.
    public func startServer() throws {
        try run(binaries + "/pg_ctl", ["-D", directory + "/data", "-l", directory + "/server.log", "-w", "-t", "30", "start"])
    }

    /// Runs a SQL file with psql as the superuser, stopping at the first error; `variables` are
    /// psql's `-v name=value`.
    public func psql(file: String, database: String, variables: [String: String] = [:]) throws {
        try Self.shell(
            [binaries + "/psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", dsn(database: database), "-f", file]
                + variables.sorted { $0.key < $1.key }.flatMap { ["-v", "\($0.key)=\($0.value)"] })
    }

    /// Creates a database with a unique name and returns the name.
    public func createDatabase(prefix: String = "test") async throws -> String {
        let name = "\(prefix)_\(UUID().uuidString.prefix(8).lowercased())"
        try await execute("CREATE DATABASE \(name)")
        return name
    }

    /// Runs statements as the superuser, one at a time.
    @discardableResult
    public func execute(_ statements: String..., database: String = "postgres") async throws -> [QueryResult] {
        let connection = try await Connection.connect(ConnectionSettings(dsn: dsn(database: database), applicationName: "test_setup"))
        defer { connection.close() }
        var results: [QueryResult] = []
        for statement in statements {
            results.append(try await connection.query(statement))
        }
        return results
    }

    // MARK: - Setting up

    private func initialise(settings: [String: String]) throws {
        let data = directory + "/data"
        if Self.isRoot { try Self.shell(["chown", "postgres:postgres", directory]) }
        try run(binaries + "/initdb", ["-D", data, "-U", Self.superuser, "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync"])
        // Trust the superuser, make every other role log in with its password.
        try """
        local all all trust
        host all \(Self.superuser) 127.0.0.1/32 trust
        host all all 127.0.0.1/32 scram-sha-256

        """.write(toFile: data + "/pg_hba.conf", atomically: true, encoding: .utf8)
        var options = [
            "port": "\(port)", "listen_addresses": "'127.0.0.1'", "unix_socket_directories": "'\(directory)'",
            // The suite runs its tests in parallel, each exporter with a connection per collector:
            // at 100 the shared cluster turned clients away ("too many clients") on a loaded machine,
            // and a runner backing off from that missed its test's deadline.
            "fsync": "off", "synchronous_commit": "off", "full_page_writes": "off", "max_connections": "500",
        ]
        options.merge(settings) { $1 }
        let conf = options.sorted { $0.key < $1.key }.map { "\($0.key) = \($0.value)" }.joined(separator: "\n")
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: data + "/postgresql.conf"))
        handle.seekToEndOfFile()
        handle.write(Data(("\n" + conf + "\n").utf8))
        try handle.close()
        if Self.isRoot { try Self.shell(["chown", "-R", "postgres:postgres", directory]) }
        try startWatchdog()
    }

    /// Stops the cluster once this process is gone; `kill -0` fails when the process has exited.
    /// The watchdog is detached (its shell backgrounds it and exits): a long-lived child would keep
    /// Foundation's `Process` from reaping the other children this process starts.
    private func startWatchdog() throws {
        let stop = command(binaries + "/pg_ctl", ["-D", directory + "/data", "-m", "immediate", "stop"])
        let watchdog = """
            while kill -0 \(getpid()) 2>/dev/null; do sleep 1; done
            \(stop.map(Self.quote).joined(separator: " "))
            rm -rf \(Self.quote(directory))
            """
        try Self.shell(["sh", "-c", "(\(watchdog)) </dev/null >/dev/null 2>&1 &"])
    }

    private func run(_ executable: String, _ arguments: [String]) throws {
        try Self.shell(command(executable, arguments))
    }

    private func command(_ executable: String, _ arguments: [String]) -> [String] {
        Self.isRoot ? ["runuser", "-u", "postgres", "--", executable] + arguments : [executable] + arguments
    }

    private static var isRoot: Bool { geteuid() == 0 }

    @discardableResult
    static func shell(_ arguments: [String]) throws -> String {
        let (status, output) = try Subprocess.runBlocking(arguments, input: nil)
        guard status == 0 else {
            throw TestSupportError("\(arguments.joined(separator: " ")) exited with \(status): \(output)")
        }
        return output
    }

    private static func quote(_ text: String) -> String {
        "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }

    private static func makeDirectory() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("warehouse-pg-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// PG_BIN if set, else the newest /usr/lib/postgresql/N/bin (Debian's layout), else PATH's.
    private static func findBinaries() throws -> String {
        if let bin = ProcessInfo.processInfo.environment["PG_BIN"] { return bin }
        let root = "/usr/lib/postgresql"
        let versions = ((try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []).compactMap(Int.init).sorted()
        if let newest = versions.last { return "\(root)/\(newest)/bin" }
        let found = try shell(["sh", "-c", "command -v initdb"]).trimmingCharacters(in: .whitespacesAndNewlines)
        guard !found.isEmpty else { throw TestSupportError("no PostgreSQL server binaries: install the postgresql package") }
        return (found as NSString).deletingLastPathComponent
    }
}
