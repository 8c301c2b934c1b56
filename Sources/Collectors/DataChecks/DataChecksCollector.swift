import Logging
public import QueryMetrics
import SQLText
import Synchronization
import WarehouseClient

/// Column profiles, freshness by content and custom checks of one warehouse.
///
/// They run one at a time on the collector's one connection, so the exporter never has two of
/// its heavy queries on a warehouse at once; each has its own interval and timeout, and the
/// collector's own interval is only how often it looks for what is due. One check failing (a
/// missing table, a timeout, a bad result) is reported on `warehouse_check_success` and the
/// others run; only a lost connection ends the run.
///
/// The same checks run through libpq (PostgreSQL, Redshift) or ClickHouse's HTTP interface: what
/// differs is how a statement is kept from writing and bounded in time and rows (``Session``).
public final class DataChecksCollector: Collector, ClickHouseCollector {
    public let name = "data_checks"

    private let items: [Item]
    private let dialect: DataCheckDialect
    private let families: DataCheckFamilies
    private let state: Mutex<State>

    public init(options: DataCheckOptions, dialect: DataCheckDialect, families: DataCheckFamilies) {
        items = options.profiles.map(Item.profile) + options.freshness.map(Item.freshness) + options.checks.map(Item.check)
        self.dialect = dialect
        self.families = families
        state = Mutex(State(due: Array(repeating: nil, count: items.count)))
    }

    enum Item {
        case profile(ColumnProfileSpec)
        case freshness(FreshnessSpec)
        case check(DataCheckSpec)

        /// The `check` label.
        var label: String {
            switch self {
            case .profile(let spec): "profile:\(spec.table.qualified)"
            case .freshness(let spec): "freshness:\(spec.table.qualified)"
            case .check(let spec): spec.name
            }
        }

        var interval: Duration {
            switch self {
            case .profile(let spec): spec.interval
            case .freshness(let spec): spec.interval
            case .check(let spec): spec.interval
            }
        }

        var timeout: Duration {
            switch self {
            case .profile(let spec): spec.timeout
            case .freshness(let spec): spec.timeout
            case .check(let spec): spec.timeout
            }
        }
    }

    private struct State {
        /// When each item is next due; nil before its first run.
        var due: [ContinuousClock.Instant?]
        /// Why each failing item's last run failed, by `check` label; to log a change of state once.
        var failing: [String: String] = [:]
    }

    /// The series an item's run replaces: its owner (the table it profiles or watches, or the
    /// check) in the families it sets.
    private func snapshot(_ item: Item, warehouse: String, database: String) -> (owner: [String], gauges: GaugeSnapshot) {
        switch item {
        case .profile(let spec):
            (labels(spec.table, warehouse: warehouse, database: database), GaugeSnapshot(families.profile))
        case .freshness(let spec):
            (labels(spec.table, warehouse: warehouse, database: database), GaugeSnapshot([families.newestRow]))
        case .check(let spec):
            ([warehouse, spec.name], GaugeSnapshot([families.passed]))
        }
    }

    /// One run's statements, on whichever client the warehouse is read with.
    private struct Session {
        var warehouse: String
        var logger: Logger
        var isUsable: () -> Bool
        /// Runs one statement of `item` (whose timeout bounds it), with `parameters` for `$1`…
        /// (libpq only; ClickHouse statements carry their values inline).
        var query: (_ sql: String, _ parameters: [String?], _ item: Item) async throws -> QueryResult
        /// Runs `body`, the statements of `item`, so that they cannot write.
        var readOnly: (_ item: Item, _ body: () async throws -> Void) async throws -> Void
        /// Ends what ``readOnly`` began after `body` failed, so the next item starts clean.
        var recover: () async throws -> Void
    }

    private func due() -> [Int] {
        let now = ContinuousClock.now
        return state.withLock { state in items.indices.filter { state.due[$0].map { $0 <= now } ?? true } }
    }

