import Collectors
import Foundation
import Logging
import QueryMetrics
import Synchronization
import WarehouseClient

/// Runs one warehouse: its health check and each enabled collector, each on its own interval
/// and its own connection, so a slow collector delays nobody else and a failing one fails alone.
final class WarehouseRunner: Sendable {
    let config: ExporterConfig.Warehouse
    let collectors: [any PolledCollector]
    private let metrics: MetricCatalog
    private let status: StatusBoard
    private let logger: Logger
    /// Whether the warehouse was reachable at the last attempt; nil before the first.
    private let reachable = Mutex<Bool?>(nil)
    /// The server processes of the exporter's connections, this runner's among them.
    let sessions: SessionRegistry

    convenience init(config: ExporterConfig.Warehouse, metrics: MetricCatalog, shared: CollectorCatalog.Shared, status: StatusBoard, logger: Logger) {
        self.init(
            config: config, collectors: config.collectors.compactMap { CollectorCatalog.make($0, for: config, metrics: metrics, shared: shared) },
            metrics: metrics, status: status, logger: logger, sessions: shared.sessions)
    }

    /// A runner of the given collectors (tests run doubles with it).
    init(
        config: ExporterConfig.Warehouse, collectors: [any PolledCollector], metrics: MetricCatalog, status: StatusBoard, logger: Logger,
        sessions: SessionRegistry = SessionRegistry()
    ) {
        self.config = config
        self.collectors = collectors
        self.sessions = sessions
        self.metrics = metrics
        self.status = status
        var logger = logger
        logger[metadataKey: "warehouse"] = "\(config.name)"
        self.logger = logger
        // Until a connection has worked, the warehouse is not known to be up; a runner restarted
        // by a reload keeps what the last one knew until its own first check.
        if metrics.up.value([config.name]) == nil { metrics.up.set(0, [config.name]) }
    }

    /// Runs until the task is cancelled.
    func run() async {
        await withDiscardingTaskGroup { group in
            group.addTask { await self.loop(HealthCheck()) }
            for collector in collectors {
                group.addTask { await self.loop(collector) }
            }
        }
    }

    private var settings: ConnectionSettings {
        var settings = ConnectionSettings(
            dsn: config.dsn, passwordFile: config.passwordFile, passwordCommand: config.passwordCommand, connectTimeout: config.connectTimeout,
            statementTimeout: config.queryTimeout)
        // Every statement the exporter sends carries its annotation: its own polling is never
        // counted as the warehouse's work.
        settings.statementMarker = OwnStatements.annotation
        settings.sessions = sessions
        return settings
    }

    /// Runs `collector` with a session of the client it reads with, until the task is cancelled.
    private func loop(_ collector: any PolledCollector) async {
        let logger = logger.with("collector", collector.name)
        switch (config.kind, collector) {
        case (.clickhouse, let collector as any ClickHouseCollector):
            await loop(collector, session: ClickHouseSession.self) { [self] connection in
                try await collector.collect(
                    ClickHouseContext(connection: connection, warehouse: config.name, queryTimeout: config.queryTimeout, logger: logger))
            }
        case (.postgres, let collector as any Collector), (.redshift, let collector as any Collector):
            await loop(collector, session: WarehouseSession.self) { [self] connection in
                try await collector.collect(
                    CollectionContext(
                        connection: connection, warehouse: config.name, queryTimeout: config.queryTimeout, logger: logger, settings: settings))
            }
        default:
            // The catalog gives each kind only collectors of its client.
            logger.error("collector cannot read this kind of warehouse", metadata: ["collector": "\(collector.name)", "kind": "\(config.kind.rawValue)"])
        }
    }

    /// Runs `collector` by `run` on its interval, with a connection of a session of its own, until
    /// the task is cancelled.
    private func loop<Link>(
        _ collector: any PolledCollector, session _: ReconnectingSession<Link>.Type, run: @escaping @Sendable (Link) async throws -> Void
    ) async {
        let session = ReconnectingSession<Link>(
            settings: settings, backoff: Backoff(initial: min(.seconds(1), config.reconnectBackoffMax), maximum: config.reconnectBackoffMax),
            onEvent: { [self] event in connectionEvent(event) })
        defer { session.close() }
        let interval = config.interval(for: collector.name)
        let clock = ContinuousClock()
        var failing = false
        var next = clock.now
        while !Task.isCancelled {
            let started = clock.now
            let failure: (any Error)?
            do {
                try await session.withConnection(run)
                failure = nil
            } catch {
                failure = error
            }
            if Task.isCancelled { return }
            record(collector, failure: failure, duration: clock.now - started)
            if let failure, !failing {
                logger.warning("collector failed", metadata: ["collector": "\(collector.name)", "error": "\(failure)"])
            } else if failure == nil, failing {
                logger.info("collector recovered", metadata: ["collector": "\(collector.name)"])
            }
            failing = failure != nil

            // Keep a steady cadence, but never fire a burst of runs to catch up after a slow one.
            next = max(next + interval, clock.now)
            do { try await Task.sleep(until: next, clock: clock) } catch { return }
        }
    }

    private func record(_ collector: any PolledCollector, failure: (any Error)?, duration: Duration) {
        let now = Date().timeIntervalSince1970
        status.record(warehouse: config.name, collector: collector.name, error: failure.map { "\($0)" }, at: now)
        if collector is HealthCheck {
            // Any failure of the health query counts, a timeout included: a warehouse that cannot
            // answer SELECT 1 in time is not up for monitoring purposes.
            setReachable(failure == nil, reason: failure)
        } else {
            metrics.collectorSuccess.set(failure == nil ? 1 : 0, [config.name, collector.name])
            metrics.collectorDuration.set(duration.seconds, [config.name, collector.name])
            if failure == nil { metrics.collectorLastSuccess.set(now, [config.name, collector.name]) }
            if failure == nil, let lag = collector.lagSeconds { metrics.collectorLag.set(lag, [config.name, collector.name]) }
        }
    }

    private func connectionEvent(_ event: SessionEvent) {
        switch event {
        case .connected(let version):
            setReachable(true, reason: nil, serverVersion: version)
        case .connectFailed(let error), .connectionLost(let error):
            setReachable(false, reason: error)
        }
    }

    private func setReachable(_ isReachable: Bool, reason: (any Error)?, serverVersion: String? = nil) {
        metrics.up.set(isReachable ? 1 : 0, [config.name])
        let changed = reachable.withLock { state in
            defer { state = isReachable }
            return state != isReachable
        }
        guard changed else { return }
        if isReachable {
            var metadata: Logger.Metadata = [:]
            if let serverVersion { metadata["server_version"] = "\(serverVersion)" }
            logger.info("warehouse is reachable", metadata: metadata)
        } else {
            logger.error("warehouse is unreachable", metadata: ["error": "\(reason.map { "\($0)" } ?? "unknown")"])
        }
    }
}

extension Logger {
    func with(_ key: String, _ value: String) -> Logger {
        var logger = self
        logger[metadataKey: key] = "\(value)"
        return logger
    }
}

