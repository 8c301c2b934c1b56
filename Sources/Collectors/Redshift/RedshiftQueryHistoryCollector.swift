public import QueryMetrics
public import SQLText
import Foundation
import Synchronization
import WarehouseClient

/// Every finished query of an Amazon Redshift warehouse (provisioned or Serverless), observed
/// exactly once into the query families: its context from its annotation (read from the whole
/// text, fetched from `SYS_QUERY_TEXT` when the stored text is at its 4000-character limit),
/// else its `query_label`, else `unknown`. From `SYS_QUERY_HISTORY`, or `STL_QUERY` and
/// `STL_WLM_QUERY` on clusters without SYS views.
///
/// Incremental: each poll reads the queries that ended since the latest end time seen, less an
/// overlap window for rows Redshift publishes late, in pages ordered by end time and query id, and
/// drops those already counted. The cursor is saved in the state file after each page; the first
/// start begins at the latest finished query, less the configured look-back.
public final class RedshiftQueryHistoryCollector: Collector {
    public struct Options: Sendable, Equatable {
        public var window: HistoryWindow
        /// What the cluster costs per hour (nodes × price per node-hour): each query is charged its
        /// execution seconds at this rate. No cost when nil (docs/cost.md).
        public var dollarsPerHour: Double?
        /// Whether the tables a query read and wrote are taken from its text. Off when
        /// `table_activity` reads them from the warehouse's own records, so none is counted twice.
        public var tablesFromText: Bool

        public init(window: HistoryWindow = HistoryWindow(), dollarsPerHour: Double? = nil, tablesFromText: Bool = true) {
            self.window = window
            self.dollarsPerHour = dollarsPerHour
            self.tablesFromText = tablesFromText
        }
    }

    public let name = "query_history"
    private let options: Options
    private let recorder: QueryRecorder
    private let analyzer: SQLAnalyzer
    private let history: RedshiftHistory
    private let lag = Mutex<Double?>(nil)

    public var lagSeconds: Double? { lag.withLock { $0 } }
    static let storedTextLimit = 4000

    public init(options: Options, warehouse: String, recorder: QueryRecorder, rules: AnnotationRules, state: StateStore) {
        self.options = options
        self.recorder = recorder
        self.analyzer = SQLAnalyzer(dialect: .redshift, rules: rules)
        self.history = RedshiftHistory(window: options.window, state: state, key: "\(warehouse)/query_history")
    }

    public func collect(_ context: CollectionContext) async throws {
        try await RedshiftSQL.needing(RedshiftSQL.syslog) {
            var oldest: RedshiftTimestamp? = nil
            try await history.read(context) { queries in
                for query in queries where observe(query, context) {
                    oldest = min(oldest ?? query.ended, query.ended)
                }
            }
            // Redshift's times are UTC.
            let now = Date().timeIntervalSince1970
            lag.withLock { $0 = oldest.map { max(0, now - Double($0.microseconds) / 1_000_000) } ?? 0 }
        }
    }

    /// Counts the query unless it is the exporter's own; returns whether it did.
    private func observe(_ query: FinishedQuery, _ context: CollectionContext) -> Bool {
        let analysis = query.analyze(analyzer)
        let attribution = query.attribution(analysis.context)
        guard !query.isOwn(attribution, context) else { return false }
        var record = QueryRecord(
            warehouse: context.warehouse, database: query.database, attribution: attribution, queryType: query.type.isEmpty ? analysis.queryType : query.type, status: query.status,
            durationSeconds: query.elapsedSeconds, queueSeconds: query.queueSeconds, executionSeconds: query.executionSeconds,
            fingerprint: analysis.fingerprint)
        record.costDollars = options.dollarsPerHour.map { query.executionSeconds * $0 / 3600 }
        record.queryID = String(query.id)
        record.traceID = analysis.traceID
        record.endedAt = Double(query.ended.microseconds) / 1_000_000
        if attribution.isUnattributed { record.shape = query.shape(analyzer) }
        if query.status == .success && options.tablesFromText {
            record.tablesRead = analysis.tables.read
            record.tablesWritten = analysis.tables.written
        }
        recorder.observe(record)
        return true
    }
}
