/// The distinct values one label of one metric has admitted, each with the number of live series
/// that use it, so a value frees its place when its last series expires.
struct LabelGuard {
    let cap: Int
    private var references: [String: Int] = [:]

    init(cap: Int) {
        self.cap = cap
    }

    /// Whether `value` may be used: already admitted, or admitted now because there is room.
    mutating func admit(_ value: String) -> Bool {
        if references[value] != nil { return true }
        guard references.count < cap else { return false }
        references[value] = 0
        return true
    }

    /// Empty values and `__other__` are never counted: they take no place under the cap.
    mutating func retain(_ value: String) {
        guard !value.isEmpty, value != LabelPolicy.other else { return }
        references[value, default: 0] += 1
    }

    mutating func release(_ value: String) {
        guard let count = references[value] else { return }
        references[value] = count - 1
    }

    /// Forgets values no live series uses (admitted, then never used or expired).
    mutating func sweep() {
        references = references.filter { $0.value > 0 }
    }
}
