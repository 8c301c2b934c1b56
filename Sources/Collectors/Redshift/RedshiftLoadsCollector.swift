public import QueryMetrics
public import SQLText
import WarehouseClient

/// Every finished COPY, read exactly once like `query_history` (a cursor of its own in the state
/// file): rows and bytes loaded and errors, per table and per context, from the annotation of the
/// COPY statement, else its `query_label`. From `SYS_LOAD_HISTORY` (the statement joined from
/// `SYS_QUERY_HISTORY`), or on clusters without SYS views from `STL_LOAD_COMMITS` (rows) and
/// `STL_LOAD_ERRORS` (errors), the table and context from the COPY's text in `STL_QUERY`; STL
/// does not say how many bytes a load read.
///
/// The exporter never loads, so every COPY is counted, one that carries its annotation included.
public final class RedshiftLoadsCollector: Collector {
    public let name = "loads"
    private let recorder: QueryRecorder
    private let analyzer: SQLAnalyzer
    private let sys: IncrementalReader
    private let stl: IncrementalReader
    private let views = RedshiftViews.Known()

    public init(window: HistoryWindow, warehouse: String, recorder: QueryRecorder, rules: AnnotationRules, state: StateStore) {
        self.recorder = recorder
        self.analyzer = SQLAnalyzer(dialect: .redshift, rules: rules)
        self.sys = IncrementalReader(startSQL: Self.startSQL, pageSQL: Self.pageSQL, window: window, state: state, stateKey: "\(warehouse)/loads")
        self.stl = IncrementalReader(startSQL: Self.stlStartSQL, pageSQL: Self.stlPageSQL, window: window, state: state, stateKey: "\(warehouse)/loads/stl")
    }

    static let startSQL = """
        SELECT to_char(max(end_time), 'YYYY-MM-DD HH24:MI:SS.US') AS latest
        FROM sys_load_history WHERE status IN ('completed', 'aborted')
        """

    static let pageSQL = """
        SELECT l.query_id::bigint AS id, trim(l.table_name) AS table_name,
               to_char(l.end_time, 'YYYY-MM-DD HH24:MI:SS.US') AS ended,
               coalesce(l.loaded_rows, 0)::float8 AS rows, coalesce(l.loaded_bytes, 0)::float8 AS bytes,
               coalesce(l.error_count, 0)::float8 AS errors,
               coalesce(q.query_text, '') AS text, trim(coalesce(q.query_label, '')) AS label, trim(coalesce(u.usename, '')) AS username
        FROM sys_load_history l
        LEFT JOIN sys_query_history q ON q.query_id = l.query_id
        LEFT JOIN pg_user u ON u.usesysid = l.user_id
        WHERE l.status IN ('completed', 'aborted') AND l.user_id > 1
          AND l.end_time >= $1::timestamp AND (l.end_time > $1::timestamp OR l.query_id > $2::bigint)
        ORDER BY l.end_time, l.query_id
        LIMIT $3
        """

    static let stlStartSQL = """
        SELECT to_char(max(curtime), 'YYYY-MM-DD HH24:MI:SS.US') AS latest FROM stl_load_commits
        """

    /// A load's errors are its rows of STL_LOAD_ERRORS, its time the latest of those and its
    /// commits (a load that failed outright has errors and no commits). Its rows are what its insert
    /// steps wrote (STL_INSERT); without them, the lines its commits scanned less the lines
    /// rejected: STL_LOAD_COMMITS counts scanned lines, which MAXERROR lets exceed the rows loaded.
    static let stlPageSQL = """
        SELECT l.id, to_char(l.finished, 'YYYY-MM-DD HH24:MI:SS.US') AS ended, coalesce(i.inserted, greatest(l.lines - l.errors, 0)) AS rows,
               l.errors, '' AS table_name, 0::float8 AS bytes,
               coalesce(q.querytxt, '') AS text, trim(coalesce(q.label, '')) AS label, trim(coalesce(u.usename, '')) AS username
        FROM (SELECT query::bigint AS id, max(at) AS finished, sum(lines)::float8 AS lines, sum(errors)::float8 AS errors, max(userid) AS userid
              FROM (SELECT query, curtime AS at, lines_scanned AS lines, 0 AS errors, userid FROM stl_load_commits
                    UNION ALL SELECT query, starttime AS at, 0 AS lines, 1 AS errors, userid FROM stl_load_errors) events
              WHERE userid > 1 AND query IN (SELECT query FROM stl_load_commits WHERE curtime >= $1::timestamp
                              UNION SELECT query FROM stl_load_errors WHERE starttime >= $1::timestamp)
              GROUP BY query) l
        LEFT JOIN (SELECT query::bigint AS id, sum(rows)::float8 AS inserted FROM stl_insert
                   WHERE query IN (SELECT query FROM stl_load_commits WHERE curtime >= $1::timestamp) GROUP BY query) i ON i.id = l.id
        LEFT JOIN stl_query q ON q.query = l.id
        LEFT JOIN pg_user u ON u.usesysid = l.userid
        WHERE l.finished >= $1::timestamp AND (l.finished > $1::timestamp OR l.id > $2::bigint)
        ORDER BY l.finished, l.id
        LIMIT $3
        """

    public func collect(_ context: CollectionContext) async throws {
        let reader = try await views.views(context) == .sys ? sys : stl
        try await RedshiftSQL.needing(RedshiftSQL.syslog) { try await read(reader, context) }
    }

    private func read(_ reader: IncrementalReader, _ context: CollectionContext) async throws {
        try await reader.read(context) { rows in
            for row in rows {
                let analysis = analyzer.analyze(try row.string("text"), storedEscapes: true)
                let attribution = RedshiftSQL.attribution(analysis.context, label: try row.string("label"), user: try row.string("username"))
                let target = analysis.tables.written.first
                guard let table = Self.table(named: try row.string("table_name"), target: target) else { continue }
                recorder.observe(LoadRecord(
                    warehouse: context.warehouse, table: table, attribution: attribution,
                    rows: try row.double("rows"), bytes: try row.double("bytes"), errors: try row.double("errors")))
            }
        }
    }

    /// The schema of a table SYS_LOAD_HISTORY names without one, when the COPY's text does not say.
    static let unknownSchema = "unknown"

    /// The table a load went into. SYS_LOAD_HISTORY names it bare: the schema is the COPY's
    /// target's when the target has that name, else unknown, so that two schemas' tables of one
    /// name are never merged into one series. STL names no table: the COPY's target, if any.
    static func table(named: String, target: TableName?) -> TableName? {
        guard !named.isEmpty else { return target }
        if let target, target.name.lowercased() == named.lowercased() {
            return TableName(schema: target.schema ?? unknownSchema, name: named)
        }
        return TableName(schema: unknownSchema, name: named)
    }
}
