public import QueryMetrics
public import SQLText
import WarehouseClient

/// What a Redshift Serverless workgroup is billed, by context: each period of
/// `SYS_SERVERLESS_USAGE` (read once, with a cursor of its own) costs `charged_seconds` / 3600 ×
/// the RPU-hour price, shared among the queries that ran during it in proportion to the seconds
/// each executed within it (its time in the period, less its share of queueing). A period in which
/// nothing ran (Serverless bills a minimum after activity) is counted under `app="idle"`. The
/// shares add up to the bill: `sum(warehouse_query_cost_dollars_total)` is what AWS charges, a
/// few minutes late (a period is read once its charge has settled).
public final class RedshiftServerlessCostCollector: Collector {
    public struct Options: Sendable, Equatable {
        public var window: HistoryWindow
        /// The price of an RPU-hour.
        public var dollarsPerRPUHour: Double

        public init(window: HistoryWindow = HistoryWindow(), dollarsPerRPUHour: Double) {
            self.window = window
            self.dollarsPerRPUHour = dollarsPerRPUHour
        }
    }

    public let name = "serverless_cost"
    private let price: Double
    private let recorder: QueryRecorder
    private let analyzer: SQLAnalyzer
    private let reader: IncrementalReader

    public init(options: Options, warehouse: String, recorder: QueryRecorder, rules: AnnotationRules, state: StateStore) {
        self.price = options.dollarsPerRPUHour
        self.recorder = recorder
        self.analyzer = SQLAnalyzer(dialect: .redshift, rules: rules)
        self.reader = IncrementalReader(
            startSQL: Self.startSQL, pageSQL: Self.pageSQL, window: options.window, state: state, stateKey: "\(warehouse)/serverless_cost")
    }

    static let startSQL = """
        SELECT to_char(max(end_time), 'YYYY-MM-DD HH24:MI:SS.US') AS latest FROM sys_serverless_usage
        """

    /// Periods are told apart by their start, in epoch seconds. Redshift fills `charged_seconds`
    /// in once the transactions of a period end, so a period is read only when it ended at least
    /// five minutes before the latest one.
    static let pageSQL = """
        SELECT id, ended, started, charged FROM (
            SELECT extract(epoch FROM start_time)::bigint AS id, end_time,
                   to_char(end_time, 'YYYY-MM-DD HH24:MI:SS.US') AS ended, to_char(start_time, 'YYYY-MM-DD HH24:MI:SS.US') AS started,
                   coalesce(charged_seconds, 0)::float8 AS charged
            FROM sys_serverless_usage
            WHERE end_time >= $1::timestamp
              AND end_time <= (SELECT max(end_time) FROM sys_serverless_usage) - interval '5 minutes') usage
        WHERE end_time >= $1::timestamp AND (end_time > $1::timestamp OR id > $2::bigint)
        ORDER BY end_time, id
        LIMIT $3
        """

    /// The queries that ran during a period (`$1` to `$2`), finished or not.
    static let queriesSQL = """
        SELECT q.query_id::bigint AS id, to_char(q.start_time, 'YYYY-MM-DD HH24:MI:SS.US') AS started,
               to_char(CASE WHEN q.status IN ('success', 'failed', 'canceled') THEN q.end_time ELSE $2::timestamp END,
                       'YYYY-MM-DD HH24:MI:SS.US') AS ended,
               coalesce(q.elapsed_time, 0)::bigint AS elapsed, coalesce(q.execution_time, 0)::bigint AS executed,
               coalesce(q.query_text, '') AS text, q.status IN ('success', 'failed', 'canceled') AS finished,
               trim(coalesce(q.query_label, '')) AS label, trim(coalesce(u.usename, '')) AS username
        FROM sys_query_history q LEFT JOIN pg_user u ON u.usesysid = q.user_id
        WHERE q.start_time < $2::timestamp AND q.user_id > 1 AND q.status NOT IN ('planning', 'queued')
          -- A running query's end_time is set (just after its start): its status says it runs on.
          AND (q.status NOT IN ('success', 'failed', 'canceled') OR q.end_time > $1::timestamp)
        """

    public func collect(_ context: CollectionContext) async throws {
        try await RedshiftSQL.needing("GRANT SELECT ON sys_serverless_usage TO <user>", RedshiftSQL.syslog) {
            try await reader.read(context) { periods in
                for period in periods {
                    let charged = try period.double("charged")
                    guard charged > 0 else { continue }
                    try await share(charged / 3600 * price, from: try period.string("started"), to: try period.string("ended"), context)
                }
            }
        }
    }

    private func share(_ dollars: Double, from start: String, to end: String, _ context: CollectionContext) async throws {
        guard let periodStart = RedshiftTimestamp(start), let periodEnd = RedshiftTimestamp(end) else { return }
        let rows = try await context.query(Self.queriesSQL, [start, end]).rows
        let texts = try await RedshiftHistory.wholeTexts(of: rows, view: "sys_query_text", id: "query_id", chunk: 4000, context)
        // Who each share of the period's charge goes to.
        var weights: [Attribution: Double] = [:]
        for row in rows {
            guard let started = RedshiftTimestamp(try row.string("started")), let ended = RedshiftTimestamp(try row.string("ended")) else { continue }
            let inside = Double(min(ended.microseconds, periodEnd.microseconds) - max(started.microseconds, periodStart.microseconds))
            let elapsed = Double(try row.int64("elapsed"))
            // A finished query's queueing used no compute: scale its time by its execution share. A
            // running query's times so far say little (its execution time may still read 0): all of
            // its time in the period counts.
            let executing = try row.bool("finished") && elapsed > 0 ? min(1, Double(try row.int64("executed")) / elapsed) : 1
            guard inside > 0 else { continue }
            let annotation = analyzer.context(of: try texts[try row.int64("id")] ?? row.string("text"), storedEscapes: true).context
            let payer = RedshiftSQL.attribution(annotation, label: try row.string("label"), user: try row.string("username"))
            weights[payer, default: 0] += inside * executing
        }
        let total = weights.values.reduce(0, +)
        guard total > 0 else {
            recorder.observeCost(dollars, warehouse: context.warehouse, attribution: Attribution(fallbackApp: "idle"))
            return
        }
        for (payer, weight) in weights {
            recorder.observeCost(dollars * weight / total, warehouse: context.warehouse, attribution: payer)
        }
    }
}