    public func collect(_ context: CollectionContext) async throws {
        let due = due()
        guard !due.isEmpty else { return }
        let database = try await context.query("SELECT current_database() AS name").rows.first?.string("name") ?? ""
        let connection = context.connection
        let postgres = dialect == .postgres
        let session = Session(
            warehouse: context.warehouse, logger: context.logger, isUsable: { connection.isUsable },
            query: { sql, parameters, item in try await connection.query(sql, parameters, timeout: item.timeout) },
            readOnly: { item, body in
                // The session's statement_timeout is the collectors' query_timeout; a check has its own.
                _ = try await context.query("SET statement_timeout = \(Int64(item.timeout.seconds * 1000))")
                // Beyond the config's read-only check, on PostgreSQL: each item in a transaction of
                // its own that cannot write, so a function that writes or SELECT … FOR UPDATE fails
                // instead of changing or locking the data it watches. Per item, not per session: a
                // check that turns the session's default_transaction_read_only off does not reach
                // the next one, and transaction_read_only cannot be turned off once a query ran.
                // Redshift has no read-only transactions; there the grants are the barrier.
                if postgres { _ = try await context.query("START TRANSACTION READ ONLY") }
                try await body()
                if postgres { _ = try await context.query("COMMIT") }
            },
            recover: {
                // A transaction left open would carry this item's failure into the next one.
                guard postgres, connection.isUsable else { return }
                do {
                    _ = try await context.query("ROLLBACK")
                } catch {
                    throw WarehouseError(.connection, "cannot end a data check's transaction: \(error)")
                }
            })
        try await run(due, session, database: database)
    }

    /// On ClickHouse, each statement carries its own bounds as settings: `readonly=1` (whatever
    /// the statement would write, even through a table function, fails with the server's error)
    /// and `max_execution_time`. A user whose profile is already read-only may change no setting,
    /// and needs none of them to be kept from writing; the client's deadline (which kills the
    /// statement) still bounds its time. Rows are bounded by the check's `LIMIT`, not by
    /// `max_result_rows`, which the server applies to every sub-query and view too and, in its
    /// `break` mode, would cut a `count()` over them short without an error.
    public func collect(_ context: ClickHouseContext) async throws {
        let due = due()
        guard !due.isEmpty else { return }
        let connection = context.connection
        let row = try await context.query("SELECT currentDatabase() AS name, getSetting('readonly') AS readonly").rows.first
        let database = try row?.string("name") ?? ""
        let readonly = try row?.int64("readonly") ?? 0
        let session = Session(
            warehouse: context.warehouse, logger: context.logger, isUsable: { connection.isUsable },
            query: { sql, _, item in
                var settings: [String: String] = [:]
                if readonly == 0 { settings["readonly"] = "1" }
                if readonly != 1 { settings["max_execution_time"] = String(Int64(item.timeout.seconds.rounded(.up))) }
                return try await connection.query(sql, settings: settings, timeout: item.timeout)
            },
            readOnly: { _, body in try await body() }, recover: {})
        try await run(due, session, database: database)
    }

    private func run(_ due: [Int], _ session: Session, database: String) async throws {
        let clock = ContinuousClock()
        for index in due {
            try Task.checkCancellation()
            // A statement that ignored its cancel leaves the connection broken: the rest waits for
            // the next run, on a new one, rather than failing here one by one.
            guard session.isUsable() else { throw WarehouseError(.connection, "connection lost during data checks") }
            let item = items[index]
            let started = clock.now
            var (owner, gauges) = snapshot(item, warehouse: session.warehouse, database: database)
            var failure: (any Error)?
            do {
                try await session.readOnly(item) { try await self.run(item, session, database: database, into: &gauges) }
            } catch {
                failure = error
            }
            if failure != nil { try await session.recover() }
            // Shutting down, or the connection gone: not the check's failure. It stays due, and runs
            // again first thing on the new connection.
            try Task.checkCancellation()
            if let failure = failure as? WarehouseError, failure.isConnectionLevel { throw failure }
            gauges.replace(owner: owner)
            finish(item, at: index, session: session, failure: failure, duration: clock.now - started, next: started + item.interval)
        }
    }

