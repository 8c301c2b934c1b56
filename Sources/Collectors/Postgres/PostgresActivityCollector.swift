public import QueryMetrics
public import SQLText
import WarehouseClient

/// What runs on the server now, sampled from `pg_stat_activity` on a short interval: running and
/// waiting queries by app and user (a query waiting for a lock counts as queued), the oldest
/// running query per app, queries blocked by a lock with the app of the session holding it
/// (`pg_blocking_pids`), and sessions idle inside an open transaction. Each query's context comes
/// from its annotation, in the text PostgreSQL keeps (`track_activity_query_size`, 1024 bytes by
/// default), else from the session's `application_name`.
public struct PostgresActivityCollector: Collector {
    public let name = "activity"
    private let recorder: QueryRecorder
    private let analyzer: SQLAnalyzer

    public init(recorder: QueryRecorder, rules: AnnotationRules) {
        self.recorder = recorder
        self.analyzer = SQLAnalyzer(dialect: .postgres, rules: rules)
    }

    static let sql = """
        SELECT pid::int8 AS pid, coalesce(usename, '') AS "user", coalesce(application_name, '') AS application,
               coalesce(state, '') AS state, coalesce(wait_event_type, '') AS wait,
               coalesce(extract(epoch FROM clock_timestamp() - query_start), 0)::float8 AS query_age,
               coalesce(extract(epoch FROM clock_timestamp() - xact_start), 0)::float8 AS transaction_age,
               coalesce(query, '') AS query, pg_blocking_pids(pid)::text AS blockers
        FROM pg_stat_activity
        WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()
        """

    private struct Backend {
        var pid: Int64
        var session: ActivitySnapshot.Session
        var blockers: [Int64]
    }

    public func collect(_ context: CollectionContext) async throws {
        var backends: [Backend] = []
        var appByPid: [Int64: String] = [:]
        for row in try await context.query(Self.sql).rows {
            let application = try row.string("application")
            let state: ActivitySnapshot.Session.State
            let age: Double
            switch try row.string("state") {
            case "active":
                state = try row.string("wait") == "Lock" ? .queued : .running
                age = try row.double("query_age")
            case "idle in transaction", "idle in transaction (aborted)":
                state = .idleInTransaction
                age = try row.double("transaction_age")
            default:
                continue
            }
            let pid = try row.int64("pid")
            let annotation = analyzer.context(of: try row.string("query")).context
            let attribution = Attribution(context: annotation, fallbackApp: application, databaseUser: try row.string("user"))
            appByPid[pid] = attribution.app
            // The exporter's own sessions are not the warehouse's load.
            guard !OwnStatements.contains(attribution, session: pid, in: context.ownSessions) else { continue }
            let session = ActivitySnapshot.Session(state: state, attribution: attribution, age: max(0, age))
            backends.append(Backend(pid: pid, session: session, blockers: Self.pids(try row.string("blockers"))))
        }
        let sessions = backends.map { backend in
            var session = backend.session
            session.blockerApps = backend.blockers.map { appByPid[$0] ?? "unknown" }
            return session
        }
        recorder.observe(ActivitySnapshot(warehouse: context.warehouse, sessions: sessions))
    }

    /// `{123,456}` → [123, 456].
    static func pids(_ array: String) -> [Int64] {
        array.split { $0 == "{" || $0 == "}" || $0 == "," }.compactMap { Int64($0) }
    }
}
