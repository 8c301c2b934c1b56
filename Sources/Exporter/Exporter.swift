public import Hummingbird
import HummingbirdCore
import HummingbirdTLS
public import Logging
import NIOCore
import Collectors
public import QueryMetrics
public import ServiceLifecycle
import Foundation
import Synchronization
import WarehouseClient

/// The exporter: its metrics, its collectors for every configured warehouse, and its HTTP server.
public final class Exporter: Sendable {
    public let metrics: MetricCatalog
    public let status: StatusBoard
    /// Concurrent scrapes share renderings of `/metrics` here.
    let expositions: ExpositionCache
    private let logger: Logger
    /// The configuration running now and what its collectors share.
    private let running: Mutex<(config: ExporterConfig, shared: CollectorCatalog.Shared)>
    private let fleet = WarehouseFleet()
    private let changes = ReloadQueue()
    /// Reads the configuration again for a reload; nil when it cannot be reloaded.
    private let source: (@Sendable () throws -> ExporterConfig)?

    /// The configuration running now: the one given at start, then each one a reload accepted.
    public var config: ExporterConfig { running.withLock { $0.config } }

    /// Builds the exporter; throws when the state file exists but cannot be read, because starting
    /// without it would count queries again or skip them, and when another exporter is using it.
    ///
    /// - Parameter source: reads the configuration again at each ``reload()`` (the file, with the
    ///   command line's overrides); nil when the exporter has no file to reload.
    public init(config: ExporterConfig, logger: Logger, reloadingFrom source: (@Sendable () throws -> ExporterConfig)? = nil) throws {
        self.logger = logger
        self.source = source
        let metrics = MetricCatalog(labelPolicy: config.labelPolicy, buckets: config.buckets, process: ProcessStatus.current)
        let state = try Self.stateStore(config.stateFile, metrics, logger)
        let shared = CollectorCatalog.Shared(rules: config.annotationRules, state: state, sessions: Self.ownSessions(state))
        let status = StatusBoard(expected: Self.statusKeys(config))
        self.metrics = metrics
        self.status = status
        self.running = Mutex((config, shared))
        self.expositions = ExpositionCache { representation in Self.render(metrics.registry, as: representation) }
        metrics.buildInfo.set(1, [BuildInfo.version, BuildInfo.revision])
        metrics.configReloadSuccessful.set(1, [])
        metrics.configReloadSuccessTimestamp.set(Date().timeIntervalSince1970, [])
    }

    private static func statusKeys(_ config: ExporterConfig) -> [StatusBoard.Key] {
        config.warehouses.flatMap { warehouse in
            ([CollectorCatalog.health] + warehouse.collectors).map { .init(warehouse: warehouse.name, collector: $0) }
        }
    }

    private func runners(_ warehouses: [ExporterConfig.Warehouse], shared: CollectorCatalog.Shared) -> [WarehouseRunner] {
        warehouses.map { WarehouseRunner(config: $0, metrics: metrics, shared: shared, status: status, logger: logger) }
    }

    // MARK: - Collecting and reloading

    /// Starts every configured warehouse's collectors.
    func startCollecting() async {
        await changes.run { [self] in
            let (config, shared) = running.withLock { $0 }
            await fleet.open(runners(config.warehouses, shared: shared))
        }
    }

    /// Stops every collector and waits for them to end.
    func stopCollecting() async {
        await changes.run { [fleet] in await fleet.close() }
    }

    /// Reads the configuration again and applies it, as SIGHUP and `POST /-/reload` ask: new
    /// warehouses start, removed ones stop and their series leave the exposition, changed ones
    /// (or all, when the annotation rules changed) restart their collectors, which read on from
    /// their saved positions; the others are not touched, and no counter goes back. Settings that
    /// shape the metric families or the state file (`labels`, `histograms`, `state_file`) take
    /// effect at the next start only, which the log says.
    ///
    /// A configuration that does not load leaves the running one as it is; the error is thrown,
    /// logged, and `warehouse_exporter_config_last_reload_successful` goes to 0.
    public func reload() async throws {
        try await changes.run { [self] () async -> Result<Void, any Error> in
            do {
                guard let source else { throw ConfigError(file: "", message: "this exporter was started without a configuration file to reload") }
                await apply(try source())
                metrics.configReloadSuccessful.set(1, [])
                metrics.configReloadSuccessTimestamp.set(Date().timeIntervalSince1970, [])
                return .success(())
            } catch {
                metrics.configReloadSuccessful.set(0, [])
                logger.error("configuration not reloaded: the running one stays", metadata: ["error": "\(error)"])
                return .failure(error)
            }
        }.get()
    }

