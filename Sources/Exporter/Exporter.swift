public import Hummingbird
import HummingbirdCore
import HummingbirdTLS
public import Logging
import NIOCore
import Collectors
public import QueryMetrics
public import ServiceLifecycle
import Synchronization
import WarehouseClient

/// The exporter: its metrics, its collectors for every configured warehouse, and its HTTP server.
public final class Exporter: Sendable {
    public let config: ExporterConfig
    public let metrics: MetricCatalog
    public let status: StatusBoard
    let runners: [WarehouseRunner]
    /// Concurrent scrapes share renderings of `/metrics` here.
    let expositions: ExpositionCache
    private let logger: Logger

    /// Builds the exporter; throws when the state file exists but cannot be read, because starting
    /// without it would count queries again or skip them, and when another exporter is using it.
    public init(config: ExporterConfig, logger: Logger) throws {
        self.config = config
        self.logger = logger
        let metrics = MetricCatalog(labelPolicy: config.labelPolicy, buckets: config.buckets, process: ProcessStatus.current)
        let state = try Self.stateStore(config.stateFile, metrics, logger)
        let shared = CollectorCatalog.Shared(rules: config.annotationRules, state: state, sessions: Self.ownSessions(state))
        let status = StatusBoard(
            expected: config.warehouses.flatMap { warehouse in
                ([CollectorCatalog.health] + warehouse.collectors).map { .init(warehouse: warehouse.name, collector: $0) }
            })
        self.metrics = metrics
        self.status = status
        self.expositions = ExpositionCache { representation in Self.render(metrics.registry, as: representation) }
        self.runners = config.warehouses.map {
            WarehouseRunner(config: $0, metrics: metrics, shared: shared, status: status, logger: logger)
        }
        metrics.buildInfo.set(1, [BuildInfo.version, BuildInfo.revision])
    }

    /// The server processes of the exporter's sessions on every warehouse (two warehouses may be
    /// databases of one server, each reading the other's polling). Kept in the state file: after a
    /// restart, the log and history read back hold the previous process's polling, which is just
    /// as much the exporter's own.
    private static func ownSessions(_ state: StateStore) -> SessionRegistry {
        let key = "own_sessions"
        return SessionRegistry(saved: state.load([Int64].self, key: key) ?? []) { pids in _ = try? state.save(pids, key: key) }
    }

    /// The state file, locked for as long as the exporter lives (another exporter given the same
    /// file refuses to start, naming it), whose failed writes are counted, and logged when they
    /// start and stop (not at every collector run); what it cannot use is logged as a warning.
    private static func stateStore(_ path: String?, _ metrics: MetricCatalog, _ logger: Logger) throws -> StateStore {
        guard path != nil else { return try StateStore(path: nil) }
        metrics.stateFileWriteFailures.increment(by: 0, [])
        let failing = Atomic(false)
        return try StateStore(
            path: path, exclusive: true,
            onWrite: { error in
                if let error {
                    metrics.stateFileWriteFailures.increment(by: 1, [])
                    if !failing.exchange(true, ordering: .relaxed) {
                        logger.error("\(error); collection goes on, but a restart now would read again what was read since the last write")
                    }
                } else if failing.exchange(false, ordering: .relaxed) {
                    logger.info("the state file is written again")
                }
            },
            onWarning: { message in logger.warning("\(message)") })
    }

    /// The whole exposition as `representation` asks: the format, gzipped if asked (at zlib's
    /// fastest level: scrapes are frequent, CPU is shared with collection).
    private static func render(_ registry: MetricRegistry, as representation: ExpositionRepresentation) -> ExpositionCache.Rendering {
        let text = registry.render(representation.format)
        if representation.gzip, let compressed = Gzip.compress(text) {
            return .init(body: ByteBuffer(bytes: compressed), gzipped: true)
        }
        return .init(body: ByteBuffer(bytes: text), gzipped: false)
    }

    /// The service that runs every warehouse's collectors until graceful shutdown.
    public var collectorService: some Service {
        CollectorService(runners: runners)
    }

    /// The HTTP server with the collectors attached, on one address: running it runs the whole exporter.
    ///
    /// See ``servers(addresses:telemetryPath:web:webConfigFile:limits:onServerRunning:)`` for the parameters.
    public func application(
        address: ListenAddress, telemetryPath: String = "/metrics", web: WebConfig = WebConfig(), webConfigFile: String = "",
        limits: HTTPLimits = HTTPLimits(), onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) throws(ConfigError) -> some ApplicationProtocol {
        try servers(
            addresses: [address], telemetryPath: telemetryPath, web: web, webConfigFile: webConfigFile, limits: limits,
            onServerRunning: onServerRunning)[0]
    }

