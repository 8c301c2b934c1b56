/// The heaviest statements (by total seconds) of one app/DAG/task, kept with the Space-Saving
/// algorithm: at most `capacity` fingerprints are tracked, a new one replaces the lightest and
/// inherits its total, so every statement that carries a real share of the time stays tracked.
/// A fingerprint gets its own series while it ranks in the top `keep`.
///
/// The rank is checked against a threshold (the `keep`-th largest total) recomputed every
/// ``rerankEvery`` records or when the tracked set changes, so a record costs O(1) amortised.
struct TopStatements {
    let keep: Int
    let capacity: Int
    static let rerankEvery = 32
    private var totals: [UInt64: Double] = [:]
    private var threshold = 0.0
    private var recordsSinceRank = 0
    private(set) var lastUpdate: Double = 0

    init(keep: Int) {
        self.keep = keep
        self.capacity = max(4 * keep, 16)
    }

    /// Adds `seconds` to `fingerprint` and tells whether it ranks in the top `keep`.
    mutating func record(_ fingerprint: UInt64, seconds: Double, now: Double) -> Bool {
        lastUpdate = now
        guard keep > 0 else { return false }
        let total: Double
        if let previous = totals[fingerprint] {
            total = previous + seconds
            recordsSinceRank += 1
        } else if totals.count < capacity {
            total = seconds
            recordsSinceRank = Self.rerankEvery
        } else {
            let lightest = totals.min { $0.value < $1.value }!
            totals[lightest.key] = nil
            total = lightest.value + seconds
            recordsSinceRank = Self.rerankEvery
        }
        totals[fingerprint] = total
        if totals.count <= keep { return true }
        if recordsSinceRank >= Self.rerankEvery {
            recordsSinceRank = 0
            threshold = totals.values.sorted(by: >)[keep - 1]
        }
        return total >= threshold
    }
}
