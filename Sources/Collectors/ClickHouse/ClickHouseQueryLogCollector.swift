public import QueryMetrics
public import SQLText
import Foundation
import Synchronization
import WarehouseClient

/// Every finished query of a ClickHouse server, observed exactly once into the query families,
/// from `system.query_log`: its context from the annotations in its text and in its `log_comment`,
/// else the client's name (the first product of `http_user_agent`, else of `client_name`), else
/// `unknown`; its duration `query_duration_ms`; success, or by `exception_code` aborted (394, a
/// cancelled query) or failed (any other: 159 a timeout, 241 out of memory); the tables it read
/// and wrote as the server resolved them (`tables`, `query_kind`), the rows an INSERT wrote, and,
/// with a price, its CPU time's cost.
///
/// Incremental as Redshift's `query_history` is: each poll reads the rows that ended since the
/// latest end time seen, less an overlap window, which covers the server's flush delay (rows reach
/// the table every `flush_interval_milliseconds`, 7.5 s by default, so they appear out of order),
/// in pages ordered by end time and key, each within a time slice, and drops the keys already
/// counted. The cursor is saved in the state file after each page; the first start begins at the
/// server's clock.
///
/// The exporter's own statements are those that carry its annotation *and* ran as the user it
/// logs in as (ClickHouse records no session the exporter could register).
public final class ClickHouseQueryLogCollector: ClickHouseCollector {
    public struct Options: Sendable, Equatable {
        public var window: HistoryWindow
        /// What the server costs an hour; each query is charged its CPU time at that rate.
        public var dollarsPerHour: Double?
        /// The cluster whose every replica's log is read; nil for the connected server's.
        public var cluster: String?
        /// The table read: `system.query_log`, or a table of the same columns (`database.table`)
        /// holding a copy of it, for a benchmark or a replay.
        public var source: String

        public init(
            window: HistoryWindow = HistoryWindow(), dollarsPerHour: Double? = nil, cluster: String? = nil, source: String = "system.query_log"
        ) {
            self.window = window
            self.dollarsPerHour = dollarsPerHour
            self.cluster = cluster
            self.source = source
        }
    }

    public let name = "query_log"
    private let options: Options
    private let recorder: QueryRecorder
    private let analyzer: SQLAnalyzer
    private let state: StateStore
    private let stateKey: String
    private let columns = Mutex<QueryLogColumns?>(nil)
    /// The time slice a page of a backlog reads first, in microseconds: it then doubles after a
    /// slice that held less than a page, and halves after one that held more.
    let firstSlice: Int64
    private let cursor = Mutex<QueryHistoryCursor?>(nil)
    private let lag = Mutex<Double?>(nil)

    public var lagSeconds: Double? { lag.withLock { $0 } }

    public convenience init(options: Options, warehouse: String, recorder: QueryRecorder, rules: AnnotationRules, state: StateStore) {
        self.init(options: options, warehouse: warehouse, recorder: recorder, rules: rules, state: state, firstSlice: .seconds(60))
    }

    init(options: Options, warehouse: String, recorder: QueryRecorder, rules: AnnotationRules, state: StateStore, firstSlice: Duration) {
        self.firstSlice = firstSlice.microseconds
        self.options = options
        self.recorder = recorder
        // ClickHouse's string literals take backslash escapes, as Redshift's do.
        self.analyzer = SQLAnalyzer(dialect: .redshift, rules: rules)
        self.state = state
        self.stateKey = "\(warehouse)/query_log"
    }

