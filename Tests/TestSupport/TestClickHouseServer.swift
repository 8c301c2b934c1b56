import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A real ClickHouse server, Debian's `clickhouse-server` package (18.16, which Debian 12 ships), in
/// a temporary folder on free loopback ports: what the oldest servers answer, and a query_log too old
/// for the `query_log` collector. Under root the server runs as `nobody`.
public final class TestClickHouseServer: Sendable {
    public let port: Int
    public let directory: String
    private let process: BackgroundProcess

    /// Debian's binary, when the package is installed (scripts/install-deps).
    public static let binary = "/usr/sbin/clickhouse-server"
    public static var isInstalled: Bool { FileManager.default.isExecutableFile(atPath: binary) }
    /// The password of `default`, the user the exporter logs in as.
    public static let password = "ch18-test-secret"
    /// The password of `analyst`, a user of the team's.
    public static let analystPassword = "ch18-analyst-secret"

    public static func start() async throws -> TestClickHouseServer {
        try await startOnAFreePort { port in
            let tcpPort = try freePort()
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ch18-\(UUID().uuidString.prefix(8))").path
            try writeConfiguration(directory: directory, port: port, tcpPort: tcpPort)
            var arguments = [binary, "--config-file=\(directory)/config.xml"]
            if geteuid() == 0 {
                _ = try await Subprocess.run(["chown", "-R", "nobody:nogroup", directory])
                arguments = ["setpriv", "--reuid=nobody", "--regid=nogroup", "--init-groups"] + arguments
            }
            let process = try BackgroundProcess(arguments)
            // The watchdog stops the server (setpriv became it: the same process) when the test
            // process is gone, however it ended.
            let watchdog = "while kill -0 \(getpid()) 2>/dev/null; do sleep 1; done; kill -KILL \(process.pid); rm -rf '\(directory)'"
            _ = try await Subprocess.run(["sh", "-c", "(\(watchdog)) </dev/null >/dev/null 2>&1 &"])
            return (TestClickHouseServer(port: port, directory: directory, process: process), process)
        }
    }

    private init(port: Int, directory: String, process: BackgroundProcess) {
        self.port = port
        self.directory = directory
        self.process = process
    }

    deinit {
        process.signal(SIGKILL)
    }

    /// A DSN of `default` without its password, which goes in ``passwordFile``.
    public var dsn: String { "http://default@127.0.0.1:\(port)/default" }
    public var passwordFile: String { directory + "/password" }

    /// query_log flushed every second, and `default` and `analyst` with passwords, on loopback only.
    private static func writeConfiguration(directory: String, port: Int, tcpPort: Int) throws {
        for folder in ["data", "tmp", "log"] {
            try FileManager.default.createDirectory(atPath: "\(directory)/\(folder)", withIntermediateDirectories: true)
        }
        let config = """
            <?xml version="1.0"?>
            <yandex>
                <logger><level>warning</level><log>\(directory)/log/server.log</log><errorlog>\(directory)/log/error.log</errorlog></logger>
                <http_port>\(port)</http_port>
                <tcp_port>\(tcpPort)</tcp_port>
                <listen_host>127.0.0.1</listen_host>
                <max_concurrent_queries>16</max_concurrent_queries>
                <mark_cache_size>53687091</mark_cache_size>
                <path>\(directory)/data/</path>
                <tmp_path>\(directory)/tmp/</tmp_path>
                <users_config>\(directory)/users.xml</users_config>
                <default_profile>default</default_profile>
                <default_database>default</default_database>
                <timezone>UTC</timezone>
                <query_log><database>system</database><table>query_log</table><flush_interval_milliseconds>1000</flush_interval_milliseconds></query_log>
            </yandex>
            """
        let users = """
            <?xml version="1.0"?>
            <yandex>
                <profiles><default><log_queries>1</log_queries></default></profiles>
                <users><default><password>\(password)</password><networks><ip>127.0.0.1</ip></networks>
                    <profile>default</profile><quota>default</quota></default>
                    <analyst><password>\(analystPassword)</password><networks><ip>127.0.0.1</ip></networks>
                    <profile>default</profile><quota>default</quota></analyst></users>
                <quotas><default><interval><duration>3600</duration><queries>0</queries><errors>0</errors>
                    <result_rows>0</result_rows><read_rows>0</read_rows><execution_time>0</execution_time></interval></default></quotas>
            </yandex>
            """
        try config.write(toFile: directory + "/config.xml", atomically: true, encoding: .utf8)
        try users.write(toFile: directory + "/users.xml", atomically: true, encoding: .utf8)
        try (password + "\n").write(toFile: directory + "/password", atomically: true, encoding: .utf8)
    }
}
