import Benchmark
import BenchmarkSupport
import Collectors
import Foundation
import Logging
import QueryMetrics
import SQLText
import WarehouseClient

// scripts/bench starts a PostgreSQL with two Redshift-shaped fixtures filled by
// fixtures/redshift/workload.sql at the same pace (one query every `spacing` seconds, ending at
// the same time): `rs_small` holds 10,000 queries, `rs_large` 1,000,000. It passes the server
// in WAREHOUSE_BENCH_PG; without it this suite has nothing to measure.
let server = ProcessInfo.processInfo.environment["WAREHOUSE_BENCH_PG"]
let spacing = Double(ProcessInfo.processInfo.environment["WAREHOUSE_BENCH_SPACING"] ?? "") ?? 0.5184
let searchPath = " options='-csearch_path=redshift_fixture,pg_catalog'"

/// One first poll of query_history whose look-back reaches exactly the newest `rows` queries.
func poll(_ database: String, rows: Int) async throws -> Int {
    let connection = try await Connection.connect(ConnectionSettings(dsn: "\(server!) dbname=\(database)" + searchPath))
    defer { connection.close() }
    let recorder = QueryRecorder()
    let options = RedshiftQueryHistoryCollector.Options(window: HistoryWindow(lookback: .milliseconds(Int64((Double(rows) - 0.5) * spacing * 1000))))
    let collector = RedshiftQueryHistoryCollector(options: options, warehouse: "bench", recorder: recorder, rules: AnnotationRules(), state: try StateStore(path: nil))
    let context = CollectionContext(connection: connection, warehouse: "bench", queryTimeout: .seconds(600), logger: Logger(label: "bench"))
    try await collector.collect(context)
    let counted = HistoryIngest.counted(recorder)
    precondition(counted == rows, "counted \(counted) of \(rows) queries")
    return counted
}

let benchmarks: @Sendable () -> Void = {
    guard server != nil else {
        print("RedshiftBenchmarks: WAREHOUSE_BENCH_PG is not set; run scripts/bench, which starts the fixture's server")
        return
    }
    Benchmark.defaultConfiguration = .init(metrics: [.wallClock, HistoryIngest.rowsPerSecond], warmupIterations: 1, maxDuration: .seconds(30), maxIterations: 10)

    // Poll cost against history: the same 10,000 new queries under 10,000 and 1,000,000 of history.
    Benchmark("query_history: 10,000 new, history 10,000") { benchmark in
        let clock = ContinuousClock()
        HistoryIngest.rate(benchmark, rows: 10_000, try await clock.measure { _ = try await poll("rs_small", rows: 10_000) })
    }
    Benchmark("query_history: 10,000 new, history 1,000,000") { benchmark in
        let clock = ContinuousClock()
        HistoryIngest.rate(benchmark, rows: 10_000, try await clock.measure { _ = try await poll("rs_large", rows: 10_000) })
    }

    // Ingest throughput: 100,000 queries to metrics, and psql fetching the same rows with the
    // same columns, one statement, into /dev/null.
    Benchmark("query_history: 100,000 rows to metrics") { benchmark in
        let clock = ContinuousClock()
        HistoryIngest.rate(benchmark, rows: 100_000, try await clock.measure { _ = try await poll("rs_large", rows: 100_000) })
    }
    Benchmark("anchor: psql \\copy of the same 100,000 rows") { benchmark in
        let lookback = (100_000 - 0.5) * spacing
        let select = """
            SELECT q.query_id::bigint AS id, q.database_name AS database, q.query_label AS label, \
            q.query_type AS type, q.status AS status, to_char(q.end_time, 'YYYY-MM-DD HH24:MI:SS.US') AS ended, \
            q.elapsed_time::bigint AS elapsed, q.queue_time::bigint AS queued, q.execution_time::bigint AS executed, \
            q.query_text AS text, u.usename AS username \
            FROM sys_query_history q LEFT JOIN pg_user u ON u.usesysid = q.user_id \
            WHERE q.status IN ('success', 'failed', 'canceled') \
            AND q.end_time > (SELECT max(end_time) FROM sys_query_history) - \(lookback) * interval '1 second' \
            ORDER BY q.end_time, q.query_id
            """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/psql")
        process.arguments = ["-X", "-q", "-d", "\(server!) dbname=rs_large" + searchPath, "-c", "\\copy (\(select)) to '/dev/null'"]
        let clock = ContinuousClock()
        let elapsed = try clock.measure {
            try process.run()
            process.waitUntilExit()
        }
        precondition(process.terminationStatus == 0, "psql failed")
        HistoryIngest.rate(benchmark, rows: 100_000, elapsed)
    }
}
