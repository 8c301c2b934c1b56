import Benchmark
import SQLText

/// MB/s over the whole corpus, one core: recorded per iteration so the table shows it directly.
let megabytesPerSecond = BenchmarkMetric.custom("MB/s", polarity: .prefersLarger, useScalingFactor: false)

let benchmarks: @Sendable () -> Void = {
    let corpus = Corpus.statements()
    let texts = corpus.map { String(decoding: $0, as: UTF8.self) }
    let totalBytes = corpus.reduce(0) { $0 + $1.count }
    let analyzer = SQLAnalyzer()
    let baseline = RegexBaseline()

    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .mallocCountTotal, megabytesPerSecond],
        warmupIterations: 2,
        maxDuration: .seconds(4),
        maxIterations: 200
    )

    /// Runs `work` over the corpus and records its MB/s.
    func measure(_ benchmark: Benchmark, _ work: () -> Void) {
        let clock = ContinuousClock()
        let elapsed = clock.measure(work)
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        benchmark.measurement(megabytesPerSecond, Int(Double(totalBytes) / seconds / 1e6))
    }

    // The anchor for the machine: one pass reading every byte, as fast as a loop gets.
    Benchmark("anchor: count newlines (\(totalBytes / 1000) KB corpus)") { benchmark in
        measure(benchmark) {
            for statement in corpus {
                var newlines = 0
                for byte in statement where byte == 0x0A { newlines += 1 }
                blackHole(newlines)
            }
        }
    }

    Benchmark("annotation extraction") { benchmark in
        measure(benchmark) {
            for statement in corpus {
                statement.withUnsafeBufferPointer { blackHole(analyzer.context(ofUTF8: $0)) }
            }
        }
    }

    Benchmark("full analysis (annotations, fingerprint, tables)") { benchmark in
        measure(benchmark) {
            for statement in corpus {
                statement.withUnsafeBufferPointer { blackHole(analyzer.analyze(utf8: $0)) }
            }
        }
    }

    Benchmark("regex baseline extraction (NSRegularExpression)", configuration: .init(maxDuration: .seconds(8), maxIterations: 20)) { benchmark in
        measure(benchmark) {
            for text in texts { blackHole(baseline.context(of: text)) }
        }
    }
}
