import ArgumentParser
import Exporter
import Logging
import ServiceLifecycle

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Collect from the configured warehouses and serve the metrics over HTTP (the default).",
        discussion: """
            Collectors can be switched on or off for every warehouse whose kind has them, over what the \
            configuration says, with --collector.<name> and --no-collector.<name> (for example \
            --no-collector.tables). Without a `collectors` list in the configuration, a warehouse runs \
            those on by default and those its configuration gives something to do:

            \(CollectorCatalog.summary.joined(separator: "\n"))
            """
    )

    @Option(name: .customLong("config.file"), help: "The YAML configuration file.")
    var configFile = "warehouse_exporter.yml"

    @Option(
        name: .customLong("web.listen-address"),
        help: "Address to listen on for HTTP requests; repeat it to listen on several. :PORT is every interface, IPv6 and IPv4.")
    var listenAddresses: [String] = [":\(ListenAddress.defaultPort)"]

    @Option(name: .customLong("web.telemetry-path"), help: "Path under which to expose metrics.")
    var telemetryPath = "/metrics"

    @Option(
        name: .customLong("web.config.file"),
        help: "A web configuration file (exporter-toolkit format) enabling TLS, client certificates and basic authentication.")
    var webConfigFile: String?

    @Option(
        name: .customLong("web.read-header-timeout"),
        help: "How long a new connection may take to send its first request's headers, TLS handshake included.")
    var readHeaderTimeout = "10s"

    @Option(
        name: .customLong("web.idle-timeout"),
        help: "How long a connection may stay without a complete request part, between requests or while headers dribble in.")
    var idleTimeout = "90s"

    @Option(
        name: .customLong("web.max-connections"),
        help: "Connections held at once (at most half the open-files limit); over it, the longest idle one is closed.")
    var maxConnections = HTTPLimits().maxConnections

    @Flag(
        name: .customLong("web.enable-lifecycle"),
        help: "Reload the configuration on POST /-/reload (SIGHUP always reloads it).")
    var enableLifecycle = false

    @Option(name: .customLong("log.level"), help: "Only log messages at or above this level: debug, info, warn, error.")
    var logLevel = "info"

    @Option(name: .customLong("log.format"), help: "Log line format: logfmt or json.")
    var logFormat = "logfmt"

    @Argument(parsing: .allUnrecognized, help: .hidden)
    var collectorFlags: [String] = []

    func validate() throws {
        for listenAddress in listenAddresses where ListenAddress(listenAddress) == nil {
            throw ValidationError("--web.listen-address \"\(listenAddress)\" is not host:port (for example :\(ListenAddress.defaultPort))")
        }
        for (flag, value) in [("--web.read-header-timeout", readHeaderTimeout), ("--web.idle-timeout", idleTimeout)] {
            guard let duration = DurationParser.parse(value), duration > .zero else {
                throw ValidationError("\(flag) \"\(value)\" is not a positive duration (for example 10s)")
            }
        }
        guard maxConnections > 0 else { throw ValidationError("--web.max-connections must be at least 1") }
        guard telemetryPath.hasPrefix("/") else { throw ValidationError("--web.telemetry-path must start with /") }
        guard Self.level(logLevel) != nil else { throw ValidationError("--log.level must be one of debug, info, warn, error") }
        guard StructuredLogHandler.Format(rawValue: logFormat) != nil else { throw ValidationError("--log.format must be logfmt or json") }
        _ = try collectorOverrides()
    }

    func run() async throws {
        let level = Self.level(logLevel)!
        let format = StructuredLogHandler.Format(rawValue: logFormat)!
        LoggingSystem.bootstrap { _ in StructuredLogHandler(format: format, level: level) }
        let logger = Logger(label: "warehouse_exporter")

        // Read at start and again at each reload, with the same overrides from the command line.
        let overrides = try collectorOverrides()
        let configFile = configFile
        let readConfig: @Sendable () throws -> ExporterConfig = {
            var config = try ConfigLoader.load(path: configFile)
            config.apply(collectorOverrides: overrides)
            return config
        }
        let config: ExporterConfig
        do {
            config = try readConfig()
        } catch {
            logger.error("invalid configuration", metadata: ["error": "\(error)"])
            throw ExitCode(2)
        }

        let exporter: Exporter
        do {
            exporter = try Exporter(config: config, logger: logger, reloadingFrom: readConfig)
        } catch {
            logger.error("cannot start", metadata: ["error": "\(error)"])
            throw ExitCode(2)
        }
        var web = WebConfig()
        if let webConfigFile {
            web = try Self.orExit(logger) { () throws(ConfigError) in try WebConfigLoader.load(path: webConfigFile) }
        }
        let addresses = listenAddresses.map { ListenAddress($0)! }
        let servers = try Self.orExit(logger) { () throws(ConfigError) in
            try exporter.servers(
                addresses: addresses, telemetryPath: telemetryPath, web: web, webConfigFile: webConfigFile ?? "",
                limits: HTTPLimits(
                    readHeaderTimeout: DurationParser.parse(readHeaderTimeout)!, idleTimeout: DurationParser.parse(idleTimeout)!,
                    maxConnections: maxConnections),
                lifecycle: enableLifecycle)
        }
        logger.info(
            "starting warehouse_exporter",
            metadata: [
                "version": "\(BuildInfo.version)", "revision": "\(BuildInfo.revision)",
                "listen_addresses": "\(addresses.map(\.description).joined(separator: ","))", "telemetry_path": "\(telemetryPath)", "tls": "\(web.tls != nil)",
                "basic_auth": "\(!web.basicAuthUsers.isEmpty)",
                "warehouses": "\(config.warehouses.map(\.name).joined(separator: ","))",
            ])
        let group = ServiceGroup(
            configuration: .init(services: servers.map { $0 as any Service }, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
        logger.info("stopped")
    }

    /// The web configuration's value, or exit 2 with its error logged.
    private static func orExit<T>(_ logger: Logger, _ body: () throws(ConfigError) -> T) throws -> T {
        do {
            return try body()
        } catch {
            logger.error("invalid web configuration", metadata: ["error": "\(error)"])
            throw ExitCode(2)
        }
    }

    /// `--collector.<name>` and `--no-collector.<name>`, which cannot be declared one by one
    /// because the set of collectors grows with each warehouse kind.
    func collectorOverrides() throws -> [String: Bool] {
        var overrides: [String: Bool] = [:]
        for flag in collectorFlags {
            let (name, enabled): (Substring, Bool) =
                if flag.hasPrefix("--no-collector.") { (flag.dropFirst("--no-collector.".count), false) }
                else if flag.hasPrefix("--collector.") { (flag.dropFirst("--collector.".count), true) }
                else { throw ValidationError("unknown option \(flag)") }
            guard CollectorCatalog.allNames.contains(String(name)) else {
                throw ValidationError("unknown collector \"\(name)\" in \(flag) (collectors: \(CollectorCatalog.allNames.sorted().joined(separator: ", ")))")
            }
            overrides[String(name)] = enabled
        }
        return overrides
    }

    static func level(_ text: String) -> Logger.Level? {
        switch text {
        case "debug": .debug
        case "info": .info
        case "warn", "warning": .warning
        case "error": .error
        default: nil
        }
    }
}
