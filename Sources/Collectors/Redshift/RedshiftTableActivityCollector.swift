import Foundation
public import QueryMetrics
public import SQLText
import Synchronization
import WarehouseClient

/// Which contexts read and write each table, from what Redshift recorded of each successful
/// query's steps rather than from its text: the scan, insert and delete steps of
/// `SYS_QUERY_DETAIL` (or `STL_SCAN`, `STL_INSERT` and `STL_DELETE` on clusters without SYS
/// views), named through `SVV_TABLE_INFO`. Each query is read once, like `query_history` (its own
/// cursor), and counted into `warehouse_table_reads_total`, `warehouse_table_writes_total` and
/// `warehouse_table_rows_written_total` with its annotation's context; a write also moves
/// `warehouse_table_last_modified_timestamp_seconds` to the query's end.
///
/// A table the query wrote is not also counted as read (an UPDATE scans its own table), and
/// rows written are the insert steps' rows (an UPDATE is a delete and an insert of the same rows:
/// counted once, as `update`) or the delete steps' when there is no insert.
///
/// With the SYS views, each query's steps also feed the resource counters, failed and cancelled
/// queries too (they used what they read): rows and bytes read are the scan steps' input over the
/// tables SVV_TABLE_INFO names (a scan of a query's own intermediate results is not a read of
/// data), rows and bytes written the insert steps' output, bytes spilled the blocks its segments
/// spilled to local disk and to Amazon S3, of 1 MB each. Without SYS views, only the spill, from
/// SVL_QUERY_METRICS_SUMMARY: the STL tables keep no bytes per insert step. Redshift keeps no peak
/// memory per query.
public final class RedshiftTableActivityCollector: Collector {
    public let name = "table_activity"
    private let recorder: QueryRecorder
    private let metrics: MetricCatalog
    private let analyzer: SQLAnalyzer
    private let history: RedshiftHistory
    /// The latest write seen per table, so a late row never moves last-modified back.
    private let lastModified = Mutex<[[String]: Double]>([:])

    public init(window: HistoryWindow, warehouse: String, metrics: MetricCatalog, rules: AnnotationRules, state: StateStore) {
        self.recorder = metrics.queries
        self.metrics = metrics
        self.analyzer = SQLAnalyzer(dialect: .redshift, rules: rules)
        self.history = RedshiftHistory(window: window, state: state, key: "\(warehouse)/table_activity")
    }

