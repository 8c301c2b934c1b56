public import QueryMetrics
public import SQLText
import Synchronization
import WarehouseClient

/// What a Redshift Serverless workgroup is billed, by context: each period of
/// `SYS_SERVERLESS_USAGE` costs `charged_seconds` / 3600 × the RPU-hour price, shared among the
/// queries that ran during it in proportion to the seconds each executed within it (its time in the
/// period, less its share of queueing). A period in which nothing ran (Serverless bills a minimum
/// after activity) is counted under `app="idle"`.
///
/// Redshift computes a period's `charged_seconds` when the transactions in it end: a period can
/// read 0, then be charged minutes later. Every poll therefore reads again the periods of the last
/// `rebill` and bills what each was charged since it was last read, so the shares add up to the
/// bill (`sum(warehouse_query_cost_dollars_total)` is what AWS charges) without waiting for a
/// period to settle, and a period that read 0 once is not skipped for good. What was billed per
/// period is kept in the state file.
public final class RedshiftServerlessCostCollector: Collector {
    public struct Options: Sendable, Equatable {
        /// The price of an RPU-hour.
        public var dollarsPerRPUHour: Double
        /// How long after its end a period's charge may still grow: the longest transaction
        /// expected. Periods are read again for this long.
        public var rebill: Duration

        public init(dollarsPerRPUHour: Double, rebill: Duration = .seconds(3 * 3600)) {
            self.dollarsPerRPUHour = dollarsPerRPUHour
            self.rebill = rebill
        }
    }

    /// What has been billed: nothing of the periods that began before `floor` (the history before
    /// the exporter), and each later period's charged seconds as last read.
    struct Billed: Codable, Equatable {
        var floor: String
        var charged: [String: Double] = [:]
    }

    public let name = "serverless_cost"
    private let options: Options
    private let recorder: QueryRecorder
    private let analyzer: SQLAnalyzer
    private let state: StateStore
    private let stateKey: String
    /// The cursor of versions that read each period once, settled: where billing goes on from.
    private let legacyKey: String
    private let billed = Mutex<Billed?>(nil)

    public init(options: Options, warehouse: String, recorder: QueryRecorder, rules: AnnotationRules, state: StateStore) {
        self.options = options
        self.recorder = recorder
        self.analyzer = SQLAnalyzer(dialect: .redshift, rules: rules)
        self.state = state
        self.stateKey = "\(warehouse)/serverless_cost/billed"
        self.legacyKey = "\(warehouse)/serverless_cost"
    }

    static let latestSQL = """
        SELECT to_char(max(end_time), 'YYYY-MM-DD HH24:MI:SS.US') AS latest FROM sys_serverless_usage
        """

    /// The periods that began at or after `$1`, by their start.
    static let periodsSQL = """
        SELECT to_char(start_time, 'YYYY-MM-DD HH24:MI:SS.US') AS started, to_char(end_time, 'YYYY-MM-DD HH24:MI:SS.US') AS ended,
               coalesce(charged_seconds, 0)::float8 AS charged
        FROM sys_serverless_usage
        WHERE start_time >= $1::timestamp
        ORDER BY start_time
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
            guard let latest = RedshiftTimestamp(try await context.query(Self.latestSQL).rows.first?.text("latest") ?? "") else { return }
            let known = billed.withLock { $0 } ?? state.load(Billed.self, key: stateKey)
            guard var current = known ?? state.load(QueryHistoryCursor.self, key: legacyKey).map({ Billed(floor: $0.high.text) }) else {
                // The first start: what ended before it is history.
                try save(Billed(floor: latest.text))
                return
            }
            let windowStart = latest.adding(seconds: -options.rebill.seconds)
            let from = max(windowStart, RedshiftTimestamp(current.floor) ?? windowStart)
            for period in try await context.query(Self.periodsSQL, [from.text]).rows {
                let started = try period.string("started")
                let charged = try period.double("charged")
                let increase = charged - (current.charged[started] ?? 0)
                current.charged[started] = max(charged, current.charged[started] ?? 0)
                guard increase > 0 else { continue }
                try await share(increase / 3600 * options.dollarsPerRPUHour, from: started, to: try period.string("ended"), context)
                // Saved as each period is billed: a crash bills at most this period again.
                try save(current)
            }
            // Periods older than the window are not read again: their entries go.
            current.charged = current.charged.filter { RedshiftTimestamp($0.key).map { $0 >= windowStart } ?? false }
            try save(current)
        }
    }

    private func save(_ value: Billed) throws {
        billed.withLock { $0 = value }
        _ = try state.save(value, key: stateKey)
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
