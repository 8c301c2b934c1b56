import Collectors
import Foundation
import Logging
import QueryMetrics
import SQLText
import TestSupport
import Testing
import WarehouseClient

/// The query_log collector against a real PostgreSQL that logs every statement, in each format.
@Suite("PostgreSQL query_log collector")
struct PostgresQueryLogCollectorTests {
    /// A cluster logging every statement's duration to `format` files in `data/log`.
    static func cluster(_ format: LogFormat) throws -> TestPostgres {
        var settings = [
            "logging_collector": "on", "log_destination": format.rawValue, "log_min_duration_statement": "0",
            "log_rotation_age": "0", "log_rotation_size": "0",
        ]
        // The prefix docs/postgres.md asks for with the plain format.
        if format == .stderr { settings["log_line_prefix"] = "'%m [%p] %q%u@%d [%a] %e '" }
        return try TestPostgres.start(settings: settings)
    }

    /// The collector and what it needs, as the exporter wires them.
    struct Harness {
        let postgres: TestPostgres
        let recorder = QueryRecorder()
        let collector: PostgresQueryLogCollector

        init(_ postgres: TestPostgres, format: LogFormat, statePath: String) throws {
            self.postgres = postgres
            collector = PostgresQueryLogCollector(
                options: .init(directory: postgres.directory + "/data/log", format: format), warehouse: "w",
                recorder: recorder, rules: AnnotationRules(), state: try StateStore(path: statePath))
        }

        func collect() async throws {
            let connection = try await Connection.connect(ConnectionSettings(dsn: postgres.dsn()))
            defer { connection.close() }
            try await collector.collect(
                CollectionContext(connection: connection, warehouse: "w", queryTimeout: .seconds(10), logger: Logger(label: "test")))
        }

        var exposition: Exposition { Exposition(recorder) }

        /// The value of the sample `name` with exactly `labels`, nil when absent.
        func value(_ name: String, _ labels: [String: String]) -> Double? {
            exposition.value(name, labels)
        }

        /// Collects until the sample `name` with `labels` reaches `value` (the server writes its
        /// log asynchronously).
        func collect(until name: String, _ labels: [String: String], is value: Double) async throws -> Double? {
            let deadline = ContinuousClock.now + .seconds(10)
            repeat {
                try await collect()
                if self.value(name, labels) == value { return value }
                try await Task.sleep(for: .milliseconds(100))
            } while ContinuousClock.now < deadline
            return self.value(name, labels)
        }
    }

    static let airflow = #"/* {"app":"airflow","dag":"daily","task":"load","user":"etl"} */ "#

    /// The successful inserts run as airflow's load task in `database`.
    static func insertLabels(_ database: String) -> [String: String] {
        [
            "warehouse": "w", "database": database, "app": "airflow", "user": "etl", "dag": "daily", "task": "load", "query_type": "insert",
            "status": "success",
        ]
    }

    /// Runs the workload through libpq's extended protocol (as application `airflow_worker`).
    static func run(_ postgres: TestPostgres, database: String, _ statements: [String]) async throws {
        let connection = try await Connection.connect(
            ConnectionSettings(dsn: postgres.dsn(database: database) + " application_name=airflow_worker"))
        defer { connection.close() }
        for statement in statements { _ = try? await connection.query(statement) }
    }

    /// Runs statements through psql, the simple protocol.
    static func psql(_ postgres: TestPostgres, database: String, application: String, _ sql: String) async throws {
        let run = try await Subprocess.run(["psql", "-X", "-q", postgres.dsn(database: database) + " application_name=\(application)", "-c", sql])
        #expect(run.status == 0 || sql.contains("1/0"), "\(run.output)")
    }

