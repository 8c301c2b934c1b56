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
        try await fixture.insertLoad(queryID: 1, table: "raw.events", end: "2026-11-21 09:00:00.000000", rows: 5, bytes: 50, errors: 0)
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
        try await fixture.insertLoad(queryID: 10, table: "raw.events", end: "2026-11-21 10:00:00.000000", rows: 1_000_000, bytes: 64_000_000, errors: 3)
        try await fixture.insertLoad(queryID: 11, table: "raw.events", end: "2026-11-21 10:00:00.000000", rows: 500, bytes: 4_000, errors: 0)
        try await fixture.insertLoad(queryID: 12, table: "raw.events", end: "2026-11-21 10:01:00.000000", rows: 0, bytes: 0, errors: 7, status: "aborted")
        try await first.collect(context)
        try await first.collect(context)

        let exposition = Exposition(recorder)
        let text = exposition.text
        let airflow = ["warehouse": "rs", "schema": "raw", "table": "events", "app": "airflow", "user": "etl", "dag": "ingest", "task": "copy_events"]
        #expect(exposition.value("warehouse_table_loaded_rows_total", airflow) == 1_000_000, "\(text)")
        #expect(exposition.value("warehouse_table_loaded_bytes_total", airflow) == 64_000_000)
        #expect(exposition.value("warehouse_table_load_errors_total", airflow) == 3)
        // Loads whose statement is not in the history: app unknown, the user from pg_user.
        let unknown = ["warehouse": "rs", "schema": "raw", "table": "events", "app": "unknown", "user": "etl"]
        #expect(exposition.value("warehouse_table_loaded_rows_total", unknown) == 500)
        #expect(exposition.value("warehouse_table_load_errors_total", unknown) == 7)
        #expect(try Promtool.checkMetrics(text).exitCode == 0)

        // A restart from the state file counts nothing twice.
        let restarted = QueryRecorder()
        try await collector(restarted).collect(context)
        var after: [UInt8] = []
        restarted.emit(into: &after)
        #expect(!String(decoding: after, as: UTF8.self).contains("warehouse_table_loaded_rows_total"))
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
        try await fixture.insertSTLLoad(queryID: 10, end: "2026-11-21 10:00:00", rows: 1_000_001, errors: 3)
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
        #expect(!text.contains("warehouse_table_loaded_bytes_total"))
        #expect(exposition.value("warehouse_table_loaded_rows_total", unknown) == 0)
    }
}
