import Collectors
import Foundation
import Logging
import QueryMetrics
import SQLText
import TestSupport
import Testing
import WarehouseClient

@Suite("Redshift loads collector")
struct RedshiftLoadsCollectorTests {
    @Test func rowsBytesAndErrorsPerTableAndContextOnce() async throws {
        let postgres = try TestPostgres.shared()
        let fixture = try await RedshiftFixture(postgres: postgres, database: try await postgres.createDatabase(prefix: "rsloads"))
        try await fixture.insertLoad(queryID: 1, table: "events", end: "2026-11-21 09:00:00.000000", rows: 5, bytes: 50, errors: 0)
        let recorder = QueryRecorder()
        let statePath = postgres.directory + "/loads-state-\(UUID().uuidString.prefix(8)).json"
        let connection = try await Connection.connect(ConnectionSettings(dsn: fixture.dsn))
        defer { connection.close() }
        let context = CollectionContext(connection: connection, warehouse: "rs", queryTimeout: .seconds(10), logger: Logger(label: "test"))
        func collector(_ recorder: QueryRecorder) throws -> RedshiftLoadsCollector {
            RedshiftLoadsCollector(window: HistoryWindow(pageSize: 2), warehouse: "rs", recorder: recorder, rules: AnnotationRules(), state: try StateStore(path: statePath))
        }
        let first = try collector(recorder)
        try await first.collect(context)  // the history before the exporter

        let copy = #"/* {"app":"airflow","dag":"ingest","task":"copy_events"} */ COPY raw.events FROM 's3://bucket/events/' IAM_ROLE 'arn'"#
        var statement = RedshiftFixture.Query(id: 10, end: "2026-11-21 10:00:00.000000", elapsedMicroseconds: 1_000_000, text: copy)
        statement.type = "COPY"
        try await fixture.insert(statement)
        try await fixture.insertLoad(queryID: 10, table: "events", end: "2026-11-21 10:00:00.000000", rows: 1_000_000, bytes: 64_000_000, errors: 3)
        try await fixture.insertLoad(queryID: 11, table: "events", end: "2026-11-21 10:00:00.000000", rows: 500, bytes: 4_000, errors: 0)
        try await fixture.insertLoad(queryID: 12, table: "events", end: "2026-11-21 10:01:00.000000", rows: 0, bytes: 0, errors: 7, status: "aborted")
        try await first.collect(context)
        try await first.collect(context)

        let exposition = Exposition(recorder)
        let text = exposition.text
        let airflow = ["warehouse": "rs", "schema": "raw", "table": "events", "app": "airflow", "user": "etl", "dag": "ingest", "task": "copy_events"]
        #expect(exposition.value("warehouse_table_loaded_rows_total", airflow) == 1_000_000, "\(text)")
        #expect(exposition.value("warehouse_table_loaded_bytes_total", airflow) == 64_000_000)
        #expect(exposition.value("warehouse_table_load_errors_total", airflow) == 3)
        // Loads whose statement is not in the history: app unknown, the user from pg_user, and the
        // schema unknown, since SYS_LOAD_HISTORY names the table without one.
        let unknown = ["warehouse": "rs", "schema": "unknown", "table": "events", "app": "unknown", "user": "etl"]
        #expect(exposition.value("warehouse_table_loaded_rows_total", unknown) == 500)
        #expect(exposition.value("warehouse_table_load_errors_total", unknown) == 7)
        #expect(try await Promtool.checkMetrics(text).exitCode == 0)

        // A restart from the state file counts nothing twice.
        let restarted = QueryRecorder()
        try await collector(restarted).collect(context)
        var after: [UInt8] = []
        restarted.emit(into: &after)
        #expect(!String(decoding: after, as: UTF8.self).contains("warehouse_table_loaded_rows_total{"))
    }

