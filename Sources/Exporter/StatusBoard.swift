import Synchronization

/// What the landing page and `/-/ready` show: for each warehouse and collector, how often it ran,
/// when it last worked, and its last error (already free of secrets).
public final class StatusBoard: Sendable {
    /// One line of the board. Times are seconds since the Unix epoch.
    public struct Entry: Sendable {
        public var runs = 0
        public var lastSuccess: Double?
        public var lastError: String?
        public var lastErrorAt: Double?
    }

    struct Key: Hashable, Sendable {
        let warehouse: String
        let collector: String
    }

    private let entries: Mutex<(entries: [Key: Entry], expected: Set<Key>)>

    /// `expected` lists every (warehouse, collector) pair that must run once before the exporter is ready.
    init(expected: [Key]) {
        entries = Mutex(([:], []))
        self.expect(expected)
    }

    /// Makes `expected` the pairs on the board, as a reload leaves them: the entries of pairs that
    /// stay are kept, those of pairs gone are dropped, new ones start unrun.
    func expect(_ expected: [Key]) {
        entries.withLock { board in
            board.expected = Set(expected)
            board.entries = board.entries.filter { board.expected.contains($0.key) }
            for key in expected where board.entries[key] == nil { board.entries[key] = Entry() }
        }
    }

    /// Records one run; `error` is nil when it succeeded.
    func record(warehouse: String, collector: String, error: String?, at time: Double) {
        entries.withLock { board in
            let key = Key(warehouse: warehouse, collector: collector)
            // A run that ends after its warehouse or collector left the configuration is not shown.
            guard board.expected.contains(key) else { return }
            var entry = board.entries[key, default: Entry()]
            entry.runs += 1
            if let error {
                entry.lastError = error
                entry.lastErrorAt = time
            } else {
                entry.lastSuccess = time
                entry.lastError = nil
            }
            board.entries[key] = entry
        }
    }

    public func entry(warehouse: String, collector: String) -> Entry? {
        entries.withLock { $0.entries[Key(warehouse: warehouse, collector: collector)] }
    }

    /// True once every warehouse's health check and collectors have run at least once, so the
    /// first scrape after start-up sees real values rather than an empty page.
    public var isReady: Bool {
        entries.withLock { board in board.expected.allSatisfy { (board.entries[$0]?.runs ?? 0) > 0 } }
    }
}
