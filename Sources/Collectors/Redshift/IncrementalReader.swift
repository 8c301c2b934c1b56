import Synchronization
import WarehouseClient

/// Reads the finished rows of a Redshift history view exactly once, across polls and restarts:
/// pages ordered by end time and query id, from the latest end time seen less an overlap window
/// (rows Redshift publishes late), skipping the ids already read within the window. The cursor is
/// kept in the state file; the first start begins at the latest finished row less the look-back.
final class IncrementalReader: Sendable {
    /// Returns `latest`: the latest end time, as `YYYY-MM-DD HH24:MI:SS.US` text.
    let startSQL: String
    /// Takes the position to read after (`$1` end time, `$2` query id) and the page size (`$3`);
    /// returns `id` and `ended` (as text) with the caller's columns.
    let pageSQL: String
    let overlap: Double
    let lookback: Double
    let pageSize: Int
    private let state: StateStore
    private let stateKey: String
    private let cursor = Mutex<QueryHistoryCursor?>(nil)

    init(startSQL: String, pageSQL: String, overlap: Duration, lookback: Duration, pageSize: Int, state: StateStore, stateKey: String) {
        self.startSQL = startSQL
        self.pageSQL = pageSQL
        self.overlap = overlap.seconds
        self.lookback = lookback.seconds
        self.pageSize = pageSize
        self.state = state
        self.stateKey = stateKey
    }

    /// A reader with a collector's overlap, look-back and page size.
    convenience init(startSQL: String, pageSQL: String, options: RedshiftQueryHistoryCollector.Options, state: StateStore, stateKey: String) {
        self.init(
            startSQL: startSQL, pageSQL: pageSQL, overlap: options.overlap, lookback: options.lookback, pageSize: options.pageSize,
            state: state, stateKey: stateKey)
    }

    /// Reads what is new, handing each page's unread rows to `handle`, and saves the cursor.
    ///
    /// The cursor moves past a page only once `handle` has taken it, and what was taken is saved
    /// even when a later page fails: a failure in the middle of a poll neither counts a row twice
    /// nor loses one.
    func read(_ context: CollectionContext, _ handle: ([Row]) async throws -> Void) async throws {
        let loaded = cursor.withLock { $0 } ?? state.load(QueryHistoryCursor.self, key: stateKey)
        var committed = loaded
        if committed == nil {
            guard let latest = try await context.query(startSQL).rows.first?.text("latest"), let high = RedshiftTimestamp(latest) else {
                return  // no history yet
            }
            let start = high.adding(seconds: -lookback)
            committed = QueryHistoryCursor(high: start, floor: start, seen: [:])
        }
        guard var working = committed else { return }
        var after = working.readStart(overlap: overlap)
        do {
            while true {
                let rows = try await context.query(pageSQL, [after.time.text, String(after.id), String(pageSize)]).rows
                var fresh: [Row] = []
                for row in rows {
                    let id = try row.int64("id")
                    guard let ended = RedshiftTimestamp(try row.string("ended")) else { continue }
                    after = (ended, id)
                    guard working.seen[id] == nil else { continue }
                    working.seen[id] = ended
                    working.high = max(working.high, ended)
                    fresh.append(row)
                }
                try await handle(fresh)
                committed = working
                if rows.count < pageSize { break }
            }
        } catch {
            try? save(committed, over: loaded)
            throw error
        }
        working.prune(overlap: overlap)
        try save(working, over: loaded)
    }

    private func save(_ cursor: QueryHistoryCursor?, over previous: QueryHistoryCursor?) throws {
        guard let cursor else { return }
        self.cursor.withLock { $0 = cursor }
        if cursor != previous { try state.save(cursor, key: stateKey) }
    }
}