    @Test(arguments: [LogFormat.jsonlog, .csvlog, .stderr])
    func countsEveryStatementOnceAcrossRotationAndRestart(_ format: LogFormat) async throws {
        let postgres = try Self.cluster(format)
        defer { try? postgres.stop() }
        let database = try await postgres.createDatabase(prefix: "qlog")
        try await postgres.execute(
            "CREATE SCHEMA raw", "CREATE SCHEMA marts", "CREATE TABLE raw.events (id int, kind text)",
            "CREATE TABLE marts.daily_events (kind text, n int)", database: database)
        let statePath = postgres.directory + "/exporter-state.json"
        let first = try Harness(postgres, format: format, statePath: statePath)
        try await first.collect()  // starts at the end of the log: nothing before the exporter counts

        let insert = Self.airflow + "INSERT INTO marts.daily_events SELECT kind, count(*) FROM raw.events GROUP BY kind"
        try await Self.run(postgres, database: database, [
            insert, insert, insert,
            Self.airflow + "SELECT pg_sleep(0.2)",
            "SELECT 1/0",
            "SET statement_timeout = '50ms'", "SELECT pg_sleep(2)",
        ])
        // The simple protocol, with a statement that spans lines (quoted newlines in csvlog).
        try await Self.psql(postgres, database: database, application: "metabase", "SELECT *\nFROM raw.events\nWHERE kind = 'a\nb'")
        try await Self.psql(postgres, database: database, application: "metabase", "SELECT count(*) FROM raw.events")

        let (durations, seconds) = ("warehouse_query_duration_seconds_count", "warehouse_query_duration_seconds_sum")
        let inserts = Self.insertLabels(database)
        #expect(try await first.collect(until: durations, inserts, is: 3) == 3)
        if format == .jsonlog {
            // The exact sum, against the durations read from the same files by Foundation's parser.
            let truth = try Self.loggedSeconds(in: postgres.directory + "/data/log", statementsContaining: "INSERT INTO marts.daily_events")
            let sum = try #require(first.value(seconds, inserts))
            #expect(abs(sum - truth) < 1e-9, "histogram sum \(sum), log \(truth)")
        }
        let selects = ["warehouse": "w", "database": database, "app": "metabase", "user": "postgres", "query_type": "select", "status": "success"]
        #expect(first.value(durations, selects) == 2)
        let sleep = [
            "warehouse": "w", "database": database, "app": "airflow", "user": "etl", "dag": "daily", "task": "load", "query_type": "select",
            "status": "success",
        ]
        let slept = try #require(first.value(seconds, sleep))
        #expect(slept >= 0.2 && slept < 0.5, "pg_sleep(0.2) took \(slept) s")
        let failed = ["warehouse": "w", "database": database, "app": "airflow_worker", "user": "postgres", "query_type": "select", "status": "failed"]
        #expect(first.value(durations, failed) == 1)
        let aborted = ["warehouse": "w", "database": database, "app": "airflow_worker", "user": "postgres", "query_type": "select", "status": "aborted"]
        #expect(first.value(durations, aborted) == 1)
        // Who wrote and read which table.
        #expect(first.value(
            "warehouse_table_writes_total",
            ["warehouse": "w", "schema": "marts", "table": "daily_events", "operation": "insert", "app": "airflow", "user": "etl", "dag": "daily", "task": "load"]) == 3)
        #expect(first.value("warehouse_table_reads_total", ["warehouse": "w", "schema": "raw", "table": "events", "app": "airflow", "dag": "daily", "task": "load"]) == 3)
        #expect(first.value("warehouse_table_reads_total", ["warehouse": "w", "schema": "raw", "table": "events", "app": "metabase"]) == 2)
        // The setup statements ran as the exporter's own application: not counted.
        #expect(!first.exposition.text.contains("ddl"))

        // Rotation in the middle of the run.
        try await postgres.execute("SELECT pg_rotate_logfile()")
        try await Task.sleep(for: .milliseconds(300))
        try await Self.run(postgres, database: database, [insert, insert])
        #expect(try await first.collect(until: durations, inserts, is: 5) == 5)

        // The exporter stops; statements run while it is down; a new one resumes from the state file.
        try await Self.run(postgres, database: database, [insert])
        try await postgres.execute("SELECT pg_rotate_logfile()")
        try await Task.sleep(for: .milliseconds(300))
        try await Self.run(postgres, database: database, [insert, insert])
        let second = try Harness(postgres, format: format, statePath: statePath)
        #expect(try await second.collect(until: durations, inserts, is: 3) == 3)
        try await Task.sleep(for: .milliseconds(500))
        try await second.collect()
        #expect(second.value(durations, inserts) == 3, "counted twice after the restart")
        #expect(first.value(durations, inserts) == 5, "the first exporter read nothing after it stopped")
        #expect(try await Promtool.checkMetrics(second.exposition.text).exitCode == 0)
    }

    /// The seconds of every logged execution whose statement contains `text`, from the jsonlog
    /// files in `directory`.
    static func loggedSeconds(in directory: String, statementsContaining text: String) throws -> Double {
        var total = 0.0
        for name in try FileManager.default.contentsOfDirectory(atPath: directory) where name.hasSuffix(".json") {
            let contents = try String(contentsOfFile: directory + "/" + name, encoding: .utf8)
            for line in contents.split(separator: "\n") {
                let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
                // Executions only: `statement:` and `execute`, not the parse and bind steps.
                guard let message = object?["message"] as? String, message.hasPrefix("duration: "), message.contains(text),
                      message.contains(" ms  statement: ") || message.contains(" ms  execute "),
                      let milliseconds = Double(message.dropFirst(10).prefix { $0 != " " })
                else { continue }
                total += milliseconds / 1000
            }
        }
        return total
    }

    @Test func aServerThatLogsNoDurationsFailsNamingTheSetting() async throws {
        // The shared cluster runs with the defaults: no statement durations, stderr only.
        let postgres = try TestPostgres.shared()
        let directory = postgres.directory + "/empty-log"  // removed with the cluster
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let collector = PostgresQueryLogCollector(
            options: .init(directory: directory, format: .jsonlog), warehouse: "w", recorder: QueryRecorder(),
            rules: AnnotationRules(), state: try StateStore(path: nil))
        let connection = try await Connection.connect(ConnectionSettings(dsn: postgres.dsn()))
        defer { connection.close() }
        let context = CollectionContext(connection: connection, warehouse: "w", queryTimeout: .seconds(5), logger: Logger(label: "test"))
        let error = await #expect(throws: QueryLogError.self) { try await collector.collect(context) }
        #expect(error?.description.contains("log_min_duration_statement is -1") == true, "\(String(describing: error))")
        #expect(error?.description.contains("log_destination is 'stderr'") == true)
    }

    @Test func aMissingDirectoryIsAClearFailure() async throws {
        let postgres = try TestPostgres.shared()
        let collector = PostgresQueryLogCollector(
            options: .init(directory: nil), warehouse: "w", recorder: QueryRecorder(), rules: AnnotationRules(),
            state: try StateStore(path: nil))
        let connection = try await Connection.connect(ConnectionSettings(dsn: postgres.dsn()))
        defer { connection.close() }
        let context = CollectionContext(connection: connection, warehouse: "w", queryTimeout: .seconds(5), logger: Logger(label: "test"))
        await #expect(throws: QueryLogError.self) { try await collector.collect(context) }
        let missing = PostgresQueryLogCollector(
            options: .init(directory: "/nonexistent/log"), warehouse: "w", recorder: QueryRecorder(), rules: AnnotationRules(),
            state: try StateStore(path: nil))
        let error = await #expect(throws: QueryLogError.self) { try await missing.collect(context) }
        #expect(error?.description.contains("/nonexistent/log") == true)
    }
}
