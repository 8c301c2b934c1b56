import Exporter
import Foundation
import QueryMetrics
import SQLText
import Testing

/// The landing page's table of unattributed statements, over real HTTP: per warehouse, heaviest
/// first, by shape, escaped.
@Suite("The landing page lists the unattributed statements")
struct LandingPageTests {
    static func warehouse(_ name: String, collectors: [String]) -> ExporterConfig.Warehouse {
        // Nothing listens on port 1: the warehouse is down, which the page shows beside the table.
        var warehouse = ExporterConfig.Warehouse(name: name, kind: .postgres, dsn: "postgresql://monitor@127.0.0.1:1/analytics")
        warehouse.collectors = collectors
        warehouse.queryLog.directory = FileManager.default.temporaryDirectory.path
        return warehouse
    }

    static func record(_ warehouse: String, app: String?, sql: String, seconds: Double) -> QueryRecord {
        let analysis = SQLAnalyzer().analyze(sql)
        let attribution = Attribution(context: analysis.context, fallbackApp: app)
        var record = QueryRecord(
            warehouse: warehouse, database: "analytics", attribution: attribution, queryType: analysis.queryType, status: .success,
            durationSeconds: seconds, fingerprint: analysis.fingerprint)
        // As the collectors do: the shape for unattributed queries only.
        if attribution.isUnattributed { record.shape = SQLAnalyzer().shape(of: sql, limit: UnattributedStatement.shapeLimit) }
        return record
    }

    @Test func listsEachWarehousesHeaviestUnattributedStatementsByShapeEscaped() async throws {
        let config = ExporterConfig(warehouses: [
            Self.warehouse("main", collectors: ["query_log"]), Self.warehouse("quiet", collectors: ["query_log"]),
            Self.warehouse("tables_only", collectors: ["tables"]),
        ])
        let running = try await RunningExporter.start(config)
        let queries = running.exporter.metrics.queries
        let hostile = #"SELECT "<script>alert('x')</script>" FROM t WHERE token = 'sk_live_&secret' AND n IN (1, 2, 3)"#
        for _ in 0..<3 { queries.observe(Self.record("main", app: nil, sql: hostile, seconds: 2)) }
        queries.observe(Self.record("main", app: "", sql: "SELECT count(*) FROM marts.orders WHERE day = '2026-12-01'", seconds: 10))
        queries.observe(Self.record("main", app: "psql", sql: "SELECT 1 FROM by_session", seconds: 100))
        queries.observe(Self.record("main", app: nil, sql: #"/* {"app":"airflow"} */ SELECT 1 FROM annotated"#, seconds: 100))
        queries.observe(Self.record("tables_only", app: nil, sql: "SELECT 2 FROM elsewhere", seconds: 1))

        let page = try await running.get("/")
        #expect(page.status == 200 && page.contentType?.hasPrefix("text/html") == true)
        let body = page.body
        let main = try #require(body.firstRange(of: "<h2>main "))
        let quiet = try #require(body.firstRange(of: "<h2>quiet "))
        let mainSection = String(body[main.lowerBound..<quiet.lowerBound])
        #expect(mainSection.contains("<h3>Unattributed statements (app=unknown), heaviest first</h3>"))
        #expect(mainSection.contains("<th>fingerprint</th><th>executions</th><th>seconds</th><th>last seen</th><th>statement</th>"))

        let orders = "<code>select count(*) from marts.orders where day = ?</code>"
        let escaped = "<code>select &quot;&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&quot; from t where token = ? and n in (?)</code>"
        let ordersAt = try #require(mainSection.firstRange(of: orders)?.lowerBound, "\(mainSection)")
        let hostileAt = try #require(mainSection.firstRange(of: escaped)?.lowerBound, "\(mainSection)")
        #expect(ordersAt < hostileAt, "10 s in one execution before 6 s in three")
        #expect(mainSection.contains("<td><code>\(SQLAnalyzer().analyze(hostile).fingerprint)</code></td><td>3</td><td>6.000</td>"))
        #expect(!body.contains("<script>") && !body.contains("sk_live") && !body.contains("2026-12-01"))
        #expect(!body.contains("by_session") && !body.contains("annotated"))

        // A warehouse whose queries are read but all attributed says so; one whose queries are not
        // read has no table, unless something was recorded for it.
        #expect(body.contains("<h2>quiet ") && body.contains("<p>None: every query observed in the last 1d1h had an app.</p>"))
        #expect(body.contains("select ? from elsewhere"))
        try await running.stop()
    }
}
