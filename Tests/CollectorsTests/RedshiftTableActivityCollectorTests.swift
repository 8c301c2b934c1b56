import Collectors
import Foundation
import Logging
import QueryMetrics
import SQLText
import TestSupport
import Testing
import WarehouseClient

/// table_activity against the Redshift-shaped fixture, once with the SYS views and once on a
/// "cluster" that has only the STL tables.
@Suite("Redshift table_activity collector")
struct RedshiftTableActivityCollectorTests {
    static let airflow = #"/* {"app":"airflow","dag":"d","task":"t"} */ "#
    static let redash = #"/* {"app":"redash","user":"ana@corp.com","chart":"42"} */ "#

    static func query(
        _ id: Int64, _ end: String, _ type: String, _ text: String, status: String = "success", session: Int64? = nil, steps: [RedshiftFixture.Step]
    ) -> RedshiftFixture.Query {
        RedshiftFixture.Query(id: id, end: "2026-11-21 " + end, elapsedMicroseconds: 1_000_000, text: text, type: type, status: status, steps: steps, session: session)
    }

    /// A fresh fixture database with `views` and three tables: raw.events (1), marts.daily (2),
    /// marts.orders (3).
    static func fixture(_ views: RedshiftFixture.Views, prefix: String) async throws -> (TestPostgres, RedshiftFixture) {
        let postgres = try TestPostgres.shared()
        let fixture = try await RedshiftFixture(postgres: postgres, database: try await postgres.createDatabase(prefix: prefix))
        try await fixture.use(views)
        for (id, schema, table) in [(1, "raw", "events"), (2, "marts", "daily"), (3, "marts", "orders")] {
            try await fixture.insertTable(id: id, schema: schema, table: table, megabytes: 1, rows: 1, visibleRows: 1, unsorted: 0, statsOff: 0, skew: 1)
        }
        return (postgres, fixture)
    }

