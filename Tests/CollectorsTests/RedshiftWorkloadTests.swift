import Collectors
import Foundation
import Logging
import QueryMetrics
import SQLText
import TestSupport
import Testing
import WarehouseClient

/// The Redshift collectors over two days of fixtures/redshift/workload.sql, against the
/// workload's own ground truth read from the fixture with SQL.
@Suite("Redshift collectors over the generated workload")
struct RedshiftWorkloadTests {
    /// Sums the samples of `metric` (an exact name: `…_count`, `…_total`) by the value of `label`.
    static func sums(_ text: String, _ metric: String, by label: String) -> [String: Double] {
        var sums: [String: Double] = [:]
        for line in text.split(separator: "\n") where line.hasPrefix(metric + "{") {
            let value = Double(line.split(separator: " ").last!) ?? .nan
            let key = line.firstRange(of: "\(label)=\"").map { range in
                String(line[range.upperBound...].prefix { $0 != "\"" })
            } ?? ""
            sums[key, default: 0] += value
        }
        return sums
    }

    @Test func everyQueryLoadAndWrittenRowOfTwoDaysCountedOnceByApp() async throws {
        let postgres = try TestPostgres.shared()
        let fixture = try await RedshiftFixture(postgres: postgres, database: try await postgres.createDatabase(prefix: "rswork"))
        let workload = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../../fixtures/redshift/workload.sql").standardized.path
        try postgres.psql(file: workload, database: fixture.database, variables: ["queries": "2000", "days": "2", "first_id": "1000"])

        let connection = try await Connection.connect(ConnectionSettings(dsn: fixture.dsn))
        defer { connection.close() }
        let context = CollectionContext(connection: connection, warehouse: "rs", queryTimeout: .seconds(30), logger: Logger(label: "test"))
        let state = try StateStore(path: postgres.directory + "/workload-state-\(UUID().uuidString.prefix(8)).json")
        let metrics = MetricCatalog()
        // The look-back reaches past the first query: the whole workload is new.
        let window = HistoryWindow(lookback: .seconds(3 * 86400), pageSize: 500)
        let options = RedshiftQueryHistoryCollector.Options(window: window, tablesFromText: false)
        let collectors: [any Collector] = [
            RedshiftQueryHistoryCollector(options: options, warehouse: "rs", recorder: metrics.queries, rules: AnnotationRules(), state: state),
            RedshiftTableActivityCollector(window: window, warehouse: "rs", metrics: metrics, rules: AnnotationRules(), state: state),
            RedshiftLoadsCollector(window: window, warehouse: "rs", recorder: metrics.queries, rules: AnnotationRules(), state: state),
        ]
        for collector in collectors { try await collector.collect(context) }
        for collector in collectors { try await collector.collect(context) }  // nothing new
        var buffer: [UInt8] = []
        metrics.queries.emit(into: &buffer)
        let text = String(decoding: buffer, as: UTF8.self)

        func truth(_ sql: String) async throws -> Double {
            try await connection.query(sql).rows[0].double("value")
        }
        let kind = "(query_id - 1000) % 20"
        let counts = Self.sums(text, "warehouse_query_duration_seconds_count", by: "app")
        let expected: [String: String] = [
            "airflow": "\(kind) <= 7 OR \(kind) = 17", "dbt": "\(kind) BETWEEN 8 AND 10", "looker": "\(kind) BETWEEN 11 AND 12",
            "metabase": "\(kind) BETWEEN 13 AND 14", "redash": "\(kind) = 15", "mode": "\(kind) = 16", "unknown": "\(kind) = 18",
            "finance_report": "\(kind) = 19",
        ]
        for (app, condition) in expected {
            let count = try await truth("SELECT count(*)::float8 AS value FROM sys_query_history WHERE \(condition)")
            #expect(counts[app] == count, "\(app): \(counts)")
        }
        #expect(counts.values.reduce(0, +) == 2000)
        let seconds = Self.sums(text, "warehouse_query_duration_seconds_sum", by: "warehouse")["rs"] ?? 0
        #expect(abs(seconds - (try await truth("SELECT sum(elapsed_time)::float8 / 1e6 AS value FROM sys_query_history"))) < 1e-6)
        let failed = Self.sums(text, "warehouse_query_duration_seconds_count", by: "status")["failed"]
        #expect(failed == (try await truth("SELECT count(*)::float8 AS value FROM sys_query_history WHERE status = 'failed'")))

        // Rows written: the insert steps of the successful queries, every one attributed.
        let written = Self.sums(text, "warehouse_table_rows_written_total", by: "warehouse")["rs"]
        #expect(written == (try await truth(
            "SELECT sum(d.output_rows)::float8 AS value FROM sys_query_detail d JOIN sys_query_history q USING (query_id) "
                + "WHERE d.step_name = 'insert' AND q.status = 'success'")))
        // Once per writing query: table_activity's count, with query_history's text-derived tables off.
        let writes = Self.sums(text, "warehouse_table_writes_total", by: "warehouse")["rs"]
        #expect(writes == (try await truth(
            "SELECT count(DISTINCT d.query_id)::float8 AS value FROM sys_query_detail d JOIN sys_query_history q USING (query_id) "
                + "WHERE d.step_name = 'insert' AND q.status = 'success'")))
        // Rows and bytes read and written: every query's scans of named tables (their input) and
        // inserts (their output), failed and cancelled queries too.
        let scans = "d.step_name = 'scan' AND d.table_id IN (SELECT table_id FROM svv_table_info)"
        for (metric, truthSQL) in [
            ("warehouse_query_read_rows_total", "SELECT sum(d.input_rows)::float8 AS value FROM sys_query_detail d WHERE \(scans)"),
            ("warehouse_query_read_bytes_total",
             "SELECT sum(greatest(d.input_bytes, d.output_bytes))::float8 AS value FROM sys_query_detail d WHERE \(scans)"),
            ("warehouse_query_spilled_bytes_total",
             "SELECT sum(spilled_block_local_disk + spilled_block_remote_disk)::float8 * 1048576 AS value FROM sys_query_detail"),
            ("warehouse_query_written_rows_total", "SELECT sum(output_rows)::float8 AS value FROM sys_query_detail WHERE step_name = 'insert'"),
            ("warehouse_query_written_bytes_total", "SELECT sum(output_bytes)::float8 AS value FROM sys_query_detail WHERE step_name = 'insert'"),
        ] {
            #expect(Self.sums(text, metric, by: "warehouse")["rs"] == (try await truth(truthSQL)), "\(metric)")
        }
        #expect(try await truth("SELECT count(DISTINCT status)::float8 AS value FROM sys_query_history") >= 3)
        let loaded = Self.sums(text, "warehouse_table_loaded_rows_total", by: "app")
        #expect(loaded["airflow"] == (try await truth("SELECT sum(loaded_rows)::float8 AS value FROM sys_load_history")), "\(loaded)")
        #expect(try await Promtool.checkMetrics(text).exitCode == 0)
    }
}
