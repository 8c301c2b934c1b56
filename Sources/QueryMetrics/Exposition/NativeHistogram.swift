#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One series' native (sparse, exponential) histogram, as Prometheus's protobuf format carries it:
/// bucket `k` of schema `s` counts the values in (2^((k-1)/2^s), 2^(k/2^s)], so every bucket is
/// the same few percent wide whatever the value (schema 3: about 9%), and only buckets that were
/// hit take room. Values at or below the zero threshold go to the zero bucket (a failed statement
/// observed as 0 s). Past ``maximumBuckets`` buckets between the lowest and highest hit, the
/// schema drops by one, merging neighbours, as Prometheus's own clients do.
struct NativeHistogram: Sendable {
    /// Schema 3: eight buckets per power of two, each about 9% wide.
    static let initialSchema: Int8 = 3
    /// Prometheus's lowest.
    static let minimumSchema: Int8 = -4
    /// The bucket span kept before the resolution is halved.
    static let maximumBuckets = 160
    /// What the Prometheus clients use: 2^-128.
    static let zeroThreshold = 2.938735877055719e-39

    private(set) var schema = initialSchema
    private(set) var zeroCount: UInt64 = 0
    /// The index of `counts[0]`.
    private(set) var offset = 0
    /// Counts of the buckets from `offset` on, dense: a span without hits is a run of zeros.
    private(set) var counts: [UInt64] = []

    mutating func observe(_ value: Double) {
        guard value > Self.zeroThreshold else {
            zeroCount &+= 1
            return
        }
        var index = Self.index(of: value, schema: schema)
        if counts.isEmpty {
            offset = index
            counts = [1]
            return
        }
        while max(offset + counts.count - 1, index) - min(offset, index) + 1 > Self.maximumBuckets, schema > Self.minimumSchema {
            halveResolution()
            index = Self.index(of: value, schema: schema)
        }
        if index < offset {
            counts.insert(contentsOf: repeatElement(0, count: offset - index), at: 0)
            offset = index
        } else if index >= offset + counts.count {
            counts.append(contentsOf: repeatElement(0, count: index - offset - counts.count + 1))
        }
        counts[index - offset] &+= 1
    }

    /// The bucket of `value` (above the zero threshold) in `schema`: ceil(log2(value) * 2^schema).
    static func index(of value: Double, schema: Int8) -> Int {
        let exponent = Int(value.exponent)
        let significand = value.significand  // in [1, 2)
        let scale = Double(sign: .plus, exponent: Int(schema), significand: 1)
        // Exact powers of two are their bucket's upper bound, as the bound is inclusive.
        guard significand != 1 else { return Int((Double(exponent) * scale).rounded(.up)) }
        return Int(((Double(exponent) + log2(significand)) * scale).rounded(.up))
    }

    /// Schema one lower: buckets `2j-1` and `2j` become bucket `j`.
    private mutating func halveResolution() {
        let newOffset = (offset + 1) >> 1
        var merged = [UInt64](repeating: 0, count: ((offset + counts.count - 1 + 1) >> 1) - newOffset + 1)
        for (position, count) in counts.enumerated() where count > 0 {
            merged[((offset + position + 1) >> 1) - newOffset] &+= count
        }
        offset = newOffset
        counts = merged
        schema -= 1
    }

    /// The hit buckets as protobuf spans (offset from the previous span's end, or the first index)
    /// and count deltas (each bucket's count less the previous one's), runs of empty buckets longer
    /// than two breaking a span, as Prometheus's clients do.
    var spansAndDeltas: (spans: [(offset: Int32, length: UInt32)], deltas: [Int64]) {
        var spans: [(offset: Int32, length: UInt32)] = []
        var deltas: [Int64] = []
        var previousCount: Int64 = 0
        var nextIndex: Int?  // the index after the last span's end
        var position = 0
        while position < counts.count {
            guard counts[position] > 0 else {
                position += 1
                continue
            }
            let index = offset + position
            if let end = nextIndex, index - end <= 2 {
                // A short gap: its empty buckets join the span, with their deltas.
                for _ in end..<index {
                    deltas.append(-previousCount)
                    previousCount = 0
                }
                spans[spans.count - 1].length += UInt32(index - end)
            } else {
                spans.append((Int32(index - (nextIndex ?? 0)), 0))
            }
            let count = Int64(counts[position])
            deltas.append(count - previousCount)
            previousCount = count
            spans[spans.count - 1].length += 1
            nextIndex = index + 1
            position += 1
        }
        return (spans, deltas)
    }
}