    @Test(arguments: RedshiftFixture.Views.allCases)
    func readsWritesAndRowsPerTableFromTheStepsOnceAcrossARestart(views: RedshiftFixture.Views) async throws {
        let (postgres, fixture) = try await Self.fixture(views, prefix: "rsact")
        try await fixture.store(Self.query(1, "09:00:00.000000", "INSERT", Self.airflow + "INSERT INTO marts.daily SELECT * FROM raw.events", steps: [
            .init("scan", table: 1, rows: 7), .init("insert", table: 2, rows: 7),
        ]), in: views)
        let connection = try await Connection.connect(ConnectionSettings(dsn: fixture.dsn))
        defer { connection.close() }
        let context = CollectionContext(connection: connection, warehouse: "rs", queryTimeout: .seconds(10), logger: Logger(label: "test"))
        let statePath = postgres.directory + "/activity-state-\(UUID().uuidString.prefix(8)).json"
        func collector(_ metrics: MetricCatalog) throws -> RedshiftTableActivityCollector {
            RedshiftTableActivityCollector(
                window: HistoryWindow(pageSize: 2), warehouse: "rs", metrics: metrics, rules: AnnotationRules(), state: try StateStore(path: statePath))
        }
        let metrics = MetricCatalog()
        let first = try collector(metrics)
        try await first.collect(context)  // the history before the exporter

        try await fixture.store(
            Self.query(10, "10:00:00.000000", "INSERT", Self.airflow + "INSERT INTO marts.daily SELECT * FROM raw.events", steps: [
                .init("scan", table: 1, rows: 1_000), .init("insert", table: 2, rows: 1_000),
            ]),
            // The incident: a Redash user's query puts 100 times the usual rows into the table.
            Self.query(11, "10:01:00.000000", "INSERT", Self.redash + "INSERT INTO marts.daily SELECT * FROM raw.events e, raw.events f", steps: [
                .init("scan", table: 1, rows: 1_000), .init("insert", table: 2, rows: 100_001), .init("scan", table: 99, rows: 5),
            ]),
            Self.query(12, "10:02:00.000000", "UPDATE", Self.airflow + "UPDATE marts.daily SET x = 1 WHERE y", steps: [
                .init("scan", table: 2, rows: 50), .init("delete", table: 2, rows: 50), .init("insert", table: 2, rows: 50),
            ]),
            Self.query(13, "10:03:00.000000", "DELETE", Self.airflow + "DELETE FROM marts.daily WHERE y", steps: [
                .init("scan", table: 2, rows: 10), .init("delete", table: 2, rows: 10),
            ]),
            Self.query(14, "10:04:00.000000", "INSERT", Self.airflow + "INSERT INTO marts.orders SELECT 1/0", status: "failed", steps: [
                .init("insert", table: 3, rows: 3),
            ]),
            Self.query(15, "10:05:00.000000", "SELECT", #"/* {"app":"looker","dashboard":"sales"} */ SELECT * FROM marts.daily JOIN marts.orders USING (id)"#, steps: [
                .init("scan", table: 2, rows: 100), .init("scan", table: 3, rows: 100),
            ]),
            Self.query(16, "10:06:00.000000", "SELECT", #"/* {"app":"warehouse_exporter"} */ SELECT * FROM marts.daily"#, session: connection.backendPID, steps: [
                .init("scan", table: 2, rows: 100),
            ]),
            in: views)
        try await first.collect(context)
        try await first.collect(context)

        let exposition = Exposition(metrics.queries)
        let text = exposition.text
        /// One label set from its parts.
        func labels(_ parts: [String: String]...) -> [String: String] {
            parts.reduce(into: [:]) { $0.merge($1) { _, new in new } }
        }
        let daily = ["warehouse": "rs", "schema": "marts", "table": "daily"]
        let events = ["warehouse": "rs", "schema": "raw", "table": "events"]
        let etl = ["app": "airflow", "user": "etl", "dag": "d", "task": "t"]
        let ana = ["app": "redash", "user": "ana@corp.com", "chart": "42"]
        let (reads, writes, rowsWritten) = ("warehouse_table_reads_total", "warehouse_table_writes_total", "warehouse_table_rows_written_total")
        #expect(exposition.value(reads, labels(events, ["app": "airflow", "dag": "d", "task": "t"])) == 1, "\(text)")
        #expect(exposition.value(reads, labels(events, ["app": "redash"])) == 1)
        #expect(exposition.value(reads, ["warehouse": "rs", "schema": "marts", "table": "daily", "app": "looker", "dashboard": "sales"]) == 1)
        #expect(exposition.value(reads, ["warehouse": "rs", "schema": "marts", "table": "orders", "app": "looker", "dashboard": "sales"]) == 1)
        // The UPDATE and DELETE scanned the table they wrote: written, not read.
        #expect(exposition.value(reads, labels(daily, ["app": "airflow", "dag": "d", "task": "t"])) == nil)
        #expect(exposition.value(writes, labels(daily, ["operation": "insert"], etl)) == 1)
        #expect(exposition.value(writes, labels(daily, ["operation": "insert"], ana)) == 1)
        #expect(exposition.value(writes, labels(daily, ["operation": "update"], etl)) == 1)
        #expect(exposition.value(writes, labels(daily, ["operation": "delete"], etl)) == 1)
        // Rows summed over segments (slices); an UPDATE's delete and insert counted once.
        #expect(exposition.value(rowsWritten, labels(daily, ["operation": "insert"], etl)) == 1_000)
        #expect(exposition.value(rowsWritten, labels(daily, ["operation": "insert"], ana)) == 100_001)
        #expect(exposition.value(rowsWritten, labels(daily, ["operation": "update"], etl)) == 50)
        #expect(exposition.value(rowsWritten, labels(daily, ["operation": "delete"], etl)) == 10)
        // The failed insert, the exporter's own query and the unnamed work table count nothing.
        #expect(!text.contains(#"table="orders",operation"#))
        #expect(!text.contains(#"app="warehouse_exporter""#))
        #expect(!text.contains(#"table="""#))
        #expect(try await Promtool.checkMetrics(text).exitCode == 0)

        let gauges = String(decoding: metrics.registry.render(), as: UTF8.self)
        let lastDelete = try #require(ISO8601DateFormatter().date(from: "2026-11-21T10:03:00Z")).timeIntervalSince1970
        let modified = Exposition(text: gauges).value(
            "warehouse_table_last_modified_timestamp_seconds", ["warehouse": "rs", "database": "dev", "schema": "marts", "table": "daily"])
        #expect(modified == lastDelete, "\(gauges)")

        // A restart from the state file counts only what is new.
        try await fixture.store(Self.query(17, "10:07:00.000000", "INSERT", Self.airflow + "INSERT INTO marts.daily SELECT * FROM raw.events", steps: [
            .init("scan", table: 1, rows: 5), .init("insert", table: 2, rows: 5),
        ]), in: views)
        let restarted = MetricCatalog()
        try await collector(restarted).collect(context)
        var after: [UInt8] = []
        restarted.queries.emit(into: &after)
        let afterText = String(decoding: after, as: UTF8.self)
        #expect(afterText.contains(#"warehouse_table_rows_written_total{warehouse="rs",schema="marts",table="daily",operation="insert",app="airflow",user="etl",dag="d",task="t"} 5"#), "\(afterText)")
        #expect(!afterText.contains("redash"))
    }
}

