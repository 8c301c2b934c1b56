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
            RedshiftLoadsCollector(options: .init(pageSize: 2), warehouse: "rs", recorder: recorder, rules: AnnotationRules(), state: try StateStore(path: statePath))
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

        var buffer: [UInt8] = []
        recorder.emit(into: &buffer)
        let text = String(decoding: buffer, as: UTF8.self)
        func sample(_ series: String) -> Double? {
            text.split(separator: "\n").first { $0.hasPrefix(series + " ") }.flatMap { Double($0.split(separator: " ").last!) }
        }
        let airflow = #"{warehouse="rs",schema="raw",table="events",app="airflow",user="etl",dag="ingest",task="copy_events"}"#
        #expect(sample("warehouse_table_loaded_rows_total" + airflow) == 1_000_000, "\(text)")
        #expect(sample("warehouse_table_loaded_bytes_total" + airflow) == 64_000_000)
        #expect(sample("warehouse_table_load_errors_total" + airflow) == 3)
        // Loads whose statement is not in the history: app unknown, the user from pg_user.
        let unknown = #"{warehouse="rs",schema="raw",table="events",app="unknown",user="etl"}"#
        #expect(sample("warehouse_table_loaded_rows_total" + unknown) == 500)
        #expect(sample("warehouse_table_load_errors_total" + unknown) == 7)
        #expect(try Promtool.checkMetrics(text).exitCode == 0)

        // A restart from the state file counts nothing twice.
        let restarted = QueryRecorder()
        try await collector(restarted).collect(context)
        var after: [UInt8] = []
        restarted.emit(into: &after)
        #expect(!String(decoding: after, as: UTF8.self).contains("warehouse_table_loaded_rows_total"))
    }
}
