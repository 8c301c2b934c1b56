import Collectors
import Logging
import QueryMetrics
import SQLText
import TestSupport
import Testing
import WarehouseClient

@Suite("PostgreSQL statements collector (pg_stat_statements)")
struct PostgresStatementsCollectorTests {
    @Test func countsEachStatementsIncreaseByContext() async throws {
        let postgres = try TestPostgres.start(settings: ["shared_preload_libraries": "'pg_stat_statements'"])
        defer { try? postgres.stop() }
        let database = try await postgres.createDatabase(prefix: "stmts")
        try await postgres.execute("CREATE EXTENSION pg_stat_statements", "CREATE TABLE t (id int)", database: database)
        let recorder = QueryRecorder()
        let collector = PostgresStatementsCollector(recorder: recorder, rules: AnnotationRules())
        let monitor = try await Connection.connect(ConnectionSettings(dsn: postgres.dsn(database: database)))
        defer { monitor.close() }
        let context = CollectionContext(connection: monitor, warehouse: "w", queryTimeout: .seconds(5), logger: Logger(label: "test"))
        try await collector.collect(context)  // the baseline

        let worker = try await Connection.connect(ConnectionSettings(dsn: postgres.dsn(database: database) + " application_name=worker"))
        defer { worker.close() }
        for _ in 0..<3 {
            _ = try await worker.query(#"/* {"app":"airflow","dag":"d","task":"load"} */ INSERT INTO t SELECT generate_series(1, 10)"#)
        }
        try await collector.collect(context)
        try await collector.collect(context)  // nothing new: nothing added

        let exposition = Exposition(recorder)
        let text = exposition.text
        let labels = ["warehouse": "w", "database": database, "app": "airflow", "user": "postgres", "dag": "d", "task": "load"]
        /// The first sample `name` with these labels and a fingerprint, whichever it is.
        func value(_ name: String) -> Double? {
            exposition.samples(name).first { sample in
                var others = sample.labels
                return others.removeValue(forKey: "fingerprint") != nil && others == labels
            }?.value
        }
        #expect(value("warehouse_statement_calls_total") == 3, "\(text)")
        #expect(value("warehouse_statement_rows_total") == 30)
        #expect(try #require(value("warehouse_statement_execution_seconds_total")) > 0)
        // The same statement's fingerprint as the log would give it (the server stores $1 for literals).
        let fingerprint = SQLAnalyzer().analyze("INSERT INTO t SELECT generate_series(1, 10)").fingerprint
        #expect(text.contains(#"fingerprint="\#(fingerprint)""#))
        #expect(!text.contains(#"app="warehouse_exporter""#))
        #expect(try await Promtool.checkMetrics(text).exitCode == 0)
    }

    @Test func withoutTheExtensionTheFailureSaysWhatToDo() async throws {
        let postgres = try TestPostgres.shared()
        let database = try await postgres.createDatabase(prefix: "nostmts")
        let monitor = try await Connection.connect(ConnectionSettings(dsn: postgres.dsn(database: database)))
        defer { monitor.close() }
        let context = CollectionContext(connection: monitor, warehouse: "w", queryTimeout: .seconds(5), logger: Logger(label: "test"))
        let error = await #expect(throws: WarehouseError.self) {
            try await PostgresStatementsCollector(recorder: QueryRecorder(), rules: AnnotationRules()).collect(context)
        }
        #expect(error?.message.contains("shared_preload_libraries") == true, "\(String(describing: error))")
    }
}