extension RedshiftTableActivityCollectorTests {
    /// A fresh ``fixture(_:prefix:)``, a connection to it, and a collector with no state file
    /// whose first poll is done: the history before the exporter counts nothing.
    static func collecting(
        _ views: RedshiftFixture.Views, prefix: String
    ) async throws -> (RedshiftFixture, Connection, CollectionContext, MetricCatalog, RedshiftTableActivityCollector) {
        let (_, fixture) = try await Self.fixture(views, prefix: prefix)
        let connection = try await Connection.connect(ConnectionSettings(dsn: fixture.dsn))
        let context = CollectionContext(connection: connection, warehouse: "rs", queryTimeout: .seconds(10), logger: Logger(label: "test"))
        let metrics = MetricCatalog()
        let collector = RedshiftTableActivityCollector(
            window: HistoryWindow(), warehouse: "rs", metrics: metrics, rules: AnnotationRules(), state: try StateStore(path: nil))
        try await collector.collect(context)
        return (fixture, connection, context, metrics, collector)
    }

    /// The resource families from the steps: a scan's input (not what its filter gave on) over the
    /// tables SVV_TABLE_INFO names, an insert's output, failed queries included, the exporter's
    /// own left out; the STL tables, which keep no bytes per insert, report only the spill.
    @Test(arguments: RedshiftFixture.Views.allCases)
    func rowsAndBytesReadAndWrittenComeFromTheStepsOfEveryQuery(views: RedshiftFixture.Views) async throws {
        let (fixture, connection, context, metrics, collector) = try await Self.collecting(views, prefix: "rsres")
        defer { connection.close() }

        try await fixture.store(
            Self.query(20, "10:00:00.000000", "INSERT", Self.airflow + "INSERT INTO marts.daily SELECT * FROM raw.events WHERE ok", steps: [
                .init("scan", table: 1, rows: 100, inputRows: 400, rowBytes: 50), .init("insert", table: 2, rows: 100, rowBytes: 80, spilledBlocks: 3),
            ]),
            // The scan of table 99, which SVV_TABLE_INFO does not name, is the query's own work table.
            Self.query(21, "10:01:00.000000", "SELECT", Self.redash + "SELECT * FROM marts.daily WHERE rare", steps: [
                .init("scan", table: 2, rows: 10, inputRows: 1_000), .init("scan", table: 99, rows: 5),
            ]),
            Self.query(22, "10:02:00.000000", "INSERT", Self.airflow + "INSERT INTO marts.orders SELECT 1/0 FROM raw.events", status: "failed", steps: [
                .init("scan", table: 1, rows: 30), .init("insert", table: 3, rows: 3),
            ]),
            Self.query(23, "10:03:00.000000", "SELECT", #"/* {"app":"warehouse_exporter"} */ SELECT * FROM marts.daily"#, session: connection.backendPID, steps: [
                .init("scan", table: 2, rows: 100),
            ]),
            in: views)
        try await collector.collect(context)

