import Synchronization
import WarehouseClient

/// Reads the finished rows of a Redshift history view exactly once, across polls and restarts:
/// pages ordered by end time and query id, from the latest end time seen less an overlap window
/// (rows Redshift publishes late), skipping the ids already read within the window. The cursor is
/// kept in the state file; the first start begins at the latest finished row less the look-back
/// (at the beginning, when the view is empty).
///
/// With ``rowsSQL``, a page is only the rows' ids and end times, and the rest of the columns
/// (texts above all) are fetched for the rows not read before: each poll reads the whole overlap
/// window again, and that costs a few bytes a query rather than its text.
final class IncrementalReader: Sendable {
    /// Returns `latest`: the latest end time, as `YYYY-MM-DD HH24:MI:SS.US` text.
    let startSQL: String
    /// Takes the position to read after (`$1` end time, `$2` query id) and the page size (`$3`);
    /// returns `id` and `ended` (as text), and the caller's columns unless ``rowsSQL`` fetches
    /// them. Written as `end >= $1 AND (end > $1 OR id > $2)`, not
    /// `end > $1 OR (end = $1 AND id > $2)`: the first is a range on the end time (Redshift's zone
    /// maps skip older blocks, the fixture's index starts there), the second makes each page read
    /// everything after the position again.
    let pageSQL: String
    /// The caller's columns of the rows whose ids it is given (a comma-separated list), with `id`;
    /// nil when the page has them.
    let rowsSQL: (@Sendable (String) -> String)?
    let overlap: Double
    let lookback: Double
    let pageSize: Int
    let remembered: Int
    private let state: StateStore
    private let stateKey: String
    private let cursor = Mutex<QueryHistoryCursor?>(nil)
    /// The last write of the state file failed: the next run writes even an unchanged cursor.
    private let unwritten = Mutex(false)
    /// The overlap window held more queries than are remembered at the last page, as last logged.
    private let narrowed = Mutex(false)

    init(
        startSQL: String, pageSQL: String, rowsSQL: (@Sendable (String) -> String)? = nil, window: HistoryWindow, state: StateStore,
        stateKey: String
    ) {
        self.startSQL = startSQL
        self.pageSQL = pageSQL
        self.rowsSQL = rowsSQL
        self.overlap = window.overlap.seconds
        self.lookback = window.lookback.seconds
        self.pageSize = window.pageSize
        self.remembered = window.remembered
        self.state = state
        self.stateKey = stateKey
    }

    /// Reads what is new, handing each page's unread rows to `handle`, and saves the cursor.
    func read(_ context: CollectionContext, _ handle: ([Row]) async throws -> Void) async throws {
        try await read(context, prepare: { $0 }, handle: handle)
    }

    /// Reads what is new: the unread rows of each page (their columns fetched, with ``rowsSQL``)
    /// go through `prepare` (which may query the warehouse too: whole texts), and the prepared
    /// values to `handle`; the next page is fetched while `handle` works on this one, so the
    /// warehouse's time and the exporter's overlap.
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
        var read = QueryHistoryRead(initial, overlap: overlap, pageSize: pageSize, remembering: remembered)
        let (pageSQL, pageSize, rowsSQL) = (self.pageSQL, self.pageSize, self.rowsSQL)
        func fetch(after position: QueryHistoryCursor.Position) -> Task<[Row], any Error> {
            Task { try await context.query(pageSQL, [position.time.text, String(position.id), String(pageSize)]).rows }
        }
        var pending: Task<[Row], any Error>? = fetch(after: read.start)
        var preparing: Task<[Prepared], any Error>?
        do {
            while let page = pending {
                let rows = try await withTaskCancellationHandler { try await page.value } onCancel: { page.cancel() }
                pending = nil
                let keys = try rows.map { row in QueryHistoryRead.Row(id: try row.int64("id"), ended: RedshiftTimestamp(try row.string("ended"))) }
                let taken = read.take(keys)
                let fresh = taken.fresh.map { rows[$0] }
                // Submitted before the next page, so the connection runs it first.
                let work = Task { try await prepare(try await Self.columns(of: fresh, rowsSQL, context)) }
                preparing = work
                if let next = taken.next { pending = fetch(after: next) }
                let prepared = try await withTaskCancellationHandler { try await work.value } onCancel: { work.cancel() }
                preparing = nil
                try await handle(prepared)
                read.handed()
                noteNarrowing(read.narrowed, context)
                if pending != nil { try save(read.committed, over: loaded) }
            }
        } catch {
            // Never leave a statement running on the connection for the next collector.
            pending?.cancel()
            preparing?.cancel()
            _ = try? await pending?.value
            _ = try? await preparing?.value
            try? save(read.committed, over: loaded)
            throw error
        }
        try save(read.finished, over: loaded)
    }

    /// The rows with the caller's columns: as they are, or fetched by id in their order (a row gone
    /// from the view in between is passed over).
    private static func columns(of rows: [Row], _ rowsSQL: (@Sendable (String) -> String)?, _ context: CollectionContext) async throws -> [Row] {
        guard let rowsSQL, !rows.isEmpty else { return rows }
        let ids = try rows.map { try $0.int64("id") }
        var byID: [Int64: Row] = [:]
        for row in try await context.query(rowsSQL(ids.map(String.init).joined(separator: ","))).rows {
            byID[try row.int64("id")] = row
        }
        return ids.compactMap { byID[$0] }
    }

    /// Says once when the window starts holding more queries than are remembered, and once when it
    /// no longer does.
    private func noteNarrowing(_ now: Bool, _ context: CollectionContext) {
        guard narrowed.withLock({ state in defer { state = now }; return state != now }) else { return }
        if now {
            context.logger.warning(
                "more queries ended within the overlap window than the \(remembered) ids kept: the overlap is shortened to what they span, and a row Redshift publishes later than that is missed",
                metadata: ["cursor": "\(stateKey)"])
        } else {
            context.logger.info("the overlap window holds its full length again", metadata: ["cursor": "\(stateKey)"])
        }
    }

    private func save(_ cursor: QueryHistoryCursor?, over previous: QueryHistoryCursor?) throws {
        guard let cursor else { return }
        self.cursor.withLock { $0 = cursor }
        guard cursor != previous || unwritten.withLock({ $0 }) else { return }
        let written = try state.save(cursor, key: stateKey)
        unwritten.withLock { $0 = !written }
    }
}
