import Benchmark
import Collectors
import Foundation
import QueryMetrics
import SQLText

let statementsPerSecond = BenchmarkMetric.custom("statements/s", polarity: .prefersLarger, useScalingFactor: false)
let lines = 100_000

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(metrics: [.wallClock, statementsPerSecond], warmupIterations: 1, maxDuration: .seconds(20), maxIterations: 10)
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("querylog-bench-\(getpid())").path
    try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    let source = directory + "/source.log"  // not .json: the collector does not list it
    _ = try? LogFile.write(lines, to: source)
    let contents = FileManager.default.contents(atPath: source) ?? Data()

    func rate(_ benchmark: Benchmark, _ elapsed: Duration) {
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        benchmark.measurement(statementsPerSecond, Int(Double(lines) / seconds))
    }

    // The anchor: the time `wc -l` takes to read the same file.
    Benchmark("anchor: wc -l on the same file") { benchmark in
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/wc")
        process.arguments = ["-l", source]
        process.standardOutput = FileHandle.nullDevice
        let clock = ContinuousClock()
        let elapsed = try clock.measure {
            try process.run()
            process.waitUntilExit()
        }
        rate(benchmark, elapsed)
    }

    // End to end: the log file read, split, parsed, analysed and observed, as the collector does it.
    Benchmark("query_log: jsonlog lines to metrics") { benchmark in
        benchmark.stopMeasurement()
        let log = directory + "/postgresql.json"
        try? FileManager.default.removeItem(atPath: log)
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        let collector = PostgresQueryLogCollector(
            options: .init(directory: directory, format: .jsonlog), warehouse: "bench", recorder: QueryRecorder(),
            rules: AnnotationRules(), state: try StateStore(path: nil))
        try collector.ingest(warehouse: "bench")  // positions at the end of the empty file
        // The server appends to the file the collector follows.
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        try handle.write(contentsOf: contents)
        try handle.close()
        let clock = ContinuousClock()
        benchmark.startMeasurement()
        let elapsed = try clock.measure {
            let read = try collector.ingest(warehouse: "bench")
            precondition(read.records == lines, "read \(read.records) of \(lines) records")
        }
        rate(benchmark, elapsed)
    }
}
