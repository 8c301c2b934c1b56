public import QueryMetrics
public import SQLText
import Synchronization
import WarehouseClient

/// For servers whose logs cannot be read (managed services): `pg_stat_statements` as counters of
/// calls, execution seconds and rows per statement shape, database and role. The server keeps
/// cumulative totals per entry and evicts entries when full; this collector adds each entry's
/// increase since its last run (an entry that is new, or was reset, counts from zero), so the
/// counters stay monotonic. The first run only takes the baseline.
///
/// Context comes from the text the server kept for the entry, which is the first caller's: two
/// apps running the same statement share its annotation (docs/postgres.md).
public final class PostgresStatementsCollector: Collector {
    public let name = "statements"
    private let recorder: QueryRecorder
    private let analyzer: SQLAnalyzer
    /// Each entry's totals at the last run: calls, milliseconds, rows.
    private let previous = Mutex<[String: [Double]]?>(nil)

    public init(recorder: QueryRecorder, rules: AnnotationRules) {
        self.recorder = recorder
        self.analyzer = SQLAnalyzer(dialect: .postgres, rules: rules)
    }

    /// The statistics keep no session, only the role: the exporter's own polling (which they
    /// record like any query) is recognised by its annotation under the exporter's role.
    static let sql = """
        SELECT s.userid::text || '/' || s.dbid::text || '/' || s.queryid::text AS entry,
               d.datname AS database, coalesce(r.rolname, '') AS "user", s.calls::float8 AS calls,
               s.total_exec_time::float8 AS milliseconds, s.rows::float8 AS rows, coalesce(s.query, '') AS query,
               coalesce(s.userid = (SELECT oid FROM pg_roles WHERE rolname = current_user), false) AS own_role
        FROM pg_stat_statements s
        JOIN pg_database d ON d.oid = s.dbid
        LEFT JOIN pg_roles r ON r.oid = s.userid
        WHERE s.toplevel
        """

    public func collect(_ context: CollectionContext) async throws {
        let result: QueryResult
        do {
            result = try await context.query(Self.sql)
        } catch let error as WarehouseError where error.isUndefinedTable || error.isObjectNotInPrerequisiteState {
            throw WarehouseError(
                .query,
                "pg_stat_statements is not available: add it to shared_preload_libraries and CREATE EXTENSION pg_stat_statements (docs/postgres.md); \(error.message)",
                sqlState: error.sqlState)
        }
        var current: [String: [Double]] = [:]
        var rows: [(entry: String, database: String, user: String, query: String, own: Bool, totals: [Double])] = []
        for row in result.rows {
            let entry = try row.string("entry")
            let totals = [try row.double("calls"), try row.double("milliseconds"), try row.double("rows")]
            current[entry] = totals
            rows.append((entry, try row.string("database"), try row.string("user"), try row.string("query"), try row.bool("own_role"), totals))
        }
        let previous = self.previous.withLock { previous in
            defer { previous = current }
            return previous
        }
        guard let previous else { return }  // the baseline
        for row in rows {
            let before = previous[row.entry] ?? [0, 0, 0]
            // A total that went down was reset: what it holds now is what happened since.
            let increase = zip(row.totals, before).map { now, then in now >= then ? now - then : now }
            guard increase[0] > 0 else { continue }
            let analysis = analyzer.analyze(row.query)
            var annotation = analysis.context
            annotation.user = nil  // the entry belongs to the role; the first caller's user is not everyone's
            let attribution = Attribution(context: annotation, databaseUser: row.user)
            guard !OwnStatements.contains(attribution, ranAsExportersRole: row.own) else { continue }
            recorder.observe(StatementTotals(
                warehouse: context.warehouse, database: row.database, attribution: attribution,
                fingerprint: analysis.fingerprint, calls: increase[0], executionSeconds: increase[1] / 1000, rows: increase[2]))
        }
    }
}
