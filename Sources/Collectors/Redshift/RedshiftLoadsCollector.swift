public import QueryMetrics
public import SQLText
import WarehouseClient

/// Every finished COPY of `SYS_LOAD_HISTORY`, read exactly once like `query_history` (its own
/// cursor in the state file): rows and bytes loaded and errors, per table and per context, from
/// the annotation of the COPY statement (joined from `SYS_QUERY_HISTORY`), else its `query_label`.
public final class RedshiftLoadsCollector: Collector {
    public let name = "loads"
    private let recorder: QueryRecorder
    private let analyzer: SQLAnalyzer
    private let reader: IncrementalReader

    public init(options: RedshiftQueryHistoryCollector.Options, warehouse: String, recorder: QueryRecorder, rules: AnnotationRules, state: StateStore) {
        self.recorder = recorder
        self.analyzer = SQLAnalyzer(dialect: .redshift, rules: rules)
        self.reader = IncrementalReader(
            startSQL: Self.startSQL, pageSQL: Self.pageSQL, options: options, state: state, stateKey: "\(warehouse)/loads")
    }

    static let startSQL = RedshiftSQL.ownAnnotation + """

        SELECT to_char(max(end_time), 'YYYY-MM-DD HH24:MI:SS.US') AS latest
        FROM sys_load_history WHERE status IN ('completed', 'aborted')
        """

    static let pageSQL = RedshiftSQL.ownAnnotation + """

        SELECT l.query_id::bigint AS id, trim(l.table_name) AS table_name,
               to_char(l.end_time, 'YYYY-MM-DD HH24:MI:SS.US') AS ended,
               coalesce(l.loaded_rows, 0)::float8 AS rows, coalesce(l.loaded_bytes, 0)::float8 AS bytes,
               coalesce(l.error_count, 0)::float8 AS errors,
               coalesce(q.query_text, '') AS text, trim(coalesce(q.query_label, '')) AS label, trim(coalesce(u.usename, '')) AS username
        FROM sys_load_history l
        LEFT JOIN sys_query_history q ON q.query_id = l.query_id
        LEFT JOIN pg_user u ON u.usesysid = l.user_id
        WHERE l.status IN ('completed', 'aborted')
          AND (l.end_time > $1::timestamp OR (l.end_time = $1::timestamp AND l.query_id > $2::bigint))
        ORDER BY l.end_time, l.query_id
        LIMIT $3
        """

    public func collect(_ context: CollectionContext) async throws {
        try await RedshiftSQL.needing(RedshiftSQL.syslog) { try await read(context) }
    }

    private func read(_ context: CollectionContext) async throws {
        try await reader.read(context) { rows in
            for row in rows {
                let annotation = analyzer.context(of: try row.string("text"), storedEscapes: true).context
                guard annotation.app != ConnectionSettings.defaultApplicationName else { continue }
                let label = try row.string("label")
                recorder.observe(LoadRecord(
                    warehouse: context.warehouse, table: Self.table(try row.string("table_name")), context: annotation,
                    fallbackApp: label == "default" ? nil : label, databaseUser: try row.string("username"),
                    rows: try row.double("rows"), bytes: try row.double("bytes"), errors: try row.double("errors")))
            }
        }
    }

    /// `schema.table` or a bare table name.
    static func table(_ name: String) -> TableName {
        guard let dot = name.lastIndex(of: ".") else { return TableName(name: name) }
        return TableName(schema: String(name[..<dot]), name: String(name[name.index(after: dot)...]))
    }
}
