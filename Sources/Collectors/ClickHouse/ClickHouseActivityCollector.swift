public import QueryMetrics
public import SQLText
import Synchronization
import WarehouseClient

/// What runs on a ClickHouse server now, from `system.processes`: running queries by app and user,
/// and the oldest running query per app. ClickHouse starts a query at once or refuses it
/// (`max_concurrent_queries`), so nothing is ever queued, and it takes no locks another query
/// waits on: the queued and blocked families stay 0 for a ClickHouse warehouse.
///
/// A query's context comes from its text and its `log_comment` setting, as in `query_log`; the
/// sub-queries a distributed query sends to other servers are not queries of their own. The
/// exporter's own statements are those with its annotation run by its user.
public final class ClickHouseActivityCollector: ClickHouseCollector {
    public let name = "activity"
    private let recorder: QueryRecorder
    private let analyzer: SQLAnalyzer
    private let comment = Mutex<String?>(nil)
    private let cluster: String?

    /// With `cluster`, every replica's running queries (`clusterAllReplicas`).
    public init(recorder: QueryRecorder, rules: AnnotationRules, cluster: String? = nil) {
        self.recorder = recorder
        self.cluster = cluster
        self.analyzer = SQLAnalyzer(dialect: .redshift, rules: rules)
    }

    static let probeSQL = "SELECT name FROM system.columns WHERE database = 'system' AND table = 'processes'"

    /// Where a running query's `log_comment` is: the `Settings` map (21.8 and later), the
    /// `Settings.Names` and `Settings.Values` arrays before, or nowhere.
    static func comment(columns: Set<String>) -> String {
        if columns.contains("Settings") { return "Settings['log_comment']" }
        if columns.contains("Settings.Names") { return "Settings.Values[indexOf(Settings.Names, 'log_comment')]" }
        return "''"
    }

    static func sql(comment: String, cluster: String? = nil) -> String {
        """
        SELECT user, elapsed, query, http_user_agent, client_name, \(comment) AS comment
        FROM \(ClickHouseCluster.table("system.processes", on: cluster))
        WHERE is_initial_query = 1
        """
    }

    public func collect(_ context: ClickHouseContext) async throws {
        let comment: String
        if let known = self.comment.withLock({ $0 }) {
            comment = known
        } else {
            comment = Self.comment(columns: Set(try await context.query(Self.probeSQL).rows.map { try $0.string("name") }))
            self.comment.withLock { $0 = comment }
        }
        var sessions: [ActivitySnapshot.Session] = []
        for row in try await context.query(Self.sql(comment: comment, cluster: cluster)).rows {
            let user = try row.string("user")
            let annotation = analyzer.context(of: ClickHouseAttribution.text(query: try row.string("query"), comment: try row.string("comment")))
            let attribution = ClickHouseAttribution.attribution(
                annotation.context, userAgent: try row.string("http_user_agent"), clientName: try row.string("client_name"), user: user)
            guard !OwnStatements.contains(attribution, ranAsExportersRole: user == context.connection.user) else { continue }
            sessions.append(ActivitySnapshot.Session(state: .running, attribution: attribution, age: max(0, try row.double("elapsed"))))
        }
        recorder.observe(ActivitySnapshot(warehouse: context.warehouse, sessions: sessions))
    }
}
