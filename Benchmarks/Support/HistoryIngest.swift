public import Benchmark
public import QueryMetrics

/// What the history-ingest suites (Redshift, ClickHouse) measure alike: rows per second, and how
/// many finished queries a poll counted.
public enum HistoryIngest {
    public static let rowsPerSecond = BenchmarkMetric.custom("rows/s", polarity: .prefersLarger, useScalingFactor: false)

    /// Records `rows` over `elapsed` as the rows-per-second figure of `benchmark`.
    public static func rate(_ benchmark: Benchmark, rows: Int, _ elapsed: Duration) {
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        benchmark.measurement(rowsPerSecond, Int(Double(rows) / seconds))
    }

    /// The queries `recorder` observed: the sum of its duration histograms' counts.
    public static func counted(_ recorder: QueryRecorder) -> Int {
        var buffer: [UInt8] = []
        recorder.emit(into: &buffer)
        return String(decoding: buffer, as: UTF8.self).split(separator: "\n")
            .filter { $0.hasPrefix("warehouse_query_duration_seconds_count{") }
            .reduce(0) { $0 + Int(Double($1.split(separator: " ").last!)!) }
    }
}
