import QueryMetrics
import SQLText
import TestSupport
import Testing

/// OpenMetrics, for scrapers that ask for it: the same samples as the text format, counter
/// families named without `_total`, canonical bucket bounds, `# EOF`, and exemplars that name the
/// query behind a bucket or a counter; checked by a strict parser and by promtool for the text.
@Suite struct OpenMetricsExpositionTests {
    static let trace = "4bf92f3577b34da6a3ce929d0e0e4736"

    /// A registry with the query families, the exporter's own gauges and counters, and two
    /// queries: one that names its execution and trace, one that names neither.
    static func metrics() -> MetricCatalog {
        let metrics = MetricCatalog()
        metrics.up.set(1, ["w"])
        metrics.stateFileWriteFailures.increment(by: 0, [])
        var named = QueryRecord(
            warehouse: "w", database: "dev", attribution: Attribution(context: QueryContext(app: "airflow", dag: "daily", task: "load")),
            queryType: "insert", status: .success, durationSeconds: 0.7, queueSeconds: 0.2, costDollars: 0.01, fingerprint: Fingerprint(7))
        named.queryID = "4242"
        named.traceID = trace
        named.endedAt = 1_764_748_800.25
        metrics.queries.observe(named)
        metrics.queries.observe(QueryRecord(
            warehouse: "w", database: "dev", attribution: Attribution(fallbackApp: "psql"), queryType: "select", status: .failed, durationSeconds: 42))
        return metrics
    }

    @Test func aStrictParserReadsItAndTheExemplarsNameTheQuery() async throws {
        let metrics = Self.metrics()
        let page = String(decoding: metrics.registry.render(.openMetrics), as: UTF8.self)
        #expect(try await OpenMetricsParser.problem(in: page) == nil, "\(page)")
        #expect(page.hasSuffix("\n# EOF\n"))
        #expect(page.contains("# TYPE warehouse_query_cost_dollars counter\n"))
        #expect(!page.contains("# TYPE warehouse_query_cost_dollars_total"))
        // 0.7 s is in the (0.5, 1] bucket, and only that bucket has the exemplar.
        let exemplar = #"# {query_id="4242",trace_id="\#(Self.trace)"}"#
        let bucket = page.split(separator: "\n").filter { $0.hasPrefix("warehouse_query_duration_seconds_bucket{") && $0.contains(#"app="airflow""#) }
        #expect(bucket.filter { $0.contains(exemplar) }.map(String.init) == [
            #"warehouse_query_duration_seconds_bucket{warehouse="w",database="dev",app="airflow",dag="daily",task="load",query_type="insert",status="success",le="1.0"} 1 "#
                + exemplar + " 0.7 1764748800.25",
        ])
        #expect(bucket.contains { $0.contains(#"le="0.5"} 0"#) } && bucket.contains { $0.contains(#"le="3600.0"} 1"#) })
        // The queue's and the counters' exemplars carry their own values.
        #expect(page.contains(#"warehouse_query_queue_seconds_bucket{warehouse="w",database="dev",app="airflow",dag="daily",task="load",query_type="insert",le="0.25"} 1 "# + exemplar + " 0.2 1764748800.25"))
        #expect(page.contains(#"warehouse_query_cost_dollars_total{warehouse="w",app="airflow",dag="daily",task="load"} 0.01 "# + exemplar + " 0.01 1764748800.25"))
        #expect(page.contains(#"warehouse_statement_duration_seconds_bucket{warehouse="w",app="airflow",dag="daily",task="load",fingerprint="0000000000000007",le="1.0"} 1 "# + exemplar))
        // A query that names nothing has no exemplar.
        #expect(page.split(separator: "\n").filter { $0.contains(#"app="psql""#) && $0.contains(" # {") }.isEmpty)
    }

    @Test func theTextFormatIsUnchanged() async throws {
        let metrics = Self.metrics()
        let text = String(decoding: metrics.registry.render(), as: UTF8.self)
        #expect(!text.contains(" # {") && !text.contains("# EOF") && text.contains(#"le="1"} 1"#))
        #expect(text.contains("# TYPE warehouse_query_cost_dollars_total counter"))
        #expect(try await Promtool.checkMetrics(text).exitCode == 0)
        // The same samples, but for the bounds' spelling.
        let open = String(decoding: metrics.registry.render(.openMetrics), as: UTF8.self)
        let samples = { (page: String) in
            page.split(separator: "\n").filter { !$0.hasPrefix("#") }.map { line in
                String(line.split(separator: " # {").first!).replacing(/le="([0-9.]+)\.0"/) { "le=\"\($0.1)\"" }
            }
        }
        #expect(samples(open) == samples(text))
    }

    /// What real scrapers send: Prometheus 2.42 without feature flags (OpenMetrics first), with
    /// native histograms (protobuf first), curl's `*/*`, and none.
    @Test(arguments: [
        ("application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1", ExpositionFormat.openMetrics),
        ("application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited;q=0.7,text/plain;version=0.0.4;q=0.3,*/*;q=0.2", .protobuf),
        ("application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=text", .text),
        ("text/plain;version=0.0.4;q=0.9,application/openmetrics-text;version=1.0.0;q=0.5", .text),
        ("*/*", .text), ("", .text), ("application/json", .text), ("application/openmetrics-text;q=0", .text),
    ])
    func theScrapersPreferenceDecides(_ accept: String, _ format: ExpositionFormat) {
        #expect(ExpositionFormat.preferred(by: accept) == format)
    }
}
