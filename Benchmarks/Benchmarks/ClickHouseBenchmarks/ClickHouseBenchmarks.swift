import Benchmark
import BenchmarkSupport
import Collectors
import Foundation
import Logging
import QueryMetrics
import SQLText
import WarehouseClient

// scripts/bench starts ClickHouse's engine behind its HTTP interface (scripts/chdb-http-server)
// with `bench.query_log`, a table of system.query_log's columns holding 1,000,000 finished
// queries, one every `spacing` seconds up to the moment it was filled. It passes the server's
// address in WAREHOUSE_BENCH_CH; without it this suite has nothing to measure.
let server = ProcessInfo.processInfo.environment["WAREHOUSE_BENCH_CH"]
let spacing = Double(ProcessInfo.processInfo.environment["WAREHOUSE_BENCH_CH_SPACING"] ?? "") ?? 0.5184
let filledAt = Double(ProcessInfo.processInfo.environment["WAREHOUSE_BENCH_CH_FILLED_AT"] ?? "") ?? 0

/// The columns the collector reads, as the engine's own export sends them.
let exportColumns = """
    toInt64(cityHash64(hostname, query_id, toInt8(type), event_time_microseconds)) AS id,
    toUnixTimestamp64Micro(event_time_microseconds) AS ended, exception_code, query_duration_ms, user, current_database, query,
    log_comment AS comment, http_user_agent, client_name, query_id, read_rows, read_bytes, written_rows, written_bytes, memory_usage,
    ProfileEvents['OSCPUVirtualTimeMicroseconds'] AS cpu_microseconds, arrayStringConcat(tables, '\\n') AS tables, query_kind
    """

/// How far back from now a first poll must look to reach exactly the newest `rows` queries.
func lookback(rows: Int) -> Duration {
    let age = Date().timeIntervalSince1970 - filledAt
    return .milliseconds(Int64((age + (Double(rows) - 0.5) * spacing) * 1000))
}

/// One first poll of `bench.query_log` whose look-back reaches exactly the newest `rows` queries;
/// returns the recorder it observed into, for the count to be checked after the clock stops
/// (rendering the families to count them takes a quarter of a second that is not ingest).
func poll(rows: Int) async throws -> QueryRecorder {
    let connection = try await ClickHouseConnection.connect(ConnectionSettings(dsn: server!, connectTimeout: .seconds(10)))
    defer { connection.close() }
    let recorder = QueryRecorder()
    let options = ClickHouseQueryLogCollector.Options(window: HistoryWindow(lookback: lookback(rows: rows)), dollarsPerHour: 2, source: "bench.query_log")
    let collector = ClickHouseQueryLogCollector(options: options, warehouse: "bench", recorder: recorder, rules: AnnotationRules(), state: try StateStore(path: nil))
    try await collector.collect(ClickHouseContext(connection: connection, warehouse: "bench", queryTimeout: .seconds(600), logger: Logger(label: "bench")))
    return recorder
}

func check(_ recorder: QueryRecorder, rows: Int) {
    let counted = HistoryIngest.counted(recorder)
    precondition(counted == rows, "counted \(counted) of \(rows) queries")
}

/// One statement of the newest `rows` queries, the collector's columns in its order.
func exportSQL(rows: Int) -> String {
    let seconds = Double(lookback(rows: rows).components.seconds) + Double(lookback(rows: rows).components.attoseconds) / 1e18
    return """
        SELECT \(exportColumns) FROM bench.query_log
        WHERE event_time_microseconds >= now64(6) - toIntervalMicrosecond(\(Int64(seconds * 1_000_000)))
        ORDER BY ended, id
        """
}

/// The engine's own export of the same rows: one `SELECT … FORMAT TSV` through the same HTTP
/// server, written to /dev/null by curl.
func export(rows: Int) throws {
    let sql = exportSQL(rows: rows) + " FORMAT TSV"
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
    process.arguments = ["-sS", "--fail", "-o", "/dev/null", "--data-binary", sql, server!.replacingOccurrences(of: "/default", with: "/")]
    try process.run()
    process.waitUntilExit()
    precondition(process.terminationStatus == 0, "curl failed")
}

let benchmarks: @Sendable () -> Void = {
    guard server != nil else {
        print("ClickHouseBenchmarks: WAREHOUSE_BENCH_CH is not set; run scripts/bench, which starts the engine")
        return
    }
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .peakMemoryResident, .mallocCountTotal, HistoryIngest.rowsPerSecond], warmupIterations: 1, maxDuration: .seconds(60),
        maxIterations: 5)

    // Ingest: 100,000 and 1,000,000 finished queries to metrics (memory should not grow with
    // the rows: the collector reads them a page at a time), and the engine exporting the
    // 1,000,000 rows it reads, with the same columns and order.
    for rows in [100_000, 1_000_000] {
        Benchmark("query_log: \(rows.formatted()) rows to metrics") { benchmark in
            let clock = ContinuousClock()
            var recorder: QueryRecorder?
            HistoryIngest.rate(benchmark, rows: rows, try await clock.measure { recorder = try await poll(rows: rows) })
            benchmark.stopMeasurement()
            check(recorder!, rows: rows)
        }
    }
    // What the exporter's client alone costs: the same statement through ClickHouseConnection,
    // each row's key read and nothing analysed. Between it and the ingest lies the analysis.
    Benchmark("transport: the exporter's client bringing the same 1,000,000 rows") { benchmark in
        let clock = ContinuousClock()
        var count = 0
        HistoryIngest.rate(
            benchmark, rows: 1_000_000,
            try await clock.measure {
                let connection = try await ClickHouseConnection.connect(ConnectionSettings(dsn: server!, connectTimeout: .seconds(10)))
                defer { connection.close() }
                let result = try await connection.query(exportSQL(rows: 1_000_000), timeout: .seconds(600))
                let (id, ended) = (try result.position(of: "id"), try result.position(of: "ended"))
                var checksum: Int64 = 0
                for row in result.rows { checksum &+= try row.int64(at: id) &+ row.int64(at: ended) }
                blackHole(checksum)
                count = result.count
            })
        benchmark.stopMeasurement()
        precondition(count == 1_000_000, "brought \(count) rows")
    }
    Benchmark("anchor: the engine's TSV export of the same 1,000,000 rows") { benchmark in
        let clock = ContinuousClock()
        HistoryIngest.rate(benchmark, rows: 1_000_000, try clock.measure { try export(rows: 1_000_000) })
    }
}
