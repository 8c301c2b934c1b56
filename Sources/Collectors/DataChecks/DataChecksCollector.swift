public import QueryMetrics
public import SQLText
import Synchronization
import WarehouseClient

/// Column profiles, freshness by content and custom checks of one warehouse.
///
/// They run one at a time on the collector's one connection, so the exporter never has two of
/// its heavy queries on a warehouse at once; each has its own interval and timeout, and the
/// collector's own interval is only how often it looks for what is due. One check failing (a
/// missing table, a timeout, a bad result) is reported on `warehouse_check_success` and the
/// others run; only a lost connection ends the run.
public final class DataChecksCollector: Collector {
    public let name = "data_checks"

    private let items: [Item]
    private let dialect: SQLDialect
    private let families: DataCheckFamilies
    private let state: Mutex<State>

    public init(options: DataCheckOptions, dialect: SQLDialect, families: DataCheckFamilies) {
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
            ([warehouse, database, spec.table.schemaName, spec.table.name], GaugeSnapshot(families.profile))
        case .freshness(let spec):
            ([warehouse, database, spec.table.schemaName, spec.table.name], GaugeSnapshot([families.newestRow]))
        case .check(let spec):
            ([warehouse, spec.name], GaugeSnapshot([families.passed]))
        }
    }

    public func collect(_ context: CollectionContext) async throws {
        let clock = ContinuousClock()
        let now = clock.now
        let due = state.withLock { state in items.indices.filter { state.due[$0].map { $0 <= now } ?? true } }
        guard !due.isEmpty else { return }
        let database = try await context.query("SELECT current_database() AS name").rows.first?.string("name") ?? ""

        for index in due {
            try Task.checkCancellation()
            // A statement that ignored its cancel leaves the connection broken: the rest waits for
            // the next run, on a new one, rather than failing here one by one.
            guard context.connection.isUsable else { throw WarehouseError(.connection, "connection lost during data checks") }
            let item = items[index]
            let started = clock.now
            var (owner, gauges) = snapshot(item, warehouse: context.warehouse, database: database)
            var failure: (any Error)?
            do {
                // The session's statement_timeout is the collectors' query_timeout; a check has its own.
                _ = try await context.query("SET statement_timeout = \(Int64(item.timeout.seconds * 1000))")
                // Beyond the config's read-only check, on PostgreSQL: each item in a transaction of
                // its own that cannot write, so a function that writes or SELECT … FOR UPDATE fails
                // instead of changing or locking the data it watches. Per item, not per session: a
                // check that turns the session's default_transaction_read_only off does not reach
                // the next one, and transaction_read_only cannot be turned off once a query ran.
                // Redshift has no read-only transactions; there the grants are the barrier.
                if dialect == .postgres { _ = try await context.query("START TRANSACTION READ ONLY") }
                try await run(item, context, database: database, into: &gauges)
                if dialect == .postgres { _ = try await context.query("COMMIT") }
            } catch {
                failure = error
            }
            if dialect == .postgres, failure != nil, context.connection.isUsable {
                // A transaction left open would carry this item's failure into the next one.
                do {
                    _ = try await context.query("ROLLBACK")
                } catch {
                    throw WarehouseError(.connection, "cannot end a data check's transaction: \(error)")
                }
            }
            // Shutting down, or the connection gone: not the check's failure. It stays due, and runs
            // again first thing on the new connection.
            try Task.checkCancellation()
            if let failure = failure as? WarehouseError, failure.isConnectionLevel { throw failure }
            gauges.replace(owner: owner)
            finish(item, at: index, context: context, failure: failure, duration: clock.now - started, next: started + item.interval)
        }
    }

    /// Why each check whose last run failed failed, by its `check` label.
    public var failures: [String: String] {
        state.withLock { $0.failing }
    }

    private func run(_ item: Item, _ context: CollectionContext, database: String, into gauges: inout GaugeSnapshot) async throws {
        let connection = context.connection
        switch item {
        case .profile(let spec):
            let profiler = ColumnProfiler(spec: spec, dialect: dialect)
            let columns = try profiler.columns(
                from: try await connection.query(profiler.catalogSQL, profiler.catalogParameters, timeout: spec.timeout))
            let result = try await connection.query(profiler.profileSQL(columns), timeout: spec.timeout)
            let (rows, profiles) = try profiler.read(result, columns)
            let table = [context.warehouse, database, spec.table.schemaName, spec.table.name]
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
            let table = [context.warehouse, database, spec.table.schemaName, spec.table.name]
            if let objective = spec.objective { families.freshnessObjective.set(objective.seconds, table) }
            // Without a column, reading no row still proves the table is there and readable.
            let select = spec.column.map { "extract(epoch FROM max(\(SQLIdentifier.quote($0))))::float8 AS newest" } ?? "NULL AS newest"
            let limit = spec.column == nil ? " LIMIT 0" : ""
            let result = try await connection.query(
                "SELECT \(select) FROM \(spec.table.quoted)\(limit)", timeout: spec.timeout)
            if spec.column != nil, let newest = try result.rows.first?.optionalDouble("newest") {
                gauges.set(families.newestRow, table, newest)
            }

        case .check(let spec):
            let query = DataCheckQuery(spec: spec)
            let outcome = try query.outcome(try await connection.query(query.sql, timeout: spec.timeout))
            families.value.replace(
                owner: [context.warehouse, spec.name],
                with: outcome.values.map { value in
                    (labels: [("warehouse", context.warehouse), ("check", spec.name), ("column", value.column)] + value.labels, value: value.value)
                })
            if let passed = outcome.passed { gauges.set(families.passed, [context.warehouse, spec.name], passed ? 1 : 0) }
        }
    }

    private func finish(
        _ item: Item, at index: Int, context: CollectionContext, failure: (any Error)?, duration: Duration, next: ContinuousClock.Instant
    ) {
        let label = item.label
        let check = [context.warehouse, label]
        families.success.set(failure == nil ? 1 : 0, check)
        families.duration.set(duration.seconds, check)
        // A failed check serves no values: stale figures would read as current ones.
        if failure != nil, case .check(let spec) = item { families.value.replace(owner: [context.warehouse, spec.name], with: []) }
        let wasFailing = state.withLock { state in
            state.due[index] = next
            return if let failure { state.failing.updateValue("\(failure)", forKey: label) != nil }
                else { state.failing.removeValue(forKey: label) != nil }
        }

        if let failure, !wasFailing {
            context.logger.warning("data check failed", metadata: ["check": "\(label)", "error": "\(failure)"])
        } else if failure == nil, wasFailing {
            context.logger.info("data check recovered", metadata: ["check": "\(label)"])
        }
    }
}
