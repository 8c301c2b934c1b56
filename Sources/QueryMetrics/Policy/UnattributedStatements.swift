import SQLText

/// One warehouse's statements whose queries have `app` `unknown`, by the seconds they took: what
/// the landing page lists so a team knows which job or tool to annotate next.
///
/// Bounded with the Space-Saving algorithm, like ``TopStatements``: at most `capacity`
/// fingerprints are tracked; a new one replaces the one of least weight and inherits that weight,
/// so a statement with a real share of the time is never pushed out by a stream of one-off
/// statements. The inherited weight only ranks entries for replacement: the executions and seconds
/// shown are those observed since the statement was taken in. The shape kept is the first one seen
/// (the cheapest: later executions of the same fingerprint differ only in their literals).
/// Entries idle past the label policy's TTL leave with the series, so an annotated job drops off.
struct UnattributedStatements {
    let capacity: Int
    private var entries: [UInt64: Entry] = [:]

    private struct Entry {
        /// Seconds observed plus those inherited on taking a lighter entry's place.
        var weight: Double
        var seconds: Double
        var executions: Int
        var shape: String?
        var lastSeen: Double

        mutating func add(seconds: Double, shape: String?, now: Double) {
            weight += seconds
            self.seconds += seconds
            executions += 1
            if self.shape == nil { self.shape = shape }
            lastSeen = now
        }
    }

    init(capacity: Int = 4 * UnattributedStatement.shown) {
        self.capacity = max(capacity, 1)
    }

    var isEmpty: Bool { entries.isEmpty }

    /// Adds one execution of `fingerprint`; `shape` is kept if the entry has none yet.
    mutating func record(_ fingerprint: UInt64, seconds: Double, shape: String?, now: Double) {
        if entries[fingerprint] == nil {
            var inherited = 0.0
            if entries.count >= capacity, let lightest = entries.min(by: { $0.value.weight < $1.value.weight }) {
                entries[lightest.key] = nil
                inherited = lightest.value.weight
            }
            entries[fingerprint] = Entry(weight: inherited, seconds: 0, executions: 0, shape: nil, lastSeen: now)
        }
        entries[fingerprint]!.add(seconds: seconds, shape: shape, now: now)
    }

    /// The `count` heaviest by seconds observed (then executions, then fingerprint).
    func heaviest(_ count: Int, now: Double) -> [UnattributedStatement] {
        let ranked = entries.map { key, entry in
            UnattributedStatement(
                fingerprint: Fingerprint(key), executions: entry.executions, seconds: entry.seconds, shape: entry.shape,
                idleSeconds: max(0, now - entry.lastSeen))
        }
        .sorted { ($0.seconds, $0.executions, $1.fingerprint.value) > ($1.seconds, $1.executions, $0.fingerprint.value) }
        return Array(ranked.prefix(max(0, count)))
    }

    /// Forgets statements last seen before `cutoff`.
    mutating func expire(before cutoff: Double) {
        entries = entries.filter { $0.value.lastSeen >= cutoff }
    }
}