    /// The steps of the queries in `$list`, summed per query, step and table. SYS_QUERY_DETAIL
    /// has a row per child query, stream, segment and step: only step rows are summed, so no row is
    /// counted twice. Its `table_id` is documented for scans of permanent tables only: a write step
    /// without one comes back with an empty table, for the statement's own target to name.
    ///
    /// A scan's bytes read are its `input_bytes`, or its `output_bytes` where those are more: the
    /// page's sample shows scan steps with 0 input bytes and the segment's input on the segment's
    /// row instead, where no table names it. Spilled blocks come back as one `spill` row a query:
    /// the page's example reads them from segment rows (its `step_id` -1), so each segment counts
    /// its own row's blocks or its steps' together, whichever is more, never both.
    static func stepsSQL(_ views: RedshiftViews, ids list: String) -> String {
        switch views {
        case .sys:
            """
                SELECT d.query_id::bigint AS id, trim(d.step_name) AS step, coalesce(trim(t.schema), '') AS schema,
                       coalesce(trim(t."table"), '') AS "table", sum(d.output_rows)::float8 AS rows,
                       coalesce(sum(d.input_rows), 0)::float8 AS input_rows,
                       coalesce(sum(greatest(d.input_bytes, d.output_bytes)), 0)::float8 AS input_bytes,
                       coalesce(sum(d.output_bytes), 0)::float8 AS output_bytes, 0::float8 AS spilled_bytes
                FROM sys_query_detail d LEFT JOIN svv_table_info t ON t.table_id = d.table_id
                WHERE d.query_id IN (\(list)) AND lower(trim(d.metrics_level)) = 'step'
                  AND (trim(d.step_name) IN ('insert', 'delete') OR (trim(d.step_name) = 'scan' AND t.table_id IS NOT NULL))
                GROUP BY 1, 2, 3, 4
                UNION ALL
                SELECT id, 'spill', '', '', 0, 0, 0, 0, sum(blocks)::float8 * 1048576
                FROM (SELECT query_id::bigint AS id,
                             greatest(sum(CASE WHEN lower(trim(metrics_level)) = 'segment' THEN spilled END),
                                      sum(CASE WHEN lower(trim(metrics_level)) = 'step' THEN spilled END)) AS blocks
                      FROM (SELECT query_id, child_query_sequence, stream_id, segment_id, metrics_level,
                                   coalesce(spilled_block_local_disk, 0) + coalesce(spilled_block_remote_disk, 0) AS spilled
                            FROM sys_query_detail
                            WHERE query_id IN (\(list)) AND lower(trim(metrics_level)) IN ('segment', 'step')) levels
                      GROUP BY query_id, child_query_sequence, stream_id, segment_id) segments
                GROUP BY id
                HAVING sum(blocks) > 0
                """
        case .stl:
            """
                SELECT s.query::bigint AS id, s.step AS step, trim(t.schema) AS schema, trim(t."table") AS "table", sum(s.rows)::float8 AS rows,
                       0::float8 AS spilled_bytes
                FROM (SELECT query, 'scan' AS step, tbl, rows FROM stl_scan WHERE query IN (\(list))
                      UNION ALL SELECT query, 'insert' AS step, tbl, rows FROM stl_insert WHERE query IN (\(list))
                      UNION ALL SELECT query, 'delete' AS step, tbl, rows FROM stl_delete WHERE query IN (\(list))) s
                JOIN svv_table_info t ON t.table_id = s.tbl
                GROUP BY 1, 2, 3, 4
                UNION ALL
                SELECT query::bigint, 'spill', '', '', 0, sum(query_temp_blocks_to_disk)::float8 * 1048576
                FROM svl_query_metrics_summary
                WHERE query IN (\(list))
                GROUP BY 1
                HAVING sum(query_temp_blocks_to_disk) > 0
                """
        }
    }

    /// Where the steps of a table the view does not name are kept until the statement is read.
    static let unnamed = TableName(schema: "", name: "")

    /// What one query did to one table.
    private struct Steps {
        var scanned = false
        var inserted: Double?
        var deleted: Double?
        /// The scan steps' input and the insert steps' output (SYS views only).
        var readRows = 0.0
        var readBytes = 0.0
        var writtenBytes = 0.0
        /// What the query's segments spilled, kept on ``unnamed`` (SYS views only).
        var spilledBytes = 0.0
    }

    public func collect(_ context: CollectionContext) async throws {
        let views = try await history.views(context)
        try await RedshiftSQL.needing(RedshiftSQL.tableInfo, RedshiftSQL.syslog) {
            try await history.read(context) { queries in
                // The table edges come from successful queries; the resources from every one.
                guard !queries.isEmpty else { return }
                let list = queries.map { String($0.id) }.joined(separator: ",")
                var steps: [Int64: [TableName: Steps]] = [:]
                for row in try await context.query(Self.stepsSQL(views, ids: list)).rows {
                    // Empty: a write step whose table the view does not name (see stepsSQL).
                    let table = TableName(schema: try row.string("schema"), name: try row.string("table"))
                    let rows = try row.double("rows")
                    let id = try row.int64("id")
                    var step = steps[id, default: [:]][table, default: Steps()]
                    switch try row.string("step") {
                    case "scan":
                        step.scanned = true
                        if views == .sys { (step.readRows, step.readBytes) = (try row.double("input_rows"), try row.double("input_bytes")) }
                    case "insert":
                        step.inserted = rows
                        if views == .sys { step.writtenBytes = try row.double("output_bytes") }
                    case "spill": step.spilledBytes = try row.double("spilled_bytes")
                    default: step.deleted = rows
                    }
                    steps[id, default: [:]][table] = step
                }
                for query in queries {
                    if let tables = steps[query.id] { observe(query, tables, views, context) }
                }
            }
        }
    }

