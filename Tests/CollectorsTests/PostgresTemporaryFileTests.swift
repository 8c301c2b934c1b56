import Collectors
import Foundation
import QueryMetrics
import TestSupport
import Testing
import WarehouseClient

/// Temporary files a real PostgreSQL logs (`log_temp_files = 0`), in each log format: their sizes
/// reach `warehouse_query_spilled_bytes_total` with their statement's context, the server's own
/// count of temporary bytes (`pg_stat_database.temp_bytes`) the ground truth.
@Suite("PostgreSQL temporary files")
struct PostgresTemporaryFileTests {
    /// A sort that outgrows a 64 kB `work_mem`: two temporary files of a few megabytes.
    static let sort = "SELECT count(*) FROM (SELECT g FROM generate_series(1, 200000) g ORDER BY g DESC) s"

    /// Each app runs in a database of its own, so that each database's `temp_bytes` is one app's.
    /// The simple protocol logs a file with its statement, before the statement's duration; the
    /// extended protocol without one, after it, when the portal closes.
    @Test(arguments: [LogFormat.jsonlog, .csvlog, .stderr])
    func everyTemporaryFileCountsForItsStatementsContext(_ format: LogFormat) async throws {
        var settings = [
            "logging_collector": "on", "log_destination": format.rawValue, "log_min_duration_statement": "0", "log_temp_files": "0",
            "work_mem": "'64kB'", "log_rotation_age": "0", "log_rotation_size": "0",
        ]
        if format == .stderr { settings["log_line_prefix"] = "'%m [%p] %q%u@%d [%a] %e '" }
        let postgres = try TestPostgres.start(settings: settings)
        defer { try? postgres.stop() }
        let harness = try PostgresQueryLogCollectorTests.Harness(postgres, format: format, statePath: postgres.directory + "/state.json")
        try await harness.collect()

        // Airflow through psql, twice. dbt through libpq's extended protocol, in a transaction:
        // the sort's files are logged when the next statement's bind replaces its portal, with
        // that statement's text, another model's. A worker whose statement names no app, its
        // files logged with no text when the session commits.
        let airflow = try await postgres.createDatabase(prefix: "tmpa")
        let dbt = try await postgres.createDatabase(prefix: "tmpd")
        let worker = try await postgres.createDatabase(prefix: "tmpw")
        for _ in 0..<2 {
            try await PostgresQueryLogCollectorTests.psql(postgres, database: airflow, application: "psql", PostgresQueryLogCollectorTests.airflow + Self.sort)
        }
        let orders = #"/* {"app": "dbt", "node_id": "model.shop.orders"} */ "#
        let customers = #"/* {"app": "dbt", "node_id": "model.shop.customers"} */ "#
        try await PostgresQueryLogCollectorTests.run(postgres, database: dbt, ["BEGIN", orders + Self.sort, customers + "SELECT 1", "COMMIT"])
        try await PostgresQueryLogCollectorTests.run(postgres, database: worker, [Self.sort])

        let monitor = try await Connection.connect(ConnectionSettings(dsn: postgres.dsn()))
        defer { monitor.close() }
        func truth(_ database: String) async throws -> Double {
            try await monitor.query("SELECT temp_bytes::float8 AS bytes FROM pg_stat_database WHERE datname = $1", [database]).rows[0].double("bytes")
        }
        let expected = [("airflow", airflow), ("dbt", dbt), ("airflow_worker", worker)]
        var spilled: [String: Double] = [:]
        var truths: [String: Double] = [:]
        let deadline = ContinuousClock.now + .seconds(30)
        repeat {
            try await harness.collect()
            for (app, database) in expected {
                spilled[app] = harness.exposition.samples("warehouse_query_spilled_bytes_total", including: ["app": app]).reduce(0) { $0 + $1.value }
                truths[app] = try await truth(database)
            }
            if spilled == truths && truths.values.allSatisfy({ $0 > 0 }) { break }
            try await Task.sleep(for: .milliseconds(200))
        } while ContinuousClock.now < deadline
        #expect(truths.values.allSatisfy { $0 > 1_000_000 }, "\(truths)")
        #expect(spilled == truths, "\(harness.exposition.text)")
        // Only temporary files count: the sorts' rows read and written are not known here.
        #expect(harness.exposition.samples("warehouse_query_read_bytes_total").isEmpty)
        let dbtSamples = harness.exposition.samples("warehouse_query_spilled_bytes_total", including: ["app": "dbt"])
        #expect(dbtSamples.map { $0.labels["model"] } == ["model.shop.orders"], "\(dbtSamples)")
        #expect(try await Promtool.checkMetrics(harness.exposition.text).exitCode == 0)
    }
}