        let exposition = Exposition(metrics.queries)
        func value(_ name: String, _ app: String) -> Double? {
            let samples = exposition.samples(name, including: ["warehouse": "rs", "app": app])
            return samples.isEmpty ? nil : samples.reduce(0) { $0 + $1.value }
        }
        let families = ["warehouse_query_read_rows_total", "warehouse_query_read_bytes_total", "warehouse_query_written_rows_total",
                        "warehouse_query_written_bytes_total", "warehouse_query_spilled_bytes_total"]
        switch views {
        case .sys:
            // Airflow: the insert (400 rows of 50 bytes read, 100 of 80 written, 3 blocks of 1 MB
            // spilled) and the failed one (30 and 3 rows of 100).
            let airflow: [Double?] = [430, 20_000 + 3_000, 103, 8_000 + 300, 3 * 1_048_576]
            let redash: [Double?] = [1_000, 100_000, 0, 0, 0]
            #expect(families.map { value($0, "airflow") } == airflow, "\(exposition.text)")
            #expect(families.map { value($0, "redash") } == redash)
        case .stl:
            // No bytes per insert step: only the spill, from SVL_QUERY_METRICS_SUMMARY.
            #expect(families.dropLast().allSatisfy { exposition.samples($0).isEmpty }, "\(exposition.text)")
            #expect(value("warehouse_query_spilled_bytes_total", "airflow") == 3_145_728.0, "\(exposition.text)")
            #expect(value("warehouse_query_spilled_bytes_total", "redash") == 0)
        }
        #expect(families.allSatisfy { value($0, "warehouse_exporter") == nil })
        // Redshift keeps no peak memory per query: no empty histogram stands for one.
        #expect(exposition.samples("warehouse_query_peak_memory_bytes_count").isEmpty)
        // The failed insert still wrote no table edge.
        #expect(exposition.samples("warehouse_table_writes_total", including: ["table": "orders"]).isEmpty)
        #expect(try await Promtool.checkMetrics(exposition.text).exitCode == 0)
    }
}

extension RedshiftTableActivityCollectorTests {
    /// SYS_QUERY_DETAIL as the page's samples show it: scan steps with 0 `input_bytes` (the
    /// segment's row has the segment's input), and spilled blocks on segment rows (`step_id` -1),
    /// to local disk and to S3. A segment counts its own row or its steps, whichever says more,
    /// never both; the child query and stream rows, which repeat the totals, count nothing.
    @Test func scanBytesAndSpilledBlocksAsTheDocumentedSamplesRecordThem() async throws {
        let (fixture, connection, context, metrics, collector) = try await Self.collecting(.sys, prefix: "rsspill")
        defer { connection.close() }

        try await fixture.insert(Self.query(30, "10:00:00.000000", "SELECT", Self.redash + "SELECT count(*) FROM raw.events e JOIN marts.daily d USING (id)", steps: []))
        typealias Row = RedshiftFixture.DetailRow
        func row(_ level: String, stream: Int32, segment: Int32, step: Int32, _ name: String = "", table: Int? = nil, local: Int64 = 0, remote: Int64 = 0) -> Row {
            var row = Row(level: level, streamID: stream, segmentID: segment, stepID: step, stepName: name, tableID: table, outputRows: 0)
            (row.spilledLocal, row.spilledRemote) = (local, remote)
            return row
        }
        var scan = row("step", stream: 0, segment: 0, step: 0, "scan", table: 1)
        (scan.inputRows, scan.outputRows, scan.inputBytes, scan.outputBytes) = (292_196, 292_196, 0, 7_304_900)
        var segmentZero = row("segment", stream: 0, segment: 0, step: -1, local: 3, remote: 1)
        segmentZero.inputBytes = 16_384
        try await fixture.insertDetail(queryID: 30, [
            // The totals of the levels above the segment: never summed.
            row("child query", stream: -1, segment: -1, step: -1, local: 10, remote: 1),
            row("stream", stream: 0, segment: -1, step: -1, local: 10, remote: 1),
            // Segment 0: its row alone reports the spill (4 blocks).
            segmentZero, scan, row("step", stream: 0, segment: 0, step: 1, "hash"),
            // Segment 1: its row and its sort step both report the same 2 blocks.
            row("segment", stream: 0, segment: 1, step: -1, local: 2), row("step", stream: 0, segment: 1, step: 0, "sort", local: 2),
            // Segment 2: its steps alone report (2 + 3 blocks).
            row("segment", stream: 0, segment: 2, step: -1), row("step", stream: 0, segment: 2, step: 0, "aggregate", local: 2),
            row("step", stream: 0, segment: 2, step: 1, "window", remote: 3),
        ])
        // A query that spilled nothing and scanned with input bytes reported: its own figures.
        try await fixture.insert(Self.query(31, "10:01:00.000000", "SELECT", Self.redash + "SELECT * FROM marts.daily", steps: [
            .init("scan", table: 2, rows: 10, inputRows: 40, rowBytes: 10),
        ]))
        try await collector.collect(context)

        let exposition = Exposition(metrics.queries)
        let redash = ["warehouse": "rs", "app": "redash"]
        #expect(exposition.samples("warehouse_query_spilled_bytes_total", including: redash).map(\.value) == [11 * 1_048_576], "\(exposition.text)")
        #expect(exposition.samples("warehouse_query_read_bytes_total", including: redash).map(\.value) == [7_304_900 + 400])
        #expect(exposition.samples("warehouse_query_read_rows_total", including: redash).map(\.value) == [292_196 + 40])
        // In OpenMetrics, the spilled bytes' exemplar is the query that spilled, not the last one.
        var buffer: [UInt8] = []
        metrics.queries.emit(into: &buffer, format: .openMetrics)
        let open = String(decoding: buffer, as: UTF8.self)
        #expect(open.contains(#"app="redash",user="ana@corp.com"} 11534336 # {query_id="30"} 11534336 "#), "\(open)")
        #expect(try await Promtool.checkMetrics(exposition.text).exitCode == 0)
    }
}

