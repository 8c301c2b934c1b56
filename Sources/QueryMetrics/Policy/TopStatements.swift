/// The heaviest statements (by total seconds) of one app/DAG/task, kept with the Space-Saving
/// algorithm: at most `capacity` fingerprints are tracked, a new one replaces the lightest and
/// inherits its total, so every statement that carries a real share of the time stays tracked.
/// A fingerprint gets its own series while it ranks in the top `keep`.
struct TopStatements {
    let keep: Int
    let capacity: Int
    private var totals: [String: Double] = [:]
    private(set) var lastUpdate: Double = 0

    init(keep: Int) {
        self.keep = keep
        self.capacity = max(4 * keep, 16)
    }

    /// Adds `seconds` to `fingerprint` and tells whether it ranks in the top `keep`.
    mutating func record(_ fingerprint: String, seconds: Double, now: Double) -> Bool {
        lastUpdate = now
        if let total = totals[fingerprint] {
            totals[fingerprint] = total + seconds
        } else if totals.count < capacity {
            totals[fingerprint] = seconds
        } else if let lightest = totals.min(by: { $0.value < $1.value }) {
            totals[lightest.key] = nil
            totals[fingerprint] = lightest.value + seconds
        }
        guard keep > 0 else { return false }
        guard totals.count > keep, let total = totals[fingerprint] else { return true }
        // In the top `keep` when fewer than `keep` others weigh more.
        var heavier = 0
        for other in totals.values where other > total {
            heavier += 1
            if heavier >= keep { return false }
        }
        return true
    }
}
