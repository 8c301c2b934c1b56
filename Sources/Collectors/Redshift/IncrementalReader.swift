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

    /// Reads what is new, handing each page's unread rows to `handle`, and saves the cursor.
    func read(_ context: CollectionContext, _ handle: ([Row]) async throws -> Void) async throws {
        var current = cursor.withLock { $0 } ?? state.load(QueryHistoryCursor.self, key: stateKey)
        if current == nil {
            guard let latest = try await context.query(startSQL).rows.first?.text("latest"), let high = RedshiftTimestamp(latest) else {
                return  // no history yet
            }
            let start = high.adding(seconds: -lookback)
            current = QueryHistoryCursor(high: start, floor: start, seen: [:])
        }
        guard var cursor = current else { return }
        var after = cursor.readStart(overlap: overlap)
        while true {
            let rows = try await context.query(pageSQL, [after.time.text, String(after.id), String(pageSize)]).rows
            var fresh: [Row] = []
            for row in rows {
                let id = try row.int64("id")
                guard let ended = RedshiftTimestamp(try row.string("ended")) else { continue }
                after = (ended, id)
                guard cursor.seen[id] == nil else { continue }
                cursor.seen[id] = ended
                cursor.high = max(cursor.high, ended)
                fresh.append(row)
            }
            try await handle(fresh)
            if rows.count < pageSize { break }
        }
        cursor.prune(overlap: overlap)
        self.cursor.withLock { $0 = cursor }
        if cursor != current { try state.save(cursor, key: stateKey) }
    }
}
