import Foundation
public import QueryMetrics
public import SQLText
import WarehouseClient

/// What runs on a Redshift warehouse now: the running and queued rows of `SYS_QUERY_HISTORY`, by
/// app, user and WLM queue (`service_class_name`), and the oldest per app, into the activity
/// families. Context comes from the annotation in the stored text (the first 4000 characters:
/// the whole text is fetched only for finished queries); ages are measured against the exporter's
/// clock in UTC.
public final class RedshiftLiveQueriesCollector: Collector {
    public let name = "live_queries"
    private let recorder: QueryRecorder
    private let analyzer: SQLAnalyzer

    public init(recorder: QueryRecorder, rules: AnnotationRules) {
        self.recorder = recorder
        self.analyzer = SQLAnalyzer(dialect: .redshift, rules: rules)
    }

    static let sql = """
        SELECT trim(q.status) AS status, trim(coalesce(q.query_label, '')) AS label,
               trim(coalesce(q.service_class_name, '')) AS queue,
               to_char(q.start_time, 'YYYY-MM-DD HH24:MI:SS.US') AS started,
               coalesce(q.query_text, '') AS text, trim(coalesce(u.usename, '')) AS username, q.session_id::bigint AS session
        FROM sys_query_history q LEFT JOIN pg_user u ON u.usesysid = q.user_id
        WHERE q.status IN ('planning', 'queued', 'running', 'returning') AND q.user_id > 1
          AND q.start_time >= $1::timestamp
        """

    /// How far back a running query's start is looked for: the view keeps days of history, and a
    /// query that has run for longer than this is not reported as running.
    static let horizon: Double = 86_400

    public func collect(_ context: CollectionContext) async throws {
        let now = RedshiftTimestamp(microseconds: Int64(Date().timeIntervalSince1970 * 1_000_000))
        var sessions: [ActivitySnapshot.Session] = []
        let rows = try await RedshiftSQL.needing(RedshiftSQL.syslog) { try await context.query(Self.sql, [now.adding(seconds: -Self.horizon).text]).rows }
        for row in rows {
            let annotation = analyzer.context(of: try row.string("text"), storedEscapes: true).context
            let attribution = RedshiftSQL.attribution(annotation, label: try row.string("label"), user: try row.string("username"))
            guard !OwnStatements.contains(attribution, session: try row.optionalInt64("session"), in: context.ownSessions) else { continue }
            let started = RedshiftTimestamp(try row.string("started")) ?? now
            sessions.append(ActivitySnapshot.Session(
                state: try row.string("status") == "queued" ? .queued : .running, attribution: attribution, queue: try row.string("queue"),
                age: max(0, Double(now.microseconds - started.microseconds) / 1_000_000)))
        }
        recorder.observe(ActivitySnapshot(warehouse: context.warehouse, sessions: sessions))
    }
}
