/// One read of a history view through its ``QueryHistoryCursor``, page by page, as a value with no
/// warehouse behind it: which rows of each page are new, where the next page starts, and which
/// cursor to keep. ``IncrementalReader`` fetches the pages and hands the new rows over; this
/// decides.
///
/// A read starts after ``start``; each page, in the view's order (end time, then query id), goes
/// through ``take(_:)``, and once its new rows are handed over, ``handed()``. A failure keeps
/// ``committed`` (the pages handed over); a read to the end keeps ``finished``.
struct QueryHistoryRead: Equatable, Sendable {
    /// A row of a page, as far as the cursor is concerned.
    struct Row: Equatable, Sendable {
        var id: Int64
        /// The row's end time; nil when it cannot be read, and then the row is passed over.
        var ended: RedshiftTimestamp?
    }

    /// What a page brings.
    struct Page: Equatable, Sendable {
        /// The indices of the page's rows not read before, in order.
        var fresh: [Int]
        /// The position the next page is read after (the page's last readable row); nil when the
        /// page was not full, or held no readable row: the read is over.
        var next: QueryHistoryCursor.Position?
    }

    let overlap: Double
    let pageSize: Int
    /// The most query ids the cursor keeps (``QueryHistoryCursor/prune(overlap:remembering:)``).
    let remembering: Int
    /// Whether the last page handed over held more queries in the window than are remembered.
    private(set) var narrowed = false
    /// The cursor as of the pages handed over: what a read that fails keeps.
    private(set) var committed: QueryHistoryCursor
    /// The cursor with the page being handed over taken too.
    private(set) var working: QueryHistoryCursor

    init(_ cursor: QueryHistoryCursor, overlap: Double, pageSize: Int, remembering: Int = HistoryWindow.defaultRemembered) {
        self.overlap = overlap
        self.pageSize = pageSize
        self.remembering = remembering
        committed = cursor
        working = cursor
    }

    /// The position the first page is read after.
    var start: QueryHistoryCursor.Position {
        working.readStart(overlap: overlap)
    }

    /// Takes a page of rows as read: the ids not seen before are remembered, with their end time,
    /// and the latest end time moves up to theirs.
    mutating func take(_ rows: [Row]) -> Page {
        var fresh: [Int] = []
        for (index, row) in rows.enumerated() {
            guard let ended = row.ended else { continue }
            guard working.seen[row.id] == nil else { continue }
            working.seen[row.id] = ended
            working.high = max(working.high, ended)
            fresh.append(index)
        }
        return Page(fresh: fresh, next: Self.next(after: rows, limit: pageSize))
    }

    /// Where the page after `rows` starts, read with `limit`: after its last readable row when it
    /// was full (rows may follow), nil when it was not, or held no readable row.
    static func next(after rows: [Row], limit: Int) -> QueryHistoryCursor.Position? {
        guard rows.count == limit, let last = rows.last(where: { $0.ended != nil }), let ended = last.ended else { return nil }
        return QueryHistoryCursor.Position(time: ended, id: last.id)
    }

    /// The last page's new rows were handed over: what it took is kept even if a later page fails.
    mutating func handed() {
        // Saved with each page: kept to one window of ids, so a long catch-up writes a bounded
        // cursor each time rather than every id it has read.
        narrowed = working.prune(overlap: overlap, remembering: remembering)
        committed = working
    }

    /// The cursor once the last page is handed over, the ids that ended before the window
    /// forgotten.
    var finished: QueryHistoryCursor {
        var cursor = working
        cursor.prune(overlap: overlap, remembering: remembering)
        return cursor
    }
}