    private func observe(_ query: FinishedQuery, _ tables: [TableName: Steps], _ views: RedshiftViews, _ context: CollectionContext) {
        let analysis = query.analyze(analyzer)
        let attribution = query.attribution(analysis.context)
        guard !query.isOwn(attribution, context) else { return }
        var activity = TableActivity(
            warehouse: context.warehouse, attribution: attribution, queryType: query.type.isEmpty ? analysis.queryType : query.type, tablesRead: [],
            tablesWritten: [], rowsWritten: [])
        activity.queryID = String(query.id)
        activity.endedAt = query.endedAt
        activity.resources = Self.resources(tables.values, views)
        // A query that did not succeed touched no table: only what it read, wrote and spilled counts.
        guard query.status == .success else { return recorder.observe(activity) }
        var tables = tables
        // Write steps the view names no table for: the statement's one target, when it has one.
        if let unnamed = tables.removeValue(forKey: Self.unnamed), analysis.tables.written.count == 1, let target = analysis.tables.written.first {
            var steps = tables[target] ?? Steps()
            steps.inserted = unnamed.inserted.map { $0 + (steps.inserted ?? 0) } ?? steps.inserted
            steps.deleted = unnamed.deleted.map { $0 + (steps.deleted ?? 0) } ?? steps.deleted
            tables[target] = steps
        }
        var read: [TableName] = []
        var written: [TableName] = []
        var rows: [RowsWritten] = []
        for (table, steps) in tables.sorted(by: { ($0.key.schema ?? "", $0.key.name) < ($1.key.schema ?? "", $1.key.name) }) {
            switch (steps.inserted, steps.deleted) {
            case (nil, nil):
                if steps.scanned { read.append(table) }
                continue
            case let (inserted?, nil): rows.append(RowsWritten(table: table, operation: "insert", rows: inserted))
            case let (nil, deleted?): rows.append(RowsWritten(table: table, operation: "delete", rows: deleted))
            case let (inserted?, _?): rows.append(RowsWritten(table: table, operation: "update", rows: inserted))
            }
            written.append(table)
        }
        (activity.tablesRead, activity.tablesWritten, activity.rowsWritten) = (read, written, rows)
        recorder.observe(activity)
        let ended = query.endedAt
        for table in written {
            let labels = [context.warehouse, query.database, table.schema ?? "", table.name]
            let later = lastModified.withLock { latest in
                guard ended > latest[labels] ?? -.infinity else { return false }
                latest[labels] = ended
                return true
            }
            if later { metrics.tableLastModified.set(ended, labels) }
        }
    }

    /// What a query's steps read, wrote and spilled, over every table (a write step's unnamed one
    /// too); the STL tables keep no bytes per insert step, and so only the spill.
    private static func resources(_ tables: some Sequence<Steps>, _ views: RedshiftViews) -> QueryResources {
        var sum = Steps()
        for steps in tables {
            sum.readRows += steps.readRows
            sum.readBytes += steps.readBytes
            sum.inserted = (sum.inserted ?? 0) + (steps.inserted ?? 0)
            sum.writtenBytes += steps.writtenBytes
            sum.spilledBytes += steps.spilledBytes
        }
        guard views == .sys else { return QueryResources(spilledBytes: sum.spilledBytes) }
        return QueryResources(
            readRows: sum.readRows, readBytes: sum.readBytes, writtenRows: sum.inserted, writtenBytes: sum.writtenBytes, spilledBytes: sum.spilledBytes)
    }
}
