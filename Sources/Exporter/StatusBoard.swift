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

    private let entries: Mutex<[Key: Entry]>
    private let expected: Set<Key>

    /// `expected` lists every (warehouse, collector) pair that must run once before the exporter is ready.
    init(expected: [Key]) {
        self.expected = Set(expected)
        self.entries = Mutex(Dictionary(expected.map { ($0, Entry()) }, uniquingKeysWith: { first, _ in first }))
    }

    /// Records one run; `error` is nil when it succeeded.
    func record(warehouse: String, collector: String, error: String?, at time: Double) {
        entries.withLock { entries in
            let key = Key(warehouse: warehouse, collector: collector)
            var entry = entries[key, default: Entry()]
            entry.runs += 1
            if let error {
                entry.lastError = error
                entry.lastErrorAt = time
            } else {
                entry.lastSuccess = time
                entry.lastError = nil
            }
            entries[key] = entry
        }
    }

    public func entry(warehouse: String, collector: String) -> Entry? {
        entries.withLock { $0[Key(warehouse: warehouse, collector: collector)] }
    }

    /// True once every warehouse's health check and collectors have run at least once, so the
    /// first scrape after start-up sees real values rather than an empty page.
    public var isReady: Bool {
        entries.withLock { entries in expected.allSatisfy { (entries[$0]?.runs ?? 0) > 0 } }
    }
}
