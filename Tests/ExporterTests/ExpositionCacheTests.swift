@testable import Exporter
import Foundation
import NIOCore
import QueryMetrics
import SQLText
import Synchronization
import TestSupport
import Testing

/// Concurrent scrapes share renderings of `/metrics`; a lone scraper still gets a page rendered
/// after it asked, and no scrape gets data older than the cache's bound.
@Suite("Scrapes sharing renderings")
struct ExpositionCacheTests {
    static let gzip = ExpositionRepresentation(format: .text, gzip: true)

    /// The data the renderings read, and when each version of it was set.
    private final class Data: Sendable {
        let version = Atomic(0)
        let changes = Mutex<[(at: ContinuousClock.Instant, version: Int)]>([(.now, 0)])

        func change(to version: Int) {
            self.version.store(version, ordering: .relaxed)
            changes.withLock { $0.append((.now, version)) }
        }

        var current: ByteBuffer { ByteBuffer(string: "\(version.load(ordering: .relaxed))") }
    }

    /// A registry of about 60,000 sample lines: the scale at which 32 scrapers each rendering
    /// their own page queued behind each other.
    private static func largeCatalog() -> MetricCatalog {
        var policy = LabelPolicy()
        policy.maxValuesPerLabel = 5000
        policy.maxSeriesPerMetric = 200_000
        let metrics = MetricCatalog(labelPolicy: policy)
        for index in 0..<1500 {
            metrics.queries.observe(QueryRecord(
                warehouse: "w", database: "db", attribution: Attribution(context: QueryContext(app: "app\(index % 45)", user: "user\(index)")),
                queryType: "select", status: .success, durationSeconds: Double(index % 100) / 10, queueSeconds: 0.01))
        }
        return metrics
    }

    @Test func thirtyTwoConcurrentScrapesShareAFewRenderings() async throws {
        let registry = Self.largeCatalog().registry
        let cache = ExpositionCache { _ in
            .init(body: ByteBuffer(bytes: Gzip.compress(registry.render())!), gzipped: true)
        }
        let bodies = await withTaskGroup(of: ByteBuffer.self) { group in
            for _ in 0..<32 { group.addTask { await cache.rendering(Self.gzip).body } }
            return await group.reduce(into: []) { $0.append($1) }
        }
        #expect(bodies.count == 32)
        #expect(bodies.allSatisfy { $0 == bodies[0] })
        #expect(bodies[0].readableBytes > 100_000, "\(bodies[0].readableBytes) gzipped bytes")
        // All 32 arrive while the first rendering is under way and within its second: one
        // rendering; on a busy machine, one or two more if the first finished before the others
        // arrived and they came one at a time.
        #expect(cache.renders <= 3, "\(cache.renders) renderings for 32 scrapes")
    }

    @Test func aLoneScraperGetsAPageRenderedAfterItAsked() async {
        let data = Data()
        let cache = ExpositionCache { _ in .init(body: data.current, gzipped: false) }
        for step in 1...20 {
            data.change(to: step)
            let body = await cache.rendering(Self.gzip).body
            #expect(String(buffer: body) == "\(step)")
        }
        #expect(cache.renders == 20)
    }

    /// Eight scrapers, each asking again a millisecond after it is answered, while the data
    /// changes: a scrape that arrives `maxAge` after a change sees it, however the scrapes met.
    @Test func noScrapeGetsDataOlderThanTheBound() async {
        let data = Data()
        let maxAge = Duration.milliseconds(100)
        let cache = ExpositionCache(maxAge: maxAge) { _ in
            // A rendering takes time, so that scrapes meet.
            Thread.sleep(forTimeInterval: 0.005)
            return .init(body: data.current, gzipped: false)
        }
        let start = ContinuousClock.now
        let scrapes = await withTaskGroup(of: [(asked: ContinuousClock.Instant, version: Int)].self) { group in
            group.addTask {
                for next in 1...8 {
                    try? await Task.sleep(for: .milliseconds(60))
                    data.change(to: next)
                }
                return []
            }
            for _ in 0..<8 {
                group.addTask {
                    var seen: [(asked: ContinuousClock.Instant, version: Int)] = []
                    // At least 30 each, however late a busy machine lets the task start.
                    while seen.count < 30 || start.duration(to: .now) < .milliseconds(600) {
                        let asked = ContinuousClock.now
                        let body = await cache.rendering(Self.gzip).body
                        seen.append((asked, Int(String(buffer: body))!))
                        // As scrapers do between requests; it also lets the data change on time.
                        try? await Task.sleep(for: .milliseconds(1))
                    }
                    return seen
                }
            }
            return await group.reduce(into: []) { $0 += $1 }
        }
        let changed = data.changes.withLock { $0 }
        for scrape in scrapes {
            // The newest version set at least maxAge before the scrape asked.
            let due = changed.last { $0.at.duration(to: scrape.asked) >= maxAge }?.version ?? 0
            #expect(scrape.version >= due, "asked \(start.duration(to: scrape.asked)) after the start, got version \(scrape.version), \(due) was due")
        }
        #expect(cache.renders < scrapes.count / 2, "\(cache.renders) renderings for \(scrapes.count) scrapes")
    }

    /// The same over HTTP, with curl's 32 parallel transfers and the exporter's own rendering.
    @Test func thirtyTwoScrapersOverHTTPCostAFewRenderings() async throws {
        let running = try await RunningExporter.start(ExporterConfig(warehouses: []))
        for index in 0..<1500 {
            running.exporter.metrics.queries.observe(QueryRecord(
                warehouse: "w", database: "db", attribution: Attribution(context: QueryContext(app: "app\(index % 45)", user: "user\(index)")),
                queryType: "select", status: .success, durationSeconds: Double(index % 100) / 10))
        }
        let url = "http://127.0.0.1:\(running.port)/metrics"
        let before = running.exporter.expositions.renders
        let transfers = try await Subprocess.run(
            ["curl", "-sS", "--max-time", "30", "--no-progress-meter", "--compressed", "--parallel", "--parallel-immediate", "--parallel-max", "32", "-w", "%{http_code}\n"]
                + (0..<32).flatMap { _ in ["-o", "/dev/null", url] })
        #expect(transfers.status == 0, "\(transfers.output)")
        #expect(transfers.output.split(separator: "\n").filter { $0 == "200" }.count == 32, "\(transfers.output)")
        let renders = running.exporter.expositions.renders - before
        #expect(renders <= 4, "\(renders) renderings for 32 scrapes")
        // Every one of them was counted, though most shared a page; a lone scrape sees it once
        // their shared page is past its bound.
        try await Task.sleep(for: running.exporter.expositions.maxAge + .milliseconds(100))
        let counted = try #require(try await running.metrics().value("promhttp_metric_handler_requests_total", ["code": "200"]))
        #expect(counted == 32)
        try await running.stop()
    }
}