    public func collect(_ context: ClickHouseContext) async throws {
        // The probe first: a server too old for the collector says so before anything else fails.
        let columns = try await probe(context)
        let initial: QueryHistoryCursor
        if let known = cursor.withLock({ $0 }) ?? state.load(QueryHistoryCursor.self, key: stateKey) {
            initial = known
        } else {
            initial = QueryHistoryCursor(startingAt: try await serverNow(context).adding(seconds: -options.window.lookback.seconds))
            try save(initial)
        }
        guard let columns else {
            // No query_log yet: it appears at the server's first flush, and the cursor is ready.
            lag.withLock { $0 = 0 }
            return
        }
        let window = options.window
        var read = QueryHistoryRead(initial, overlap: window.overlap.seconds, pageSize: window.pageSize, remembering: window.remembered)
        var position = read.start
        var oldest: Int64?
        // A backlog is read in time slices, each sorted alone; the slice adapts to hold about a
        // page. The last one, reaching now, has no end: nothing that ended is left out.
        var slice = firstSlice
        let reading = Int64(Date().timeIntervalSince1970 * 1_000_000)
        do {
            while true {
                let end = position.time.microseconds + slice
                let until = end < reading ? end : nil
                // Past the latest end counted before, every row is new: the page brings the rows
                // whole, in one statement. Before it (the overlap window read again), ids first,
                // and the rest of the rows not counted yet only.
                let whole = position.time >= read.working.high
                let rows = try await context.query(columns.pageSQL(after: position, until: until, limit: window.pageSize, whole: whole)).rows
                let keys = try rows.map { row in
                    QueryHistoryRead.Row(id: try row.int64("id"), ended: RedshiftTimestamp(microseconds: try row.int64("ended")))
                }
                let taken = read.take(keys)
                let fresh = taken.fresh.map { keys[$0] }
                if whole {
                    for index in taken.fresh where try observe(rows[index], columns, context) {
                        oldest = min(oldest ?? Int64.max, try rows[index].int64("ended"))
                    }
                } else if let first = fresh.first, let last = fresh.last {
                    let sql = columns.rowsSQL(
                        ids: fresh.map(\.id), low: first.ended?.microseconds ?? 0, high: last.ended?.microseconds ?? 0)
                    var byID: [Int64: Row] = [:]
                    for row in try await context.query(sql).rows { byID[try row.int64("id"), default: row] = row }
                    for key in fresh {
                        guard let row = byID[key.id], try observe(row, columns, context) else { continue }
                        oldest = min(oldest ?? Int64.max, try row.int64("ended"))
                    }
                }
                read.handed()
                try save(read.committed)
                if let next = taken.next {
                    position = next
                    if until != nil { slice = max(slice / 2, 1000) }
                } else if let until {
                    // The slice is read to its end: on past it, in a longer one.
                    position = QueryHistoryCursor.Position(time: RedshiftTimestamp(microseconds: until), id: .max)
                    slice = min(slice * 2, Self.longestSlice)
                } else {
                    break
                }
            }
        } catch {
            try? save(read.committed)
            throw error
        }
        try save(read.finished)
        let now = Date().timeIntervalSince1970
        lag.withLock { $0 = oldest.map { max(0, now - Double($0) / 1_000_000) } ?? 0 }
    }

    /// The columns of `system.query_log`, probed once it exists; nil while it does not.
    private func probe(_ context: ClickHouseContext) async throws -> QueryLogColumns? {
        if let known = columns.withLock({ $0 }) { return known }
        let names = try await context.query(QueryLogColumns.probeSQL(source: options.source)).rows.map { try $0.string("name") }
        let probed = try QueryLogColumns(
            names: Set(names), serverVersion: context.connection.serverVersion, cluster: options.cluster, source: options.source)
        columns.withLock { $0 = probed }
        return probed
    }

    private func serverNow(_ context: ClickHouseContext) async throws -> RedshiftTimestamp {
        guard let row = try await context.query(QueryLogColumns.nowSQL).rows.first else {
            throw WarehouseError(.decoding, "now64() gave no row")
        }
        return RedshiftTimestamp(microseconds: try row.int64("now"))
    }

    /// A week, in microseconds: past it, a slice grows no longer.
    static let longestSlice: Int64 = 7 * 86_400 * 1_000_000

