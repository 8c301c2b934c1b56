import Synchronization
import WarehouseClient

/// Reads the finished rows of a Redshift history view exactly once, across polls and restarts:
/// pages ordered by end time and query id, from the latest end time seen less an overlap window
/// (rows Redshift publishes late), skipping the ids already read within the window. The cursor is
/// kept in the state file; the first start begins at the latest finished row less the look-back
/// (at the beginning, when the view is empty).
final class IncrementalReader: Sendable {
    /// Returns `latest`: the latest end time, as `YYYY-MM-DD HH24:MI:SS.US` text.
    let startSQL: String
    /// Takes the position to read after (`$1` end time, `$2` query id) and the page size (`$3`);
    /// returns `id` and `ended` (as text) with the caller's columns. Written as
    /// `end >= $1 AND (end > $1 OR id > $2)`, not `end > $1 OR (end = $1 AND id > $2)`: the first
    /// is a range on the end time (Redshift's zone maps skip older blocks, the fixture's index
    /// starts there), the second makes each page read everything after the position again.
    let pageSQL: String
    let overlap: Double
    let lookback: Double
    let pageSize: Int
    private let state: StateStore
    private let stateKey: String
    private let cursor = Mutex<QueryHistoryCursor?>(nil)
    /// The last write of the state file failed: the next run writes even an unchanged cursor.
    private let unwritten = Mutex(false)

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
    convenience init(startSQL: String, pageSQL: String, window: HistoryWindow, state: StateStore, stateKey: String) {
        self.init(
            startSQL: startSQL, pageSQL: pageSQL, overlap: window.overlap, lookback: window.lookback, pageSize: window.pageSize,
            state: state, stateKey: stateKey)
    }

    /// Reads what is new, handing each page's unread rows to `handle`, and saves the cursor.
    func read(_ context: CollectionContext, _ handle: ([Row]) async throws -> Void) async throws {
        try await read(context, prepare: { $0 }, handle: handle)
    }

    /// Reads what is new: each page goes through `prepare` (which may query the warehouse too:
    /// whole texts) as soon as it arrives, and the prepared values of its unread rows to `handle`;
    /// the next page is fetched and prepared while `handle` works on this one, so the warehouse's
    /// time and the exporter's overlap.
    ///
    /// The cursor moves past a page only once `handle` has taken it, and is saved then: a failure
    /// in the middle of a poll neither counts a row twice nor loses one, and a process killed in
    /// the middle of a long catch-up counts at most the page it was handling again.
    func read<Prepared: Sendable>(
        _ context: CollectionContext, prepare: @escaping @Sendable ([Row]) async throws -> [Prepared],
        handle: ([Prepared]) async throws -> Void
    ) async throws {
        let loaded = cursor.withLock { $0 } ?? state.load(QueryHistoryCursor.self, key: stateKey)
        let initial: QueryHistoryCursor
        if let loaded {
            initial = loaded
        } else if let latest = try await context.query(startSQL).rows.first?.text("latest") {
            guard let high = RedshiftTimestamp(latest) else { return }
            initial = QueryHistoryCursor(startingAt: high.adding(seconds: -lookback))
        } else {
            // No history at all: there is nothing to skip, and whatever appears next is new.
            initial = QueryHistoryCursor(startingAt: RedshiftTimestamp(microseconds: 0))
        }
        // Which rows are new and where each page starts is `QueryHistoryRead`'s to say.
        var read = QueryHistoryRead(initial, overlap: overlap, pageSize: pageSize)
        let (pageSQL, pageSize) = (self.pageSQL, self.pageSize)
        func fetch(after position: QueryHistoryCursor.Position) -> Task<([Row], [Prepared]), any Error> {
            Task {
                let rows = try await context.query(pageSQL, [position.time.text, String(position.id), String(pageSize)]).rows
                return (rows, try await prepare(rows))
            }
        }
        var pending: Task<([Row], [Prepared]), any Error>? = fetch(after: read.start)
        do {
            while let page = pending {
                let (rows, prepared) = try await withTaskCancellationHandler { try await page.value } onCancel: { page.cancel() }
                pending = nil
                let keys = try zip(rows, prepared).map { row, _ in
                    QueryHistoryRead.Row(id: try row.int64("id"), ended: RedshiftTimestamp(try row.string("ended")))
                }
                let taken = read.take(keys)
                if let next = taken.next { pending = fetch(after: next) }
                try await handle(taken.fresh.map { prepared[$0] })
                read.handed()
                if pending != nil { try save(read.committed, over: loaded) }
            }
        } catch {
            // Never leave a statement running on the connection for the next collector.
            pending?.cancel()
            _ = try? await pending?.value
            try? save(read.committed, over: loaded)
            throw error
        }
        try save(read.finished, over: loaded)
    }

    private func save(_ cursor: QueryHistoryCursor?, over previous: QueryHistoryCursor?) throws {
        guard let cursor else { return }
        self.cursor.withLock { $0 = cursor }
        guard cursor != previous || unwritten.withLock({ $0 }) else { return }
        let written = try state.save(cursor, key: stateKey)
        unwritten.withLock { $0 = !written }
    }
}
