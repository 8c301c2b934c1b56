@testable import QueryMetrics
import Foundation
import Testing

/// Native histograms as Prometheus defines them: bucket `k` of schema `s` holds
/// (2^((k-1)/2^s), 2^(k/2^s)]; sparse spans and count deltas; the schema lowered when the span of
/// buckets grows too wide.
@Suite struct NativeHistogramTests {
    @Test(arguments: [
        (1.0, 0), (2.0, 8), (0.5, -8), (1.0905, 1), (1.0906, 2), (0.001, -79), (3600.0, 95), (1.5, 5),
    ])
    func bucketIndexAtSchemaThree(_ value: Double, _ index: Int) {
        #expect(NativeHistogram.index(of: value, schema: 3) == index)
        // The bucket's bounds hold the value.
        let lower = exp2(Double(index - 1) / 8), upper = exp2(Double(index) / 8)
        #expect(value > lower * (1 - 1e-12) && value <= upper * (1 + 1e-12))
    }

    @Test func spansAndDeltasAsPrometheusReadsThem() {
        var histogram = NativeHistogram()
        for value in [1.0, 1.0, 1.1, 2.0, 2.0, 2.0, 0.0] { histogram.observe(value) }
        #expect(histogram.zeroCount == 1)
        // Buckets 0 (2), 2 (1: 1.1 is in bucket 2), 8 (3): 0 and 2 join over the one empty bucket
        // between them; 8 is five buckets on, a span of its own.
        let (spans, deltas) = histogram.spansAndDeltas
        #expect(spans.map(\.offset) == [0, 5] && spans.map(\.length) == [3, 1])
        #expect(deltas == [2, -2, 1, 2])
    }

    @Test func aWideSpreadLowersTheSchemaAndKeepsEveryCount() {
        var histogram = NativeHistogram()
        // 1 µs to about 28 h: 37 powers of two, 296 buckets at schema 3.
        var value = 1e-6
        var observed: UInt64 = 0
        while value < 100_000 {
            histogram.observe(value)
            observed += 1
            value *= 1.5
        }
        #expect(histogram.schema == 2)
        #expect(histogram.counts.count <= NativeHistogram.maximumBuckets)
        #expect(histogram.counts.reduce(0, +) == observed)
        // Every value is still in its bucket at the lower schema.
        #expect(NativeHistogram.index(of: 1e-6, schema: histogram.schema) == histogram.offset)
    }
}
