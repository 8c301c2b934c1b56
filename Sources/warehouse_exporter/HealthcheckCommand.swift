import ArgumentParser
import Exporter
import Foundation
import WarehouseClient

struct HealthcheckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "healthcheck",
        abstract: "Ask a running exporter on this machine whether it is healthy (GET /-/healthy); exits 0 if so, 1 with the reason if not.",
        discussion: """
            Give it the --web.* flags the exporter runs with: it probes the first --web.listen-address (on \
            loopback when that is every interface), over HTTPS when the web configuration has tls_server_config, \
            accepting exactly the certificate the server is configured with. With basic_auth_users, whose \
            bcrypt hashes cannot be turned back into a password, give --healthcheck.username and \
            --healthcheck.password-file.
            """
    )

    @Option(name: .customLong("web.listen-address"), help: "The exporter's --web.listen-address; the first one is probed.")
    var listenAddresses: [String] = [":\(ListenAddress.defaultPort)"]

    @Option(name: .customLong("web.telemetry-path"), help: .hidden)
    var telemetryPath = "/metrics"

    @Option(name: .customLong("web.config.file"), help: "The exporter's web configuration file.")
    var webConfigFile: String?

    @Option(name: .customLong("healthcheck.username"), help: "The basic auth user to ask as.")
    var username: String?

    @Option(name: .customLong("healthcheck.password-file"), help: "A file whose first line is that user's password.")
    var passwordFile: String?

    @Option(name: .customLong("healthcheck.timeout"), help: "How long to wait for the answer.")
    var timeout = "4s"

    func validate() throws {
        guard let first = listenAddresses.first, ListenAddress(first) != nil else {
            throw ValidationError("--web.listen-address \"\(listenAddresses.first ?? "")\" is not host:port (for example :\(ListenAddress.defaultPort))")
        }
        guard let duration = DurationParser.parse(timeout), duration > .zero else {
            throw ValidationError("--healthcheck.timeout \"\(timeout)\" is not a positive duration (for example 4s)")
        }
        guard (username == nil) == (passwordFile == nil) else {
            throw ValidationError("--healthcheck.username and --healthcheck.password-file go together")
        }
    }

    func run() async throws {
        let address = ListenAddress(listenAddresses[0])!
        var web = WebConfig()
        if let webConfigFile {
            do {
                web = try WebConfigLoader.load(path: webConfigFile)
            } catch {
                return try Self.unhealthy("\(error)")
            }
        }
        var credentials: (username: String, password: String)?
        if let username, let passwordFile {
            guard let password = SecretFile.firstLine(atPath: passwordFile) else {
                return try Self.unhealthy("\(passwordFile): cannot read the password file")
            }
            credentials = (username, password)
        }
        let probe = HealthProbe(
            address: address, web: web, webConfigFile: webConfigFile ?? "", credentials: credentials, timeout: DurationParser.parse(timeout)!)
        if let reason = await probe.run() {
            try Self.unhealthy(reason)
        }
        print("healthy")
    }

    private static func unhealthy(_ reason: String) throws {
        printError("unhealthy: \(reason)")
        throw ExitCode(1)
    }
}