@Suite("Redshift grants")
struct RedshiftGrantTests {
    /// A monitoring user without SELECT on SVV_TABLE_INFO: the two collectors that need it fail
    /// naming the grant; query_history goes on.
    @Test func aCollectorWithoutItsGrantNamesItAndTheOthersWork() async throws {
        let postgres = try TestPostgres.shared()
        let fixture = try await RedshiftFixture(postgres: postgres, database: try await postgres.createDatabase(prefix: "rsgrant"))
        let role = "monitor_\(UUID().uuidString.prefix(8).lowercased())"
        _ = try await postgres.execute(
            "CREATE ROLE \(role) LOGIN PASSWORD 'pw'",
            "GRANT USAGE ON SCHEMA \(RedshiftFixture.schema) TO \(role)",
            "GRANT SELECT ON ALL TABLES IN SCHEMA \(RedshiftFixture.schema) TO \(role)",
            "REVOKE SELECT ON \(RedshiftFixture.schema).svv_table_info FROM \(role)",
            database: fixture.database)
        let connection = try await Connection.connect(ConnectionSettings(dsn: fixture.dsn + " user=\(role) password=pw"))
        defer { connection.close() }
        let context = CollectionContext(connection: connection, warehouse: "rs", queryTimeout: .seconds(10), logger: Logger(label: "test"))
        let state = try StateStore(path: postgres.directory + "/grant-state-\(role).json")
        let metrics = MetricCatalog()
        try await fixture.insert(RedshiftFixture.Query(id: 1, end: "2026-11-21 10:00:00", elapsedMicroseconds: 1, text: "SELECT 1", steps: [.init("scan", table: 1, rows: 1)]))

        for collector: any Collector in [
            RedshiftTablesCollector(options: .init(), metrics: metrics),
            RedshiftTableActivityCollector(window: HistoryWindow(lookback: .seconds(3600)), warehouse: "rs", metrics: metrics, rules: AnnotationRules(), state: state),
        ] {
            let error = await #expect(throws: WarehouseError.self) { try await collector.collect(context) }
            #expect(error?.message.contains("GRANT SELECT ON svv_table_info TO <user>") == true, "\(String(describing: error))")
        }
        let history = RedshiftQueryHistoryCollector(
            options: .init(window: HistoryWindow(lookback: .seconds(3600))), warehouse: "rs", recorder: metrics.queries, rules: AnnotationRules(), state: state)
        try await history.collect(context)
        var buffer: [UInt8] = []
        metrics.queries.emit(into: &buffer)
        #expect(String(decoding: buffer, as: UTF8.self).contains(#"warehouse_query_duration_seconds_count{warehouse="rs",database="dev",app="unknown",user="etl",query_type="select",status="success"} 1"#))
    }
}
