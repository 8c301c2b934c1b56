public import QueryMetrics
public import SQLText
import WarehouseClient

/// Every finished query of an Amazon Redshift warehouse (provisioned or Serverless), from
/// `SYS_QUERY_HISTORY`, observed exactly once into the query families: its context from its
/// annotation (read from the whole text, fetched from `SYS_QUERY_TEXT` when the stored text is at
/// its 4000-character limit), else its `query_label`, else `unknown`.
///
/// Incremental: each poll reads the queries that ended since the latest end time seen, less an
/// overlap window for rows Redshift publishes late, in pages ordered by end time and query id, and
/// drops those already counted. The cursor is saved in the state file after each poll; the first
/// start begins at the latest finished query, less the configured look-back.
public final class RedshiftQueryHistoryCollector: Collector {
    public struct Options: Sendable, Equatable {
        /// How far back rows can appear late; they are counted once if they end within it.
        public var overlap: Duration = .seconds(600)
        /// How much history the first start reads (none by default: from now on).
        public var lookback: Duration = .zero
        /// Rows per page.
        public var pageSize = 5000
        /// What the cluster costs per hour (nodes × price per node-hour): each query is charged its
        /// execution seconds at this rate. No cost when nil (docs/cost.md).
        public var dollarsPerHour: Double?

        public init(overlap: Duration = .seconds(600), lookback: Duration = .zero, pageSize: Int = 5000, dollarsPerHour: Double? = nil) {
            self.overlap = overlap
            self.lookback = lookback
            self.pageSize = pageSize
            self.dollarsPerHour = dollarsPerHour
        }

        /// On-demand prices per node-hour in us-east-1 (REFERENCE.md §2; check yours), for `node_type`.
        public static let nodePrices: [String: Double] = [
            "dc2.large": 0.25, "dc2.8xlarge": 4.80, "ra3.xlplus": 1.086, "ra3.4xlarge": 3.26, "ra3.16xlarge": 13.04,
        ]
    }

    public let name = "query_history"
    private let options: Options
    private let recorder: QueryRecorder
    private let analyzer: SQLAnalyzer
    private let reader: IncrementalReader
    static let storedTextLimit = 4000

    public init(options: Options, warehouse: String, recorder: QueryRecorder, rules: AnnotationRules, state: StateStore) {
        self.options = options
        self.recorder = recorder
        self.analyzer = SQLAnalyzer(dialect: .redshift, rules: rules)
        self.reader = IncrementalReader(
            startSQL: Self.startSQL, pageSQL: Self.pageSQL, options: options, state: state, stateKey: "\(warehouse)/query_history")
    }

    static let startSQL = RedshiftSQL.ownAnnotation + """

        SELECT to_char(max(end_time), 'YYYY-MM-DD HH24:MI:SS.US') AS latest
        FROM sys_query_history WHERE status IN ('success', 'failed', 'canceled')
        """

    /// One page after (`$1`, `$2`): the end time and query id of the last row read.
    static let pageSQL = RedshiftSQL.ownAnnotation + """

        SELECT q.query_id::bigint AS id, trim(q.database_name) AS database, trim(coalesce(q.query_label, '')) AS label,
               trim(q.query_type) AS type, trim(q.status) AS status,
               to_char(q.end_time, 'YYYY-MM-DD HH24:MI:SS.US') AS ended,
               q.elapsed_time::bigint AS elapsed, q.queue_time::bigint AS queued, q.execution_time::bigint AS executed,
               coalesce(q.query_text, '') AS text, coalesce(length(q.query_text), 0) AS text_length, trim(coalesce(u.usename, '')) AS username
        FROM sys_query_history q LEFT JOIN pg_user u ON u.usesysid = q.user_id
        WHERE q.status IN ('success', 'failed', 'canceled')
          AND (q.end_time > $1::timestamp OR (q.end_time = $1::timestamp AND q.query_id > $2::bigint))
        ORDER BY q.end_time, q.query_id
        LIMIT $3
        """

    public func collect(_ context: CollectionContext) async throws {
        try await reader.read(context) { rows in
            let long = try rows.filter { try $0.int64("text_length") >= Int64(Self.storedTextLimit) }.map { try $0.int64("id") }
            let wholeTexts = try await wholeTexts(of: long, context)
            for row in rows { try observe(row, text: wholeTexts[try row.int64("id")], warehouse: context.warehouse) }
        }
    }

    /// The whole text of each query, from its 4000-character chunks in order.
    private func wholeTexts(of ids: [Int64], _ context: CollectionContext) async throws -> [Int64: String] {
        guard !ids.isEmpty else { return [:] }
        let list = ids.map(String.init).joined(separator: ",")
        var chunks: [Int64: [(sequence: Int64, text: String)]] = [:]
        for row in try await context.query(RedshiftSQL.ownAnnotation + " SELECT query_id::bigint AS id, sequence::bigint AS sequence, text FROM sys_query_text WHERE query_id IN (\(list)) ORDER BY query_id, sequence").rows {
            chunks[try row.int64("id"), default: []].append((try row.int64("sequence"), try row.string("text")))
        }
        return chunks.mapValues { parts in
            // A char(4000) chunk loses its trailing blanks when read: every chunk but the last was full.
            parts.enumerated().map { index, part in
                index < parts.count - 1 ? part.text.padding(toLength: Self.storedTextLimit, withPad: " ", startingAt: 0) : part.text
            }.joined()
        }
    }

    private func observe(_ row: Row, text: String?, warehouse: String) throws {
        let stored = try row.string("text")
        let analysis = analyzer.analyze(text ?? stored, storedEscapes: true)
        guard analysis.context.app != ConnectionSettings.defaultApplicationName else { return }
        let label = try row.string("label")
        let status: QueryStatus = switch try row.string("status") {
        case "success": .success
        case "canceled": .aborted
        default: .failed
        }
        var record = QueryRecord(
            warehouse: warehouse, database: try row.string("database"), context: analysis.context,
            fallbackApp: label == "default" ? nil : label, databaseUser: try row.string("username"),
            queryType: try row.string("type").lowercased(), status: status,
            durationSeconds: Double(try row.int64("elapsed")) / 1_000_000, queueSeconds: Double(try row.int64("queued")) / 1_000_000,
            executionSeconds: Double(try row.int64("executed")) / 1_000_000, fingerprint: analysis.fingerprint)
        record.costDollars = options.dollarsPerHour.map { (record.executionSeconds ?? 0) * $0 / 3600 }
        if status == .success {
            record.tablesRead = analysis.tables.read
            record.tablesWritten = analysis.tables.written
        }
        recorder.observe(record)
    }

}