    private func apply(_ proposed: ExporterConfig) async {
        let (old, oldShared) = running.withLock { $0 }
        var new = proposed
        var atRestart: [String] = []
        if new.stateFile != old.stateFile {
            atRestart.append("state_file")
            new.stateFile = old.stateFile
        }
        if new.labelPolicy != old.labelPolicy {
            atRestart.append("labels")
            new.labelPolicy = old.labelPolicy
        }
        if new.buckets != old.buckets {
            atRestart.append("histograms")
            new.buckets = old.buckets
        }
        let rulesChanged = new.annotationRules != old.annotationRules
        let shared = rulesChanged ? CollectorCatalog.Shared(rules: new.annotationRules, state: oldShared.state, sessions: oldShared.sessions) : oldShared
        let before = Dictionary(old.warehouses.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        let after = Set(new.warehouses.map(\.name))
        let removed = old.warehouses.map(\.name).filter { !after.contains($0) }
        let added = new.warehouses.filter { before[$0.name] == nil }
        let restarted = new.warehouses.filter { warehouse in before[warehouse.name].map { $0 != warehouse || rulesChanged } ?? false }

        await fleet.stop(removed + restarted.map(\.name))
        for name in removed { metrics.registry.removeSeries(warehouse: name) }
        for warehouse in restarted {
            // Checks taken out would otherwise keep their last values (and alerts) for good.
            if before[warehouse.name]!.dataChecks != warehouse.dataChecks { metrics.dataChecks.removeSeries(warehouse: warehouse.name) }
            for collector in before[warehouse.name]!.collectors where !warehouse.collectors.contains(collector) {
                metrics.removeCollectorSeries(warehouse: warehouse.name, collector: collector)
            }
        }
        status.expect(Self.statusKeys(new))
        running.withLock { $0 = (new, shared) }
        await fleet.start(runners(restarted + added, shared: shared))

        var metadata: Logger.Metadata = [
            "added": "\(added.map(\.name).joined(separator: ","))", "removed": "\(removed.joined(separator: ","))",
            "restarted": "\(restarted.map(\.name).joined(separator: ","))",
        ]
        if rulesChanged { metadata["annotation_rules"] = "changed" }
        logger.info("configuration reloaded", metadata: metadata)
        if !atRestart.isEmpty {
            logger.warning(
                "these settings changed but take effect only when the exporter restarts", metadata: ["settings": "\(atRestart.joined(separator: ","))"])
        }
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

    /// The service that runs every warehouse's collectors until graceful shutdown, and reloads
    /// the configuration at each SIGHUP.
    public var collectorService: some Service {
        CollectorService(exporter: self)
    }

    /// The HTTP server with the collectors attached, on one address: running it runs the whole exporter.
    ///
    /// See ``servers(addresses:telemetryPath:web:webConfigFile:limits:lifecycle:onServerRunning:)`` for the parameters.
    public func application(
        address: ListenAddress, telemetryPath: String = "/metrics", web: WebConfig = WebConfig(), webConfigFile: String = "",
        limits: HTTPLimits = HTTPLimits(), lifecycle: Bool = false, onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) throws(ConfigError) -> some ApplicationProtocol {
        try servers(
            addresses: [address], telemetryPath: telemetryPath, web: web, webConfigFile: webConfigFile, limits: limits, lifecycle: lifecycle,
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
    ///   - lifecycle: `--web.enable-lifecycle`: `POST /-/reload` reloads the configuration, as
    ///     on Prometheus; without it the endpoint answers 403.
    ///   - onServerRunning: called with the bound port once each server listens (useful with port 0).
    /// - Throws: ``ConfigError`` when a certificate or key of `web` cannot be loaded.
    public func servers(
        addresses: [ListenAddress], telemetryPath: String = "/metrics", web: WebConfig = WebConfig(), webConfigFile: String = "",
        limits: HTTPLimits = HTTPLimits(), lifecycle: Bool = false, onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
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
        // Prometheus's lifecycle endpoint and its answers, so the tooling that reloads Prometheus
        // (configmap-reload, scripts) reloads the exporter alike. It changes what runs, so it is
        // off unless asked for, and behind the web configuration's authentication like the rest.
        for method in [HTTPRequest.Method.post, .put] {
            router.on("/-/reload", method: method) { [self] _, _ in
                guard lifecycle else { return Self.text(.forbidden, "Lifecycle API is not enabled.\n") }
                do {
                    try await reload()
                    return Self.text(.ok, "")
                } catch {
                    return Self.text(.internalServerError, "failed to reload config: \(error)\n")
                }
            }
        }
        if telemetryPath != "/" {
            let page = LandingPage(config: { [self] in config }, status: status, queries: metrics.queries, telemetryPath: telemetryPath)
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