    /// A table's labels: warehouse, database, schema, table. ClickHouse has databases and no
    /// schemas: a table's database is both, as the tables collector labels it.
    private func labels(_ table: TableName, warehouse: String, database: String) -> [String] {
        [warehouse, dialect == .clickhouse ? table.schemaName : database, table.schemaName, table.name]
    }

    /// Why each check whose last run failed failed, by its `check` label.
    public var failures: [String: String] {
        state.withLock { $0.failing }
    }

    private func run(_ item: Item, _ session: Session, database: String, into gauges: inout GaugeSnapshot) async throws {
        switch item {
        case .profile(let spec):
            let profiler = ColumnProfiler(spec: spec, dialect: dialect)
            let columns = try profiler.columns(from: try await session.query(profiler.catalogSQL, profiler.catalogParameters, item))
            let result = try await session.query(profiler.profileSQL(columns), [], item)
            let (rows, profiles) = try profiler.read(result, columns)
            let table = labels(spec.table, warehouse: session.warehouse, database: database)
            gauges.set(families.profileRows, table, rows)
            for profile in profiles {
                let labels = table + [profile.column.name]
                gauges.set(families.columnMin, labels, profile.min)
                gauges.set(families.columnMax, labels, profile.max)
                gauges.set(families.columnMean, labels, profile.mean)
                gauges.set(families.columnNulls, labels, profile.nulls)
                gauges.set(families.columnDistinct, labels, profile.distinct)
                gauges.set(families.columnChars, labels, profile.chars)
                gauges.set(families.columnInfo, labels + [profile.column.type, profile.column.encoding], 1)
            }

        case .freshness(let spec):
            let table = labels(spec.table, warehouse: session.warehouse, database: database)
            if let objective = spec.objective { families.freshnessObjective.set(objective.seconds, table) }
            // Without a column, reading no row still proves the table is there and readable.
            let newest = spec.column.map { column in
                let quoted = SQLIdentifier.quote(column)
                // An empty table has no newest row: NULL, not ClickHouse's default of 1970.
                return dialect == .clickhouse
                    ? "if(count() = 0, NULL, toFloat64(toUnixTimestamp64Micro(toDateTime64(max(\(quoted)), 6, 'UTC'))) / 1000000) AS newest"
                    : "extract(epoch FROM max(\(quoted)))::float8 AS newest"
            } ?? "NULL AS newest"
            let limit = spec.column == nil ? " LIMIT 0" : ""
            let result = try await session.query("SELECT \(newest) FROM \(spec.table.quoted)\(limit)", [], item)
            if spec.column != nil, let newest = try result.rows.first?.optionalDouble("newest") {
                gauges.set(families.newestRow, table, newest)
            }

        case .check(let spec):
            let query = DataCheckQuery(spec: spec)
            let outcome = try query.outcome(try await session.query(query.sql, [], item))
            families.value.replace(
                owner: [session.warehouse, spec.name],
                with: outcome.values.map { value in
                    (labels: [("warehouse", session.warehouse), ("check", spec.name), ("column", value.column)] + value.labels, value: value.value)
                })
            if let passed = outcome.passed { gauges.set(families.passed, [session.warehouse, spec.name], passed ? 1 : 0) }
        }
    }

    private func finish(
        _ item: Item, at index: Int, session: Session, failure: (any Error)?, duration: Duration, next: ContinuousClock.Instant
    ) {
        let label = item.label
        let check = [session.warehouse, label]
        families.success.set(failure == nil ? 1 : 0, check)
        families.duration.set(duration.seconds, check)
        // A failed check serves no values: stale figures would read as current ones.
        if failure != nil, case .check(let spec) = item { families.value.replace(owner: [session.warehouse, spec.name], with: []) }
        let wasFailing = state.withLock { state in
            state.due[index] = next
            return if let failure { state.failing.updateValue("\(failure)", forKey: label) != nil }
                else { state.failing.removeValue(forKey: label) != nil }
        }

        if let failure, !wasFailing {
            session.logger.warning("data check failed", metadata: ["check": "\(label)", "error": "\(failure)"])
        } else if failure == nil, wasFailing {
            session.logger.info("data check recovered", metadata: ["check": "\(label)"])
        }
    }
}
