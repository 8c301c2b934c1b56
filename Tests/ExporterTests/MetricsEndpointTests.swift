import Exporter
import Foundation
import QueryMetrics
import SQLText
import TestSupport
import Testing

@Suite("/metrics over HTTP: content type and gzip")
struct MetricsEndpointTests {
    @Test func gzipWhenTheScraperAcceptsIt() async throws {
        let running = try await RunningExporter.start(ExporterConfig(warehouses: []))
        for index in 0..<300 {
            running.exporter.metrics.queries.observe(QueryRecord(
                warehouse: "w", database: "db", attribution: Attribution(context: QueryContext(app: "app\(index % 7)", user: "user\(index)")),
                queryType: "select", status: .success, durationSeconds: Double(index) / 10))
        }
        let url = "http://127.0.0.1:\(running.port)/metrics"
        let plain = try await Subprocess.run(["curl", "-sS", "-H", "Accept-Encoding: identity", url])
        #expect(plain.status == 0)
        #expect(plain.output.contains("warehouse_query_duration_seconds_bucket"))

        let headers = try await Subprocess.run(["curl", "-sS", "-D", "-", "-o", "/dev/null", "-H", "Accept-Encoding: gzip", url])
        #expect(headers.output.lowercased().contains("content-encoding: gzip"), "\(headers.output)")
        #expect(headers.output.lowercased().contains("content-type: text/plain; version=0.0.4; charset=utf-8"))
        let unzipped = try await Subprocess.run(["sh", "-c", "curl -sS -H 'Accept-Encoding: gzip' '\(url)' | gunzip"])
        #expect(unzipped.status == 0)
        #expect(unzipped.output == plain.output)
        let size = try await Subprocess.run(["sh", "-c", "curl -sS -H 'Accept-Encoding: gzip' '\(url)' | wc -c"])
        let compressed = try #require(Int(size.output.trimmingCharacters(in: .whitespacesAndNewlines)))
        #expect(compressed * 5 < plain.output.utf8.count, "gzip \(compressed) bytes of \(plain.output.utf8.count)")

        // q=0 refuses gzip.
        let refused = try await Subprocess.run(["curl", "-sS", "-D", "-", "-o", "/dev/null", "-H", "Accept-Encoding: gzip;q=0", url])
        #expect(!refused.output.lowercased().contains("content-encoding"))
        try await running.stop()
    }
}
