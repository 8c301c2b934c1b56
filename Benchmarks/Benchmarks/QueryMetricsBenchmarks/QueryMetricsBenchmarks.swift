import Benchmark
import Foundation
import Prometheus
import QueryMetrics

let nanosecondsPerRecord = BenchmarkMetric.custom("ns per record", polarity: .prefersSmaller, useScalingFactor: false)
let exposedBytes = BenchmarkMetric.custom("exposition bytes", polarity: .prefersSmaller, useScalingFactor: false)
let bytesPerSeries = BenchmarkMetric.custom("resident bytes per series", polarity: .prefersSmaller, useScalingFactor: false)

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .mallocCountTotal], warmupIterations: 1, maxDuration: .seconds(5), maxIterations: 30)

    // (a) From a record's context to its observations in every family: 10,000 distinct records,
    // cycled, into families that already hold their series (the steady state of an exporter).
    let records = (0..<10_000).map { Records.record($0) }
    observing("observe a query record", records)

    // (b) Rendering 10,000 histogram series with 16 buckets: 5,000 databases × (duration, queue).
    let wide = QueryRecorder(policy: Records.roomyPolicy)
    for index in 0..<5_000 {
        var record = Records.record(0, database: "db\(index)")
        record.fingerprint = nil
        wide.observe(record)
    }
    rendering("render 10,000 histogram series", wide, .text)

    // (b') The same series in OpenMetrics, and in the delimited protobuf format with their native
    // buckets beside the classic ones (histograms.mode both, the default).
    rendering("render 10,000 histogram series (OpenMetrics)", wide, .openMetrics)
    rendering("render 10,000 histogram series (protobuf, native and classic)", wide, .protobuf)

    // (a') A record that names its execution and trace: its exemplar goes to each bucket and
    // counter it lands in.
    let named = records.enumerated().map { index, record in
        var record = record
        record.queryID = "\(1_000_000 + index)"
        record.traceID = "4bf92f3577b34da6a3ce929d0e0e4736"
        record.endedAt = 1_764_748_800
        return record
    }
    observing("observe a query record with an exemplar", named)

    // (c) Resident memory per histogram series: 50,000 databases × (duration, queue).
    Benchmark(
        "resident memory of 100,000 histogram series",
        configuration: .init(metrics: [bytesPerSeries], warmupIterations: 0, maxIterations: 1)
    ) { benchmark in
        let before = Records.residentBytes()
        let recorder = QueryRecorder(policy: Records.roomyPolicy)
        for index in 0..<50_000 {
            var record = Records.record(index, database: "db\(index)")
            record.fingerprint = nil
            recorder.observe(record)
        }
        let after = Records.residentBytes()
        benchmark.measurement(bytesPerSeries, (after - before) / 100_000)
        blackHole(recorder)
    }

    // swift-prometheus doing (b) itself: building the series, then rendering them. Its registry
    // copies a family's whole series dictionary on every series added, so building is quadratic:
    // 5,000 and 10,000 series show the growth.
    for databases in [2_500, 5_000] {
        Benchmark("swift-prometheus: create \(2 * databases) histogram series", configuration: .init(maxDuration: .seconds(20), maxIterations: 5)) { _ in
            blackHole(SwiftPrometheusBaseline.registry(databases: databases))
        }
    }
    let prometheusRegistry = SwiftPrometheusBaseline.registry(databases: 5_000)
    Benchmark("swift-prometheus: render 10,000 histogram series", configuration: .init(metrics: [.wallClock, .mallocCountTotal, exposedBytes])) { benchmark in
        var buffer: [UInt8] = []
        prometheusRegistry.emit(into: &buffer)
        benchmark.measurement(exposedBytes, buffer.count)
        blackHole(buffer)
    }
    // Our stores building the same series, for the comparison with the two above.
    Benchmark("create 10,000 histogram series", configuration: .init(maxDuration: .seconds(20), maxIterations: 5)) { _ in
        let recorder = QueryRecorder(policy: Records.roomyPolicy)
        for index in 0..<5_000 {
            var record = Records.record(0, database: "db\(index)")
            record.fingerprint = nil
            recorder.observe(record)
        }
        blackHole(recorder)
    }

    // Gauges (issue 17): the tables collector at 1,000 and 2,500 tables, nine families each, built
    // by the project's stores (one snapshot per run) and by swift-prometheus (a handle per series),
    // then rendered.
    for tables in [1_000, 2_500] {
        Benchmark("gauges: create \(9 * tables) table series", configuration: .init(maxDuration: .seconds(20), maxIterations: 5)) { _ in
            blackHole(Records.tableGauges(tables: tables))
        }
        Benchmark(
            "swift-prometheus: create \(9 * tables) table gauge series", configuration: .init(maxDuration: .seconds(20), maxIterations: 5)
        ) { _ in
            blackHole(SwiftPrometheusBaseline.tableGauges(tables: tables))
        }
    }
    let gauges = Records.tableGauges(tables: 2_500)
    Benchmark("gauges: render 22,500 table series", configuration: .init(metrics: [.wallClock, .mallocCountTotal, exposedBytes])) { benchmark in
        let buffer = gauges.registry.render()
        benchmark.measurement(exposedBytes, buffer.count)
        blackHole(buffer)
    }
    let prometheusGauges = SwiftPrometheusBaseline.tableGauges(tables: 2_500)
    Benchmark(
        "swift-prometheus: render 22,500 table gauge series", configuration: .init(metrics: [.wallClock, .mallocCountTotal, exposedBytes])
    ) { benchmark in
        var buffer: [UInt8] = []
        prometheusGauges.emit(into: &buffer)
        benchmark.measurement(exposedBytes, buffer.count)
        blackHole(buffer)
    }
}

/// The benchmark `name` of recording in the steady state: `records` observed again, cycled, into a
/// recorder that already holds their series; measured per record.
func observing(_ name: String, _ records: [QueryRecord]) {
    let recorder = QueryRecorder(policy: Records.roomyPolicy)
    for record in records { recorder.observe(record) }
    Benchmark(name, configuration: .init(metrics: [.wallClock, .mallocCountTotal, nanosecondsPerRecord])) { benchmark in
        let elapsed = ContinuousClock().measure {
            for record in records { recorder.observe(record) }
        }
        let nanoseconds = Double(elapsed.components.attoseconds) / 1e9 + Double(elapsed.components.seconds) * 1e9
        benchmark.measurement(nanosecondsPerRecord, Int(nanoseconds / Double(records.count)))
    }
}

/// The benchmark `name` of rendering `recorder`'s families in `format`, with the page's size.
func rendering(_ name: String, _ recorder: QueryRecorder, _ format: ExpositionFormat) {
    Benchmark(name, configuration: .init(metrics: [.wallClock, .mallocCountTotal, exposedBytes])) { benchmark in
        var buffer: [UInt8] = []
        recorder.emit(into: &buffer, format: format)
        benchmark.measurement(exposedBytes, buffer.count)
        blackHole(buffer)
    }
}
