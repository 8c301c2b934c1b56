import Exporter
import Foundation
import Logging
import ServiceLifecycle
import Synchronization
import TestSupport

/// An exporter running in this process on a free loopback port, with real HTTP in front of it.
final class RunningExporter: Sendable {
    let exporter: Exporter
    let port: Int
    private let group: ServiceGroup
    private let task: Task<Void, any Error>

    static func start(
        _ config: ExporterConfig, web: WebConfig = WebConfig(), webConfigFile: String = "", logger: Logger = Logger(label: "test")
    ) async throws -> RunningExporter {
        let exporter = try Exporter(config: config, logger: logger)
        let bound = Mutex<Int?>(nil)
        let app = try exporter.application(address: ListenAddress(host: "127.0.0.1", port: 0), web: web, webConfigFile: webConfigFile) { port in
            bound.withLock { $0 = port }
        }
        let group = ServiceGroup(configuration: .init(services: [app], logger: logger))
        let task = Task { try await group.run() }
        for _ in 0..<200 {
            if let port = bound.withLock({ $0 }) {
                return RunningExporter(exporter: exporter, port: port, group: group, task: task)
            }
            try await Task.sleep(for: .milliseconds(25))
        }
        throw TestSupportError("the exporter did not start listening")
    }

    private init(exporter: Exporter, port: Int, group: ServiceGroup, task: Task<Void, any Error>) {
        self.exporter = exporter
        self.port = port
        self.group = group
        self.task = task
    }

    func get(_ path: String) async throws -> HTTPGet {
        try await HTTPGet.fetch("http://127.0.0.1:\(port)\(path)")
    }

    func metrics() async throws -> HTTPGet {
        try await get("/metrics")
    }

    /// Waits until every collector has run once (`/-/ready` answers 200): a log reader's first run
    /// starts at the end of the log, so a statement run before it is, rightly, not counted.
    func waitUntilReady(timeout: Duration = .seconds(15)) async throws {
        let deadline = ContinuousClock.now + timeout
        while try await get("/-/ready").status != 200 {
            guard ContinuousClock.now < deadline else { throw TestSupportError("the exporter was not ready after \(timeout)") }
            try await Task.sleep(for: .milliseconds(50))
        }
    }

    /// Polls /metrics until the sample `name` with exactly `labels` has `value`, for at most
    /// `timeout`; returns the last value seen.
    @discardableResult
    func waitFor(_ name: String, _ labels: [String: String], toBe value: Double, timeout: Duration = .seconds(15)) async throws -> Double? {
        let deadline = ContinuousClock.now + timeout
        var seen: Double?
        repeat {
            seen = try await metrics().value(name, labels)
            if seen == value { return seen }
            try await Task.sleep(for: .milliseconds(100))
        } while ContinuousClock.now < deadline
        return seen
    }

    func stop() async throws {
        await group.triggerGracefulShutdown()
        try await task.value
    }
}
