import Foundation
import QueryMetrics
import SQLText
import WarehouseClient

/// Every finished query of a Redshift warehouse, each handed over once, with its whole text:
/// from `SYS_QUERY_HISTORY` and `SYS_QUERY_TEXT`, or on clusters without SYS views from
/// `STL_QUERY`, `STL_WLM_QUERY` and `STL_QUERYTEXT` (probed at the first run). The two families
/// number queries differently, so each keeps its own cursor in the state file.
final class RedshiftHistory: Sendable {
    private let sys: IncrementalReader
    private let stl: IncrementalReader
    private let known = RedshiftViews.Known()

    /// `key` names the cursor in the state file: `warehouse/collector`.
    init(window: HistoryWindow, state: StateStore, key: String) {
        sys = IncrementalReader(
            startSQL: Self.sysStartSQL, pageSQL: Self.sysPageSQL, rowsSQL: Self.sysRowsSQL, window: window, state: state, stateKey: key)
        stl = IncrementalReader(
            startSQL: Self.stlStartSQL, pageSQL: Self.stlPageSQL, rowsSQL: Self.stlRowsSQL, window: window, state: state, stateKey: key + "/stl")
    }

    /// The views this warehouse has, probed once.
    func views(_ context: CollectionContext) async throws -> RedshiftViews {
        try await known.views(context)
    }

    /// Hands each page of queries finished since the last read to `handle`.
    func read(_ context: CollectionContext, _ handle: ([FinishedQuery]) async throws -> Void) async throws {
        switch try await views(context) {
        case .sys:
            try await sys.read(context, prepare: { try await Self.sysQueries($0, context) }) { try await handle($0.compactMap { $0 }) }
        case .stl:
            try await stl.read(context, prepare: { try await Self.stlQueries($0, context) }) { try await handle($0.compactMap { $0 }) }
        }
    }

    // MARK: - SYS

    static let sysStartSQL = """
        SELECT to_char(max(end_time), 'YYYY-MM-DD HH24:MI:SS.US') AS latest
        FROM sys_query_history WHERE status IN ('success', 'failed', 'canceled')
        """

    /// One page after (`$1`, `$2`): the end time and query id of the last row read, and no more,
    /// since most of a page is the overlap read again.
    static let sysPageSQL = """
        SELECT q.query_id::bigint AS id, to_char(q.end_time, 'YYYY-MM-DD HH24:MI:SS.US') AS ended
        FROM sys_query_history q
        WHERE q.status IN ('success', 'failed', 'canceled') AND q.user_id > 1
          AND q.end_time >= $1::timestamp AND (q.end_time > $1::timestamp OR q.query_id > $2::bigint)
        ORDER BY q.end_time, q.query_id
        LIMIT $3
        """

    /// The columns of the queries not read before. The `char` columns come padded, trimmed as
    /// they are read.
    @Sendable static func sysRowsSQL(_ ids: String) -> String {
        """
        SELECT q.query_id::bigint AS id, q.database_name AS database, q.query_label AS label, q.query_type AS type, q.status AS status,
               to_char(q.end_time, 'YYYY-MM-DD HH24:MI:SS.US') AS ended,
               coalesce(q.elapsed_time, 0)::bigint AS elapsed, coalesce(q.queue_time, 0)::bigint AS queued,
               coalesce(q.execution_time, 0)::bigint AS executed, q.query_text AS text, u.usename AS username,
               q.session_id::bigint AS session
        FROM sys_query_history q LEFT JOIN pg_user u ON u.usesysid = q.user_id
        WHERE q.query_id IN (\(ids))
        """
    }

    /// The queries of a page, one per row (nil for a row without a readable end time).
    private static func sysQueries(_ rows: [Row], _ context: CollectionContext) async throws -> [FinishedQuery?] {
        let texts = try await wholeTexts(of: rows, view: "sys_query_text", id: "query_id", chunk: 4000, context)
        return try rows.map { row in
            let id = try row.int64("id")
            guard let ended = RedshiftTimestamp(try row.string("ended")) else { return nil }
            let status: QueryStatus = switch try row.unpadded("status") {
            case "success": .success
            case "canceled": .aborted
            default: .failed
            }
            return FinishedQuery(
                id: id, database: try row.unpadded("database"), label: try row.unpadded("label"), type: try row.unpadded("type").lowercased(),
                status: status, ended: ended, elapsedSeconds: Double(try row.int64("elapsed")) / 1_000_000,
                queueSeconds: Double(try row.int64("queued")) / 1_000_000, executionSeconds: Double(try row.int64("executed")) / 1_000_000,
                wholeText: texts[id], row: row, username: try row.unpadded("username"), session: try row.optionalInt64("session"))
        }
    }

    // MARK: - STL

    static let stlStartSQL = """
        SELECT to_char(max(endtime), 'YYYY-MM-DD HH24:MI:SS.US') AS latest FROM stl_query
        """

