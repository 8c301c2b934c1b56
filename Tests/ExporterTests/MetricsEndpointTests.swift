import Exporter
import Foundation
import QueryMetrics
import SQLText
import TestSupport
import Testing

@Suite("/metrics over HTTP: content type, format and gzip")
struct MetricsEndpointTests {
    @Test func gzipWhenTheScraperAcceptsIt() async throws {
        let running = try await RunningExporter.start(ExporterConfig(warehouses: []))
        for index in 0..<300 {
            running.exporter.metrics.queries.observe(QueryRecord(
                warehouse: "w", database: "db", attribution: Attribution(context: QueryContext(app: "app\(index % 7)", user: "user\(index)")),
                queryType: "select", status: .success, durationSeconds: Double(index) / 10))
        }
        let url = "http://127.0.0.1:\(running.port)/metrics"
        let plain = try await Subprocess.run(["curl", "-sS", "--max-time", "30", "-H", "Accept-Encoding: identity", url])
        #expect(plain.status == 0)
        #expect(plain.output.contains("warehouse_query_duration_seconds_bucket"))

        let headers = try await Subprocess.run(["curl", "-sS", "--max-time", "30", "-D", "-", "-o", "/dev/null", "-H", "Accept-Encoding: gzip", url])
        #expect(headers.output.lowercased().contains("content-encoding: gzip"), "\(headers.output)")
        #expect(headers.output.lowercased().contains("content-type: text/plain; version=0.0.4; charset=utf-8"))
        let unzipped = try await Subprocess.run(["sh", "-c", "curl -sS --max-time 30 -H 'Accept-Encoding: gzip' '\(url)' | gunzip"])
        #expect(unzipped.status == 0)
        #expect(Self.withoutSelfObservation(unzipped.output) == Self.withoutSelfObservation(plain.output))
        let size = try await Subprocess.run(["sh", "-c", "curl -sS --max-time 30 -H 'Accept-Encoding: gzip' '\(url)' | wc -c"])
        let compressed = try #require(Int(size.output.trimmingCharacters(in: .whitespacesAndNewlines)))
        #expect(compressed * 5 < plain.output.utf8.count, "gzip \(compressed) bytes of \(plain.output.utf8.count)")

        // q=0 refuses gzip.
        let refused = try await Subprocess.run(["curl", "-sS", "--max-time", "30", "-D", "-", "-o", "/dev/null", "-H", "Accept-Encoding: gzip;q=0", url])
        #expect(!refused.output.lowercased().contains("content-encoding"))
        try await running.stop()
    }

    /// Prometheus asks for OpenMetrics first; curl and older scrapers get the text format.
    @Test func openMetricsWhenTheScraperPrefersIt() async throws {
        let running = try await RunningExporter.start(ExporterConfig(warehouses: []))
        var record = QueryRecord(
            warehouse: "w", database: "db", attribution: Attribution(context: QueryContext(app: "etl")), queryType: "select", status: .success,
            durationSeconds: 2)
        record.queryID = "1234"
        running.exporter.metrics.queries.observe(record)
        let url = "http://127.0.0.1:\(running.port)/metrics"
        let prometheus = "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1"
        let open = try await Subprocess.run(["curl", "-sS", "--max-time", "30", "-D", "/dev/stderr", "-H", "Accept: \(prometheus)", url])
        #expect(open.output.lowercased().contains("content-type: application/openmetrics-text; version=1.0.0; charset=utf-8"), "\(open.output.prefix(400))")
        #expect(open.output.lowercased().contains("vary: accept, accept-encoding"))
        #expect(open.output.hasSuffix("# EOF\n"))
        #expect(open.output.contains(#"le="2.5"} 1 # {query_id="1234"} 2"#))
        let plain = try await Subprocess.run(["curl", "-sS", "--max-time", "30", "-D", "/dev/stderr", url])
        #expect(plain.output.lowercased().contains("content-type: text/plain; version=0.0.4; charset=utf-8"))
        #expect(!plain.output.contains("# EOF") && !plain.output.contains("query_id"))
        try await running.stop()
    }

    /// The exposition less the families that change from one scrape to the next by themselves:
    /// the process's figures, read at each rendering, and the scrapes' own counts and times.
    static func withoutSelfObservation(_ exposition: String) -> String {
        let volatile = ["process_", "promhttp_metric_handler_", "warehouse_exporter_scrape_duration_seconds"]
        return exposition.split(separator: "\n").filter { line in
            let name = line.hasPrefix("# ") ? line.split(separator: " ").dropFirst(2).first ?? "" : line
            return !volatile.contains { name.hasPrefix($0) }
        }.joined(separator: "\n")
    }
}