    /// A cluster without SYS views: rows from STL_LOAD_COMMITS, errors from STL_LOAD_ERRORS, the
    /// table and context from the COPY's text in STL_QUERY.
    @Test func stlLoadsFromCommitsAndErrorsWithTheTableFromTheStatement() async throws {
        let postgres = try TestPostgres.shared()
        let fixture = try await RedshiftFixture(postgres: postgres, database: try await postgres.createDatabase(prefix: "rsstlloads"))
        try await fixture.use(.stl)
        _ = try await postgres.execute("DROP TABLE \(RedshiftFixture.schema).sys_load_history", database: fixture.database)
        try await fixture.insertSTLLoad(queryID: 1, end: "2026-11-21 09:00:00", rows: 5, errors: 0)
        let connection = try await Connection.connect(ConnectionSettings(dsn: fixture.dsn))
        defer { connection.close() }
        let context = CollectionContext(connection: connection, warehouse: "rs", queryTimeout: .seconds(10), logger: Logger(label: "test"))
        let statePath = postgres.directory + "/stl-loads-state-\(UUID().uuidString.prefix(8)).json"
        func collector() throws -> RedshiftLoadsCollector {
            RedshiftLoadsCollector(window: HistoryWindow(pageSize: 2), warehouse: "rs", recorder: recorder, rules: AnnotationRules(), state: try StateStore(path: statePath))
        }
        let recorder = QueryRecorder()
        try await collector().collect(context)  // the history before the exporter

        let copy = " COPY raw.events FROM 's3://bucket/events/' IAM_ROLE 'arn'"
        try await fixture.insertSTL(
            RedshiftFixture.Query(id: 10, end: "2026-11-21 10:00:00", elapsedMicroseconds: 1, text: #"/* {"app":"airflow","dag":"ingest","task":"copy_events"} */"# + copy, type: "COPY"),
            RedshiftFixture.Query(id: 11, end: "2026-11-21 10:00:00", elapsedMicroseconds: 1, text: copy, type: "COPY", label: "backfill"),
            RedshiftFixture.Query(id: 12, end: "2026-11-21 10:01:00", elapsedMicroseconds: 1, text: copy, type: "COPY", status: "canceled"))
        // 1,000,004 lines scanned, 3 rejected (MAXERROR), 1,000,001 rows inserted.
        try await fixture.insertSTLLoad(queryID: 10, end: "2026-11-21 10:00:00", rows: 1_000_001, errors: 3, linesScanned: 1_000_004, insertedInto: 7)
        try await fixture.insertSTLLoad(queryID: 11, end: "2026-11-21 10:00:00", rows: 500, errors: 0)
        try await fixture.insertSTLLoad(queryID: 12, end: "2026-11-21 10:01:00", rows: 0, errors: 7)  // failed outright
        let first = try collector()
        try await first.collect(context)
        try await first.collect(context)

        let exposition = Exposition(recorder)
        let text = exposition.text
        let airflow = ["warehouse": "rs", "schema": "raw", "table": "events", "app": "airflow", "user": "etl", "dag": "ingest", "task": "copy_events"]
        #expect(exposition.value("warehouse_table_loaded_rows_total", airflow) == 1_000_001, "\(text)")
        #expect(exposition.value("warehouse_table_load_errors_total", airflow) == 3)
        let unknown = ["warehouse": "rs", "schema": "raw", "table": "events", "app": "unknown", "user": "etl"]
        #expect(exposition.value("warehouse_table_loaded_rows_total", ["warehouse": "rs", "schema": "raw", "table": "events", "app": "backfill", "user": "etl"]) == 500)
        #expect(exposition.value("warehouse_table_load_errors_total", unknown) == 7)
        #expect(!text.contains("warehouse_table_loaded_bytes_total{"))
        #expect(exposition.value("warehouse_table_loaded_rows_total", unknown) == 0)
    }

    /// SYS_LOAD_HISTORY names a table without its schema: the COPY's target gives it, and loads of
    /// one name in two schemas stay two series.
    @Test func sameNamedTablesOfTwoSchemasStayApart() async throws {
        let postgres = try TestPostgres.shared()
        let fixture = try await RedshiftFixture(postgres: postgres, database: try await postgres.createDatabase(prefix: "rsnamed"))
        try await fixture.insertLoad(queryID: 1, table: "events", end: "2026-11-21 09:00:00.000000", rows: 5, bytes: 50, errors: 0)
        let connection = try await Connection.connect(ConnectionSettings(dsn: fixture.dsn))
        defer { connection.close() }
        let context = CollectionContext(connection: connection, warehouse: "rs", queryTimeout: .seconds(10), logger: Logger(label: "test"))
        let recorder = QueryRecorder()
        let collector = RedshiftLoadsCollector(
            window: HistoryWindow(pageSize: 2), warehouse: "rs", recorder: recorder, rules: AnnotationRules(),
            state: try StateStore(path: postgres.directory + "/named-\(UUID().uuidString.prefix(8)).json"))
        try await collector.collect(context)  // the history before the exporter

        try await fixture.insertSameNamedLoads(table: "events", schemas: ["raw", "staging"], firstQueryID: 20, end: "2026-11-21 10:00:00.000000", rows: 100)
        try await collector.collect(context)
        let exposition = Exposition(recorder)
        let name = "warehouse_table_loaded_rows_total"
        #expect(exposition.samples(name, including: ["schema": "raw", "table": "events"]).map(\.value) == [100], "\(exposition.text)")
        #expect(exposition.samples(name, including: ["schema": "staging", "table": "events"]).map(\.value) == [200])
        #expect(exposition.samples(name).count == 2)
    }

    /// Without SYS views and without insert steps, a load's rows are the lines it scanned less
    /// the lines it rejected.
    @Test func stlRowsAreScannedLinesLessRejectedOnesWithoutInsertSteps() async throws {
        let postgres = try TestPostgres.shared()
        let fixture = try await RedshiftFixture(postgres: postgres, database: try await postgres.createDatabase(prefix: "rsscanned"))
        try await fixture.use(.stl)
        _ = try await postgres.execute("DROP TABLE \(RedshiftFixture.schema).sys_load_history", database: fixture.database)
        try await fixture.insertSTLLoad(queryID: 1, end: "2026-11-21 09:00:00", rows: 5, errors: 0)
        let connection = try await Connection.connect(ConnectionSettings(dsn: fixture.dsn))
        defer { connection.close() }
        let context = CollectionContext(connection: connection, warehouse: "rs", queryTimeout: .seconds(10), logger: Logger(label: "test"))
        let recorder = QueryRecorder()
        let collector = RedshiftLoadsCollector(
            window: HistoryWindow(pageSize: 2), warehouse: "rs", recorder: recorder, rules: AnnotationRules(),
            state: try StateStore(path: postgres.directory + "/scanned-\(UUID().uuidString.prefix(8)).json"))
        try await collector.collect(context)  // the history before the exporter

        try await fixture.insertSTL(RedshiftFixture.Query(
            id: 10, end: "2026-11-21 10:00:00", elapsedMicroseconds: 1, text: "COPY raw.clicks FROM 's3://bucket/clicks/' IAM_ROLE 'arn' MAXERROR 50", type: "COPY"))
        try await fixture.insertSTLLoad(queryID: 10, end: "2026-11-21 10:00:00", rows: 100, errors: 10, linesScanned: 110)
        try await collector.collect(context)
        let exposition = Exposition(recorder)
        #expect(exposition.samples("warehouse_table_loaded_rows_total", including: ["schema": "raw", "table": "clicks"]).map(\.value) == [100], "\(exposition.text)")
        #expect(exposition.samples("warehouse_table_load_errors_total", including: ["schema": "raw", "table": "clicks"]).map(\.value) == [10])
    }
}