    static let stlPageSQL = """
        SELECT q.query::bigint AS id, to_char(q.endtime, 'YYYY-MM-DD HH24:MI:SS.US') AS ended
        FROM stl_query q
        WHERE q.userid > 1 AND q.endtime >= $1::timestamp AND (q.endtime > $1::timestamp OR q.query > $2::bigint)
        ORDER BY q.endtime, q.query
        LIMIT $3
        """

    @Sendable static func stlRowsSQL(_ ids: String) -> String {
        """
        SELECT q.query::bigint AS id, q.database AS database, q.label AS label, q.aborted::int AS aborted,
               to_char(q.starttime, 'YYYY-MM-DD HH24:MI:SS.US') AS started, to_char(q.endtime, 'YYYY-MM-DD HH24:MI:SS.US') AS ended,
               q.querytxt AS text, u.usename AS username, q.pid::bigint AS session
        FROM stl_query q LEFT JOIN pg_user u ON u.usesysid = q.userid
        WHERE q.query IN (\(ids))
        """
    }

    /// STL_QUERY has no durations of its own: the queue and execution times are STL_WLM_QUERY's
    /// (summed over a query's hops between queues), the elapsed time its start to its end.
    private static func stlQueries(_ rows: [Row], _ context: CollectionContext) async throws -> [FinishedQuery?] {
        guard !rows.isEmpty else { return [] }
        let texts = try await wholeTexts(of: rows, view: "stl_querytext", id: "query", chunk: 200, context)
        let list = try rows.map { String(try $0.int64("id")) }.joined(separator: ",")
        var wlm: [Int64: (queued: Int64, executed: Int64)] = [:]
        let times = """
             SELECT query::bigint AS id, coalesce(sum(total_queue_time), 0)::bigint AS queued,
                   coalesce(sum(total_exec_time), 0)::bigint AS executed
            FROM stl_wlm_query WHERE query IN (\(list)) GROUP BY query
            """
        for row in try await context.query(times).rows {
            wlm[try row.int64("id")] = (try row.int64("queued"), try row.int64("executed"))
        }
        return try rows.map { row in
            let id = try row.int64("id")
            guard let ended = RedshiftTimestamp(try row.string("ended")), let started = RedshiftTimestamp(try row.string("started")) else {
                return nil
            }
            let elapsed = Double(max(0, ended.microseconds - started.microseconds)) / 1_000_000
            let queued = Double(wlm[id]?.queued ?? 0) / 1_000_000
            return FinishedQuery(
                id: id, database: try row.unpadded("database"), label: try row.unpadded("label"), type: "",
                // STL_QUERY cannot tell a failed query from a cancelled one: both are aborted.
                status: try row.int64("aborted") == 1 ? .aborted : .success, ended: ended, elapsedSeconds: elapsed,
                queueSeconds: queued, executionSeconds: wlm[id].map { Double($0.executed) / 1_000_000 } ?? max(0, elapsed - queued),
                wholeText: texts[id], row: row, username: try row.unpadded("username"), session: try row.optionalInt64("session"))
        }
    }

    // MARK: - Whole texts

    /// Whether a stored text may have been cut: it fills its char(4000) column. Redshift counts
    /// the limit in bytes (the fixture, in characters), and a multibyte character can end a few
    /// bytes short of it, so the test is on bytes with that margin; a text it flags that was not
    /// cut only costs its chunks being read.
    static func atLimit(_ text: UnsafeBufferPointer<UInt8>?) -> Bool {
        // Any byte but a blank at or past the margin: only the last few bytes are looked at.
        guard let text, text.count > RedshiftQueryHistoryCollector.storedTextLimit - 4 else { return false }
        return text[(RedshiftQueryHistoryCollector.storedTextLimit - 4)...].contains { $0 != 0x20 }
    }

    /// The history view keeps the first 4000 bytes: the whole text of every query cut there,
    /// from its chunks in order, in one statement per page. Redshift's character(n) is n bytes, so
    /// a chunk of multibyte text ends where its bytes do, possibly inside a character: the chunks'
    /// bytes are joined, then read as UTF-8 once.
    static func wholeTexts(of rows: [Row], view: String, id: String, chunk: Int, _ context: CollectionContext) async throws -> [Int64: String] {
        let long = try rows.filter { row in try row.withBytes("text") { Self.atLimit($0) } }
            .map { String(try $0.int64("id")) }
        guard !long.isEmpty else { return [:] }
        let sql = "SELECT \(id)::bigint AS id, sequence::bigint AS sequence, text FROM \(view) WHERE \(id) IN (\(long.joined(separator: ","))) ORDER BY \(id), sequence"
        var bytes: [Int64: [UInt8]] = [:]
        for row in try await context.query(sql).rows {
            let part = try row.withBytes("text") { text in text.map { Array($0.prefix(chunk)) } ?? [] }
            bytes[try row.int64("id"), default: []] += part
        }
        return bytes.mapValues { text in
            // Every chunk but the last is full; the last is padded with blanks to its length.
            var end = text.count
            while end > 0 && text[end - 1] == 0x20 { end -= 1 }
            return String(decoding: text[..<end], as: UTF8.self)
        }
    }
}