    /// Counts the query unless it is the exporter's own; returns whether it did.
    private func observe(_ row: Row, _ columns: QueryLogColumns, _ context: ClickHouseContext) throws -> Bool {
        let query = try row.string("query")
        let analysis = analyzer.analyze(ClickHouseAttribution.text(query: query, comment: try row.string("comment")))
        let user = try row.string("user")
        let attribution = ClickHouseAttribution.attribution(
            analysis.context, userAgent: try row.string("http_user_agent"), clientName: try row.string("client_name"), user: user)
        guard !OwnStatements.contains(attribution, ranAsExportersRole: user == context.connection.user) else { return false }
        let code = try row.int64("exception_code")
        let status: QueryStatus = code == 0 ? .success : code == Int64(ClickHouseCode.queryWasCancelled) ? .aborted : .failed
        let database = try row.string("current_database")
        var record = QueryRecord(
            warehouse: context.warehouse, database: database, attribution: attribution, queryType: analysis.queryType,
            status: status, durationSeconds: Double(try row.int64("query_duration_ms")) / 1000, fingerprint: analysis.fingerprint)
        record.queryID = try row.string("query_id")
        record.traceID = analysis.traceID
        record.endedAt = Double(try row.int64("ended")) / 1_000_000
        if attribution.isUnattributed { record.shape = analyzer.shape(of: query, limit: UnattributedStatement.shapeLimit) }
        if let rate = options.dollarsPerHour { record.costDollars = Double(try row.int64("cpu_microseconds")) / 1_000_000 * rate / 3600 }
        if status == .success {
            if columns.hasTables {
                let touched = Self.tables(try row.string("tables"))
                let kind = try row.string("query_kind")
                let written = Self.written(touched, kind: kind, named: analysis.tables.written, database: database)
                record.tablesRead = touched.filter { !written.contains($0) }
                record.tablesWritten = written
                let rows = try row.int64("written_rows")
                if kind == "Insert", written.count == 1, rows > 0 {
                    record.rowsWritten = [RowsWritten(table: written[0], operation: "insert", rows: Double(rows))]
                }
            } else {
                record.tablesRead = analysis.tables.read
                record.tablesWritten = analysis.tables.written
            }
        }
        recorder.observe(record)
        return true
    }

    /// The data tables among `db.table` names, one per line, as `query_log.tables` lists them
    /// (exact case, the database always named): the server's own (`system`,
    /// `information_schema`) and table functions (`_table_function.numbers`) are not data.
    static func tables(_ list: String) -> [TableName] {
        list.split(separator: "\n").compactMap { entry in
            let parts = entry.split(separator: ".", maxSplits: 1)
            guard parts.count == 2 else { return nil }
            let database = String(parts[0])
            guard !["system", "information_schema", "INFORMATION_SCHEMA", "_table_function"].contains(database) else { return nil }
            return TableName(schema: database, name: String(parts[1]))
        }
    }

    /// Which of the tables a statement touched it wrote: those its text writes (the text's names
    /// folded as PostgreSQL folds them, an unqualified one in the statement's database), else,
    /// for an INSERT that touched one table, that table. The rest it read.
    static func written(_ touched: [TableName], kind: String, named: [TableName], database: String) -> [TableName] {
        guard kind != "Select" else { return [] }
        let targets = Set(named.map { TableKey(schema: ($0.schema ?? database).lowercased(), name: $0.name.lowercased()) })
        let written = touched.filter { targets.contains(TableKey(schema: ($0.schema ?? database).lowercased(), name: $0.name.lowercased())) }
        return written.isEmpty && kind == "Insert" && touched.count == 1 ? touched : written
    }

    private struct TableKey: Hashable {
        var schema: String
        var name: String
    }

    private func save(_ value: QueryHistoryCursor) throws {
        let changed = cursor.withLock { current in
            defer { current = value }
            return current != value
        }
        if changed { try state.save(value, key: stateKey) }
    }
}
