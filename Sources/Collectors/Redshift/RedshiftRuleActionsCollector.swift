public import QueryMetrics
public import SQLText
import Synchronization
import WarehouseClient

/// What query monitoring rules did to queries, from `STL_WLM_RULE_ACTION`: each action (`abort`,
/// `log`, `hop_cancel`, `hop_reassign`, `change_query_priority`) counted once by rule and by who
/// ran the query (its annotation in `STL_QUERY`, same query ids), read like `query_history` with
/// a cursor of its own. Serverless workgroups have no STL tables: there the collector reads
/// nothing and says so once.
public final class RedshiftRuleActionsCollector: Collector {
    public let name = "qmr"
    private let recorder: QueryRecorder
    private let analyzer: SQLAnalyzer
    private let reader: IncrementalReader
    private let absent = Mutex(false)

    public init(window: HistoryWindow, warehouse: String, recorder: QueryRecorder, rules: AnnotationRules, state: StateStore) {
        self.recorder = recorder
        self.analyzer = SQLAnalyzer(dialect: .redshift, rules: rules)
        self.reader = IncrementalReader(
            startSQL: Self.startSQL, pageSQL: Self.pageSQL, window: window, state: state, stateKey: "\(warehouse)/qmr")
    }

    static let startSQL = """
        SELECT to_char(max(recordtime), 'YYYY-MM-DD HH24:MI:SS.US') AS latest FROM stl_wlm_rule_action
        """

    /// A query can meet several rules, and one rule several times: each action's id is the
    /// query's, times 64, plus its rank among all the actions on that query (numbered over every
    /// action of the queries with one in the window, so the numbers do not move between polls).
    static let pageSQL = """
        SELECT id, to_char(recorded, 'YYYY-MM-DD HH24:MI:SS.US') AS ended, rule, action, text, label, username
        FROM (SELECT r.query::bigint * 64 + row_number() OVER (PARTITION BY r.query ORDER BY r.recordtime, r.rule, r.action) AS id,
                     r.recordtime AS recorded, trim(r.rule) AS rule, trim(r.action) AS action,
                     coalesce(q.querytxt, '') AS text, trim(coalesce(q.label, '')) AS label, trim(coalesce(u.usename, '')) AS username,
                     r.userid
              FROM stl_wlm_rule_action r
              LEFT JOIN stl_query q ON q.query = r.query
              LEFT JOIN pg_user u ON u.usesysid = r.userid
              WHERE r.query IN (SELECT query FROM stl_wlm_rule_action WHERE recordtime >= $1::timestamp)) actions
        WHERE userid > 1 AND action <> 'none'
          AND recorded >= $1::timestamp AND (recorded > $1::timestamp OR id > $2::bigint)
        ORDER BY recorded, id
        LIMIT $3
        """

    public func collect(_ context: CollectionContext) async throws {
        guard !absent.withLock({ $0 }) else { return }
        do {
            try await RedshiftSQL.needing(RedshiftSQL.syslog) {
                try await reader.read(context) { rows in
                    for row in rows {
                        let annotation = analyzer.context(of: try row.string("text"), storedEscapes: true).context
                        recorder.observe(RuleAction(
                            warehouse: context.warehouse, rule: try row.string("rule"), action: try row.string("action"),
                            attribution: RedshiftSQL.attribution(annotation, label: try row.string("label"), user: try row.string("username"))))
                    }
                }
            }
        } catch let error as WarehouseError where error.isUndefinedTable || error.isInsufficientPrivilege {
            // Serverless has no STL views, and refuses them rather than lacking them: the grant
            // that would help on a provisioned cluster does not exist there.
            absent.withLock { $0 = true }
            context.logger.info(
                "STL_WLM_RULE_ACTION cannot be read here (Serverless has no STL views): qmr reads nothing",
                metadata: ["error": "\(error.message)"])
        }
    }
}