    /// One HTTP server per address, answering the same routes, with the collectors attached to the
    /// first: running them all (in one `ServiceGroup`) runs the whole exporter.
    ///
    /// - Parameters:
    ///   - addresses: `--web.listen-address`, each one given; at least one.
    ///   - web: `--web.config.file`: TLS, basic authentication and response headers.
    ///   - webConfigFile: the file `web` came from, named in errors about its certificates, and
    ///     read again when it or the certificate and key it names change; "" for none.
    ///   - limits: the read-header and idle timeouts and the connection cap, shared by every
    ///     address; the cap is lowered to half the file descriptors the process may open, which
    ///     this raises to its hard limit.
    ///   - onServerRunning: called with the bound port once each server listens (useful with port 0).
    /// - Throws: ``ConfigError`` when a certificate or key of `web` cannot be loaded.
    public func servers(
        addresses: [ListenAddress], telemetryPath: String = "/metrics", web: WebConfig = WebConfig(), webConfigFile: String = "",
        limits: HTTPLimits = HTTPLimits(), onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) throws(ConfigError) -> [some ApplicationProtocol] {
        precondition(!addresses.isEmpty, "at least one listen address")
        // HEAD answers what GET would, without the body, as exporter-toolkit's servers do.
        let router = Router(context: ExporterRequestContext.self, options: .autoGenerateHeadEndpoints)
        let tracker = ConnectionTracker(limit: connectionCap(limits.maxConnections))
        router.add(middleware: ConnectionActivityMiddleware(tracker: tracker))
        router.add(middleware: ScrapeMetricsMiddleware(
            telemetryPath: telemetryPath, scrapes: metrics.scrapes, duration: metrics.scrapeDuration, inFlight: metrics.scrapesInFlight))
        // With a file, the middleware stays even if it has no users or headers yet: they may come
        // with the next edit of the file.
        let reloader = WebConfigReloader(path: webConfigFile.isEmpty ? nil : webConfigFile, config: web, logger: logger)
        if !webConfigFile.isEmpty || !web.headers.isEmpty || !web.basicAuthUsers.isEmpty {
            router.add(middleware: WebConfigMiddleware(web: reloader))
        }
        let expositions = expositions
        let status = status
        router.get(RouterPath(telemetryPath)) { request, _ in
            // The format the scraper prefers (OpenMetrics with exemplars, as Prometheus asks; protobuf
            // with native histograms, with its feature on), shared with concurrent scrapes.
            let representation = ExpositionRepresentation(for: request.headers)
            let rendering = await expositions.rendering(representation)
            var headers: HTTPFields = [.contentType: representation.format.contentType, .vary: "Accept, Accept-Encoding"]
            if rendering.gzipped { headers[.contentEncoding] = "gzip" }
            return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: rendering.body))
        }
        router.get("/-/healthy") { _, _ in
            Self.text(.ok, "Healthy\n")
        }
        router.get("/-/ready") { _, _ in
            status.isReady ? Self.text(.ok, "Ready\n") : Self.text(.serviceUnavailable, "Not ready: collectors have not all run once\n")
        }
        if telemetryPath != "/" {
            let page = LandingPage(config: config, status: status, queries: metrics.queries, telemetryPath: telemetryPath)
            router.get("/") { _, _ in
                Response(
                    status: .ok, headers: [.contentType: "text/html; charset=utf-8"],
                    body: ResponseBody(byteBuffer: ByteBuffer(string: page.render())))
            }
        }
        let readHeaderTimeout = TimeAmount(limits.readHeaderTimeout)
        let http1 = HTTPServerBuilder.http1(
            configuration: .init(
                additionalChannelHandlers: [ConnectionGuard(tracker: tracker, readHeaderTimeout: readHeaderTimeout)],
                idleTimeout: TimeAmount(limits.idleTimeout)))
        let server: HTTPServerBuilder
        if let tls = web.tls {
            let configuration = try TLSServerSettings.configuration(tls, file: webConfigFile, reloader: webConfigFile.isEmpty ? nil : reloader)
            do {
                server = try .tls(http1, tlsConfiguration: configuration)
            } catch {
                throw ConfigError(file: webConfigFile, message: "tls_server_config: \(error)")
            }
        } else {
            server = http1
        }
        // One responder for every address: the routes, middleware and connection cap are shared.
        let responder = router.buildResponder()
        return addresses.enumerated().map { index, address in
            Application(
                responder: responder,
                server: server,
                configuration: ApplicationConfiguration(address: .hostname(address.bindHost, port: address.port), serverName: nil),
                services: index == 0 ? [collectorService] : [],
                onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? address.port) },
                logger: logger)
        }
    }

    /// `requested`, or half the file descriptors the process may open if that is less: the other
    /// half stays for the collectors' connections, log files and state file, which an attacker's
    /// idle connections must not starve.
    private func connectionCap(_ requested: Int) -> Int {
        guard let descriptors = DescriptorLimit.raise() else { return requested }
        let cap = min(requested, max(1, descriptors / 2))
        if cap < requested {
            logger.info(
                "serving fewer connections than --web.max-connections, to keep file descriptors for the collectors",
                metadata: ["max_connections": "\(cap)", "open_files_limit": "\(descriptors)"])
        }
        return cap
    }

    private static func text(_ status: HTTPResponse.Status, _ body: String) -> Response {
        Response(
            status: status, headers: [.contentType: "text/plain; charset=utf-8"],
            body: ResponseBody(byteBuffer: ByteBuffer(string: body)))
    }
}
