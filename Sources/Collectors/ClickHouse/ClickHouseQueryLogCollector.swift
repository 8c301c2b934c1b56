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
        // A backlog is read in time slices, each sorted alone; the slice adapts to hold about what
        // one statement brings. The last one, reaching now, has no end: nothing that ended is left out.
        var slice = firstSlice
        // Rows past every end counted before come whole, as many to a statement as fit in
        // `statementBytes` by the size of the rows of the last one (a statement costs the server
        // a sort and a fixed price of its own); they are handed over a page at a time.
        var wholeLimit = window.pageSize
        var shapes: [Shape: ShapeAnalysis] = [:]
        let reading = Int64(Date().timeIntervalSince1970 * 1_000_000)
        // The statement that reads after `position`: past the latest end counted before, every row
        // is new and the page brings the rows whole; before it (the overlap window read again),
        // ids first, and the rest of the rows not counted yet only.
        func statement() -> (sql: String, until: Int64?, limit: Int, whole: Bool) {
            let end = position.time.microseconds + slice
            let until = end < reading ? end : nil
            let whole = position.time >= read.working.high
            let limit = whole ? wholeLimit : window.pageSize
            return (columns.pageSQL(after: position, until: until, limit: limit, whole: whole), until, limit, whole)
        }
        do {
            // At most one statement is in flight. Where a statement of whole rows ends decides where
            // the next starts, so the next is sent before this one's rows are observed: the server
            // works on it meanwhile. After whole rows the next brings whole rows too (its start is
            // past every end this one counted); after a re-read one it waits for its ids to be taken.
            try await withThrowingTaskGroup(of: QueryResult.self) { statements in
                var current = statement()
                statements.addTask { [sql = current.sql] in try await context.query(sql) }
                while let result = try await statements.next() {
                    let rows = result.rows
                    let (idAt, endedAt) = (try result.position(of: "id"), try result.position(of: "ended"))
                    let keys = try rows.map { row in
                        QueryHistoryRead.Row(id: try row.int64(at: idAt), ended: RedshiftTimestamp(microseconds: try row.int64(at: endedAt)))
                    }
                    // A full statement leaves rows after its last: the next reads on from there.
                    var done = false
                    if let next = QueryHistoryRead.next(after: keys, limit: current.limit) {
                        position = next
                        if current.until != nil { slice = max(slice / 2, 1000) }
                    } else if let until = current.until {
                        // The slice is read to its end: on past it, in a longer one.
                        position = QueryHistoryCursor.Position(time: RedshiftTimestamp(microseconds: until), id: .max)
                        slice = min(slice * 2, Self.longestSlice)
                    } else {
                        done = true
                    }
                    if current.whole {
                        let rowBytes = max(1, (result.byteCount ?? 0) / max(1, rows.count))
                        wholeLimit = min(window.pageSize * Self.pagesPerStatement, max(window.pageSize, Self.statementBytes / rowBytes))
                    }
                    let previous = current
                    if current.whole, !done {
                        current = statement()
                        statements.addTask { [sql = current.sql] in try await context.query(sql) }
                    }
                    if previous.whole {
                        let at = try RecordColumns(result)
                        for start in stride(from: 0, to: max(keys.count, 1), by: window.pageSize) {
                            let page = start..<min(start + window.pageSize, keys.count)
                            for index in read.take(Array(keys[page])).fresh.map({ $0 + start })
                            where try observe(rows[index], at, columns, context, &shapes) {
                                oldest = min(oldest ?? Int64.max, keys[index].ended?.microseconds ?? .max)
                            }
                            read.handed()
                            try save(read.committed)
                        }
                    } else {
                        let fresh = read.take(keys).fresh.map { keys[$0] }
                        if let first = fresh.first, let last = fresh.last {
                            let sql = columns.rowsSQL(
                                ids: fresh.map(\.id), low: first.ended?.microseconds ?? 0, high: last.ended?.microseconds ?? 0)
                            let records = try await context.query(sql)
                            let at = try RecordColumns(records)
                            var byID: [Int64: Row] = [:]
                            for row in records.rows { byID[try row.int64(at: at.id), default: row] = row }
                            for key in fresh {
                                guard let row = byID[key.id], try observe(row, at, columns, context, &shapes) else { continue }
                                oldest = min(oldest ?? Int64.max, try row.int64(at: at.ended))
                            }
                        }
                        read.handed()
                        try save(read.committed)
                        if !done {
                            current = statement()
                            statements.addTask { [sql = current.sql] in try await context.query(sql) }
                        }
                    }
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

    /// What a statement of whole rows may bring, judged by the rows of the last one, and the most
    /// pages it takes however small they are.
    static let statementBytes = 16 << 20
    static let pagesPerStatement = 10

    /// A week, in microseconds: past it, a slice grows no longer.
    static let longestSlice: Int64 = 7 * 86_400 * 1_000_000

    /// Where the columns a record is made of are in a result: looked up once a page, not once a value.
    private struct RecordColumns {
        let id, ended, exceptionCode, duration, user, database, query, comment, userAgent, clientName, queryID, cpu, tables, kind, shapeHash: Int
        let readRows, readBytes, writtenRows, writtenBytes, memory, spilled: Int

        init(_ result: QueryResult) throws(WarehouseError) {
            id = try result.position(of: "id")
            ended = try result.position(of: "ended")
            exceptionCode = try result.position(of: "exception_code")
            duration = try result.position(of: "query_duration_ms")
            user = try result.position(of: "user")
            database = try result.position(of: "current_database")
            query = try result.position(of: "query")
            comment = try result.position(of: "comment")
            userAgent = try result.position(of: "http_user_agent")
            clientName = try result.position(of: "client_name")
            queryID = try result.position(of: "query_id")
            readRows = try result.position(of: "read_rows")
            readBytes = try result.position(of: "read_bytes")
            writtenRows = try result.position(of: "written_rows")
            writtenBytes = try result.position(of: "written_bytes")
            memory = try result.position(of: "memory_usage")
            spilled = try result.position(of: "spilled_bytes")
            cpu = try result.position(of: "cpu_microseconds")
            tables = try result.position(of: "tables")
            kind = try result.position(of: "query_kind")
            shapeHash = try result.position(of: "shape_hash")
        }
    }

    /// What the text of a statement gives that its shape decides, kept for the statements of that
    /// shape after it: the server's `normalized_query_hash` (literals and comments left out) over
    /// the same tables, of the same kind, in the same database. Only the annotations are read
    /// again for each, from its comments alone.
    private struct Shape: Hashable {
        let hash: Int64
        let tables: String
        let kind: String
        let database: String
    }

    private struct ShapeAnalysis {
        let fingerprint: Fingerprint
        let queryType: String
        let tablesRead: [TableName]
        let tablesWritten: [TableName]
        /// Set the first time a statement of the shape is unattributed.
        var text: String?
    }

    /// The shapes of one poll, at most this many: a backlog of literal variants of a few hundred
    /// statements is analysed a few hundred times, not once a row.
    static let shapesRemembered = 10_000

    /// Counts the query unless it is the exporter's own; returns whether it did.
    private func observe(
        _ row: Row, _ at: RecordColumns, _ columns: QueryLogColumns, _ context: ClickHouseContext, _ shapes: inout [Shape: ShapeAnalysis]
    ) throws -> Bool {
        let database = try row.string(at: at.database)
        let code = try row.int64(at: at.exceptionCode)
        let status: QueryStatus = code == 0 ? .success : code == Int64(ClickHouseCode.queryWasCancelled) ? .aborted : .failed
        // Without the server's `tables` and `query_kind` (older servers) both are "", and the shape hash 0.
        let (tables, kind) = (try row.string(at: at.tables), try row.string(at: at.kind))
        let hash = try row.int64(at: at.shapeHash)
        let shape = hash == 0 ? nil : Shape(hash: hash, tables: tables, kind: kind, database: database)
        let annotated: AnnotatedContext
        var analysis: ShapeAnalysis
        if let shape, let known = shapes[shape] {
            annotated = withText(row, at) { analyzer.context(ofUTF8: $0) }
            analysis = known
        } else {
            let full = withText(row, at) { analyzer.analyze(utf8: $0) }
            annotated = full.annotated
            var (read, written) = (full.tables.read, full.tables.written)
            if columns.hasTables {
                let touched = Self.tables(tables)
                written = Self.written(touched, kind: kind, named: full.tables.written, database: database)
                read = touched.filter { !written.contains($0) }
            }
            analysis = ShapeAnalysis(fingerprint: full.fingerprint, queryType: full.queryType, tablesRead: read, tablesWritten: written)
            if let shape {
                if shapes.count >= Self.shapesRemembered { shapes.removeAll(keepingCapacity: true) }
                shapes[shape] = analysis
            }
        }
        let user = try row.string(at: at.user)
        let attribution = ClickHouseAttribution.attribution(
            annotated.context, userAgent: try row.string(at: at.userAgent), clientName: try row.string(at: at.clientName), user: user)
        guard !OwnStatements.contains(attribution, ranAsExportersRole: user == context.connection.user) else { return false }
        var record = QueryRecord(
            warehouse: context.warehouse, database: database, attribution: attribution, queryType: analysis.queryType,
            status: status, durationSeconds: Double(try row.int64(at: at.duration)) / 1000, fingerprint: analysis.fingerprint)
        record.queryID = try row.string(at: at.queryID)
        record.traceID = annotated.traceID
        record.endedAt = Double(try row.int64(at: at.ended)) / 1_000_000
        if attribution.isUnattributed {
            if analysis.text == nil {
                analysis.text = row.withBytes(at: at.query) {
                    analyzer.shape(utf8: $0 ?? Self.empty, storedEscapes: false, limit: UnattributedStatement.shapeLimit)
                }
                if let shape { shapes[shape]?.text = analysis.text }
            }
            record.shape = analysis.text
        }
        if let rate = options.dollarsPerHour { record.costDollars = Double(try row.int64(at: at.cpu)) / 1_000_000 * rate / 3600 }
        let writtenRows = try row.int64(at: at.writtenRows)
        record.resources = QueryResources(
            readRows: Double(try row.int64(at: at.readRows)), readBytes: Double(try row.int64(at: at.readBytes)), writtenRows: Double(writtenRows),
            writtenBytes: Double(try row.int64(at: at.writtenBytes)), peakMemoryBytes: Double(try row.int64(at: at.memory)),
            spilledBytes: columns.spilledBytes == nil ? nil : Double(try row.int64(at: at.spilled)))
        if status == .success {
            record.tablesRead = analysis.tablesRead
            record.tablesWritten = analysis.tablesWritten
            if kind == "Insert", analysis.tablesWritten.count == 1, writtenRows > 0 {
                record.rowsWritten = [RowsWritten(table: analysis.tablesWritten[0], operation: "insert", rows: Double(writtenRows))]
            }
        }
        recorder.observe(record)
        return true
    }

    /// The text the annotations are read from: the statement with its `log_comment` before it.
    private func withText<Result>(_ row: Row, _ at: RecordColumns, _ body: (UnsafeBufferPointer<UInt8>) -> Result) -> Result {
        row.withBytes(at: at.query) { query in
            row.withBytes(at: at.comment) { comment in
                ClickHouseAttribution.withText(query: query ?? Self.empty, comment: comment ?? Self.empty, body)
            }
        }
    }

    private static var empty: UnsafeBufferPointer<UInt8> { UnsafeBufferPointer(start: nil, count: 0) }

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
