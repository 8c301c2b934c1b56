import Collectors
@testable import Exporter
import Foundation
import Logging
import QueryMetrics
import Synchronization
import TestSupport
import Testing

/// The runner's scheduling and isolation, with collector doubles on a real PostgreSQL connection:
/// each collector runs on its own interval and connection, so one that fails or never returns
/// delays and fails nobody else.
@Suite struct WarehouseRunnerTests {
    /// A collector that counts its runs and does what it is told on each.
    final class CollectorDouble: Collector {
        enum Behaviour: Sendable { case succeed, fail, failThenSucceed(times: Int), hang }

        let name: String
        let behaviour: Behaviour
        private let count = Mutex(0)

        init(_ name: String, _ behaviour: Behaviour) {
            self.name = name
            self.behaviour = behaviour
        }

        var runs: Int { count.withLock { $0 } }
        var lagSeconds: Double? { 2.5 }

        func collect(_ context: CollectionContext) async throws {
            let run = count.withLock { count in
                count += 1
                return count
            }
            _ = try await context.query("SELECT 1")
            switch behaviour {
            case .succeed: return
            case .fail: throw DoubleError(run: run)
            case .failThenSucceed(let times): if run <= times { throw DoubleError(run: run) }
            case .hang: try await Task.sleep(for: .seconds(3600))
            }
        }
    }

    struct DoubleError: Error, CustomStringConvertible {
        let run: Int
        var description: String { "run \(run) failed on purpose" }
    }

    /// Runs `collectors` until `done` holds (or 120 s pass, which fails the test and says where each
    /// collector got to), then stops.
    private func run(_ collectors: [CollectorDouble], until done: @escaping @Sendable () -> Bool) async throws -> (MetricCatalog, StatusBoard) {
        let postgres = try TestPostgres.shared()
        var config = ExporterConfig.Warehouse(name: "w", kind: .postgres, dsn: postgres.dsn())
        config.collectors = collectors.map(\.name)
        for collector in collectors { config.intervals[collector.name] = .milliseconds(20) }
        let metrics = MetricCatalog()
        let status = StatusBoard(expected: ([CollectorCatalog.health] + config.collectors).map { .init(warehouse: "w", collector: $0) })
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        let runner = WarehouseRunner(config: config, collectors: collectors, metrics: metrics, status: status, logger: logger)
        let task = Task { await runner.run() }
        // A generous deadline: on a machine busy with the rest of the suite, connections can take
        // seconds, and one refused sends its session into a back-off of seconds more.
        let deadline = ContinuousClock.now + .seconds(120)
        while !done(), ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
        task.cancel()
        await task.value
        let progress = collectors.map { collector in
            let entry = status.entry(warehouse: "w", collector: collector.name)
            return "\(collector.name): \(collector.runs) runs started, \(entry?.runs ?? 0) recorded, last error \(entry?.lastError ?? "none")"
        }
        let health = status.entry(warehouse: "w", collector: CollectorCatalog.health)
        #expect(done(), "the runner did not get there within 120 s: \(progress); health check: \(health?.lastError ?? "no error")")
        return (metrics, status)
    }

    @Test func aFailingOrHangingCollectorDelaysAndFailsNoOther() async throws {
        let healthy = CollectorDouble("healthy", .succeed)
        let failing = CollectorDouble("failing", .fail)
        let hanging = CollectorDouble("hanging", .hang)
        // A collector's runs follow one another: once one has started, the one before is recorded.
        // The hanging one may connect last, so the runner waits for its run to have begun too.
        let (metrics, status) = try await run([healthy, failing, hanging]) { healthy.runs >= 5 && failing.runs >= 3 && hanging.runs >= 1 }

        #expect(hanging.runs == 1)  // still in its first run: its interval never came round again
        #expect(metrics.collectorSuccess.value(["w", "healthy"]) == 1)
        #expect(metrics.collectorSuccess.value(["w", "failing"]) == 0)
        #expect(metrics.collectorSuccess.value(["w", "hanging"]) == nil)
        #expect(metrics.collectorLag.value(["w", "healthy"]) == 2.5)
        #expect(metrics.collectorLag.value(["w", "failing"]) == nil)  // no lag from a failed run
        // What a collector reported has an age: when its last success ended; none for one that
        // never succeeded.
        let lastSuccess = try #require(metrics.collectorLastSuccess.value(["w", "healthy"]))
        #expect(abs(lastSuccess - Date().timeIntervalSince1970) < 60)
        #expect(metrics.collectorLastSuccess.value(["w", "failing"]) == nil)
        #expect(status.entry(warehouse: "w", collector: "failing")?.lastError?.contains("failed on purpose") == true)
        #expect(status.entry(warehouse: "w", collector: "healthy")?.lastError == nil)
        #expect(metrics.up.value(["w"]) == 1, "\(status.entry(warehouse: "w", collector: CollectorCatalog.health)?.lastError ?? "")")
    }

    @Test func aCollectorThatRecoversReportsSuccessAgain() async throws {
        let flaky = CollectorDouble("flaky", .failThenSucceed(times: 2))
        // A collector's runs follow one another: once the fifth has started, the fourth is recorded.
        let before = Date().timeIntervalSince1970
        let (metrics, status) = try await run([flaky]) { flaky.runs >= 5 }
        #expect(metrics.collectorSuccess.value(["w", "flaky"]) == 1)
        #expect(try #require(metrics.collectorLastSuccess.value(["w", "flaky"])) >= before)
        let entry = try #require(status.entry(warehouse: "w", collector: "flaky"))
        #expect(entry.runs >= 4)
        #expect(entry.lastSuccess != nil)
        #expect(entry.lastError == nil)
        #expect(entry.lastErrorAt != nil)  // it did fail, and the status page said so until it recovered
    }
}
