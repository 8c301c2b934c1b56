public import SQLText
import Synchronization

/// Turns query records into the query metric families under the label policy: latency and queue
/// histograms, per-statement latency, execution seconds and cost counters, and the overflow
/// counter that says when the policy folded something.
///
/// One lock guards every family; an observation takes it once. A scrape renders under the same
/// lock and never waits on a warehouse.
public final class QueryRecorder: Sendable {
    public static let durationName = "warehouse_query_duration_seconds"
    public static let queueName = "warehouse_query_queue_seconds"
    public static let statementName = "warehouse_statement_duration_seconds"
    public static let executionName = "warehouse_query_execution_seconds_total"
    public static let costName = "warehouse_query_cost_dollars_total"
    public static let overflowName = "warehouse_exporter_label_overflow_total"
    public static let tableReadsName = "warehouse_table_reads_total"
    public static let tableWritesName = "warehouse_table_writes_total"
    public static let tableRowsWrittenName = "warehouse_table_rows_written_total"
    public static let statementCallsName = "warehouse_statement_calls_total"
    public static let statementExecutionName = "warehouse_statement_execution_seconds_total"
    public static let statementRowsName = "warehouse_statement_rows_total"
    public static let loadedRowsName = "warehouse_table_loaded_rows_total"
    public static let loadedBytesName = "warehouse_table_loaded_bytes_total"
    public static let loadErrorsName = "warehouse_table_load_errors_total"
    public static let ruleActionsName = "warehouse_query_rule_actions_total"
    public static let runningName = "warehouse_queries_running"
    public static let queuedName = "warehouse_queries_queued"
    public static let oldestRunningName = "warehouse_query_oldest_running_seconds"
    public static let blockedName = "warehouse_queries_blocked"
    public static let idleInTransactionName = "warehouse_sessions_idle_in_transaction"
    public static let oldestIdleInTransactionName = "warehouse_session_idle_in_transaction_oldest_seconds"

    /// Upper bounds of the latency and queue histograms, in seconds: 15 bounds and +Inf.
    /// docs/metrics.md gives the reasons for each.
    public static let buckets: [Double] = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 900, 3600]

    public let policy: LabelPolicy
    private let hasher: UserHasher?
    private let layout: Layout
    private let state: Mutex<State>
    private let clockStart = ContinuousClock.now

    /// Label names per family, in the canonical order, with the policy's dimensions only.
    struct Layout: Sendable {
        let duration: [String]
        let queue: [String]
        let statement: [String]
        let context: [String]
        /// Context dimensions of the table families (DESIGN.md): who read a table, who wrote it.
        let readDimensions: [LabelPolicy.Dimension]
        let writeDimensions: [LabelPolicy.Dimension]
        let tableReads: [String]
        let tableWrites: [String]
        /// Context dimensions of the activity families: who is running, waiting, idle.
        let activityDimensions: [LabelPolicy.Dimension]
        let statementTotalsDimensions: [LabelPolicy.Dimension]
        let statementTotals: [String]
        let loadDimensions: [LabelPolicy.Dimension]
        let loads: [String]
        let ruleActions: [String]

        init(dimensions: Set<LabelPolicy.Dimension>, userDropped: Bool) {
            let order: [LabelPolicy.Dimension] = [.app, .user, .dag, .task, .dashboard, .chart, .model]
            let on = order.filter(dimensions.contains).map(\.rawValue)
            duration = ["warehouse", "database"] + on + ["query_type", "status"]
            queue = ["warehouse", "database"] + on + ["query_type"]
            statement = ["warehouse"] + on.filter { $0 != "user" } + ["fingerprint"]
            context = ["warehouse"] + on
            readDimensions = [.app, .dag, .task, .dashboard, .model].filter(dimensions.contains)
            // The chart (a Redash query, a Metabase card) that wrote a table is step 5 of the
            // root-cause walk, so writes carry it even when the query families do not.
            writeDimensions = [.app, .user, .dag, .task, .chart].filter { dimensions.contains($0) || ($0 == .chart) }
                .filter { !(userDropped && $0 == .user) }
            activityDimensions = [.app, .user].filter(dimensions.contains)
            statementTotalsDimensions = [.app, .user, .dag, .task, .dashboard, .model].filter(dimensions.contains)
            statementTotals = ["warehouse", "database"] + statementTotalsDimensions.map(\.rawValue) + ["fingerprint"]
            loadDimensions = [.app, .user, .dag, .task].filter(dimensions.contains)
            loads = ["warehouse", "schema", "table"] + loadDimensions.map(\.rawValue)
            ruleActions = ["warehouse", "rule", "action"] + loadDimensions.map(\.rawValue)
            tableReads = ["warehouse", "schema", "table"] + readDimensions.map(\.rawValue)
            tableWrites = ["warehouse", "schema", "table", "operation"] + writeDimensions.map(\.rawValue)
        }
    }

    private struct State {
        var duration: GuardedFamily<HistogramStore>
        var queue: GuardedFamily<HistogramStore>
        var statement: GuardedFamily<HistogramStore>
        var execution: GuardedFamily<CounterStore>
        var cost: GuardedFamily<CounterStore>
        var overflow: CounterStore
        var tableReads: GuardedFamily<CounterStore>
        var tableWrites: GuardedFamily<CounterStore>
        var tableRowsWritten: GuardedFamily<CounterStore>
        /// Activity, replaced at each poll: running, queued, oldest running, blocked, idle in a
        /// transaction and the oldest of those.
        var activity: [SnapshotStore]
        /// Statement totals from a statistics view (pg_stat_statements): calls, seconds, rows.
        var statementTotals: [GuardedFamily<CounterStore>]
        /// Bulk loads: rows, bytes, errors.
        var loads: [GuardedFamily<CounterStore>]
        /// Query monitoring rule actions (Redshift).
        var ruleActions: GuardedFamily<CounterStore>
        /// Top-statement trackers by app/DAG/task, indexed from ``parents``.
        var trackers: [TopStatements] = []
        var parents: [[String]: Int] = [:]
        /// What each distinct record resolved to; cleared whenever expiry may have freed a slot.
        var resolved: [RecordKey: ResolvedRecord] = [:]
        var lastSweep: Double = 0
    }

    /// A table and operation of ``RowsWritten``.
    private struct RowsKey: Hashable {
        var table: TableName
        var operation: String
    }

    /// Everything in a record that decides its label values.
    private struct RecordKey: Hashable {
        var warehouse: String
        var database: String
        var context: QueryContext
        var fallbackApp: String?
        var databaseUser: String?
        var queryType: String
        var status: QueryStatus

        init(_ record: QueryRecord) {
            warehouse = record.warehouse
            database = record.database
            context = record.context
            fallbackApp = record.fallbackApp
            databaseUser = record.databaseUser
            queryType = record.queryType
            status = record.status
        }
    }

    /// A record's series, resolved under the policy once: the slots it observes into and the
    /// overflow counters its folds bump on every observation.
    private final class ResolvedRecord {
        let duration: Int
        let queue: Int
        let execution: Int
        var cost: Int?
        let folds: [Int]
        var costFolds: [Int] = []
        /// The statement family's labels without the fingerprint, and the tracker of its parent.
        let statementLabels: [String]
        let tracker: Int
        /// The context label values of the table families.
        let readContext: [String]
        let writeContext: [String]
        var statements: [UInt64: (slot: Int, folds: [Int])] = [:]
        /// The table families' slots, per table read and per table written.
        var reads: [TableName: (slot: Int, folds: [Int])] = [:]
        var writes: [TableName: (slot: Int, folds: [Int])] = [:]
        var rowsWritten: [RowsKey: (slot: Int, folds: [Int])] = [:]
        var otherStatement: (slot: Int, folds: [Int])?

        init(duration: Int, queue: Int, execution: Int, folds: [Int], statementLabels: [String], tracker: Int,
             readContext: [String], writeContext: [String]) {
            self.duration = duration
            self.queue = queue
            self.execution = execution
            self.folds = folds
            self.statementLabels = statementLabels
            self.tracker = tracker
            self.readContext = readContext
            self.writeContext = writeContext
        }
    }

    public init(policy: LabelPolicy = LabelPolicy()) {
        var policy = policy
        if policy.user == .drop { policy.dimensions.remove(.user) }
        self.policy = policy
        hasher = policy.user == .hash ? UserHasher(salt: policy.userHashSalt ?? "") : nil
        let layout = Layout(dimensions: policy.dimensions, userDropped: policy.user == .drop)
        self.layout = layout
        let uncapped: Set<String> = ["warehouse", "status"]
        func histogram(_ name: String, _ help: String, _ labels: [String]) -> GuardedFamily<HistogramStore> {
            GuardedFamily(HistogramStore(name: name, help: help, labelNames: labels, bounds: Self.buckets),
                          labelNames: labels, uncapped: uncapped, policy: policy)
        }
        func counter(_ name: String, _ help: String, _ labels: [String] = layout.context) -> GuardedFamily<CounterStore> {
            GuardedFamily(CounterStore(name: name, help: help, labelNames: labels),
                          labelNames: labels, uncapped: uncapped, policy: policy)
        }
        state = Mutex(State(
            duration: histogram(Self.durationName, "Wall-clock time of finished queries, queueing included.", layout.duration),
            queue: histogram(Self.queueName, "Time finished queries waited in a queue before running.", layout.queue),
            statement: histogram(
                Self.statementName,
                "Wall-clock time of finished queries per statement shape; the heaviest statements of each app, DAG and task, the rest __other__.",
                layout.statement),
            execution: counter(Self.executionName, "Seconds finished queries spent executing."),
            cost: counter(Self.costName, "Estimated dollars finished queries cost."),
            overflow: CounterStore(
                name: Self.overflowName, help: "Label values or series the label policy folded into __other__.",
                labelNames: ["metric", "label"]),
            tableReads: counter(Self.tableReadsName, "Successful statements that read the table, by who ran them.", layout.tableReads),
            tableWrites: counter(
                Self.tableWritesName, "Successful statements that wrote the table, by operation and who ran them.", layout.tableWrites),
            tableRowsWritten: counter(
                Self.tableRowsWrittenName, "Rows inserted, updated or deleted in the table, by who wrote them where the warehouse says.",
                layout.tableWrites),
            activity: Self.activityStores(layout),
            statementTotals: [
                counter(Self.statementCallsName, "Executions of the statement, from the server's statement statistics.", layout.statementTotals),
                counter(Self.statementExecutionName, "Seconds spent executing the statement, from the server's statement statistics.", layout.statementTotals),
                counter(Self.statementRowsName, "Rows the statement returned or changed, from the server's statement statistics.", layout.statementTotals),
            ],
            loads: [
                counter(Self.loadedRowsName, "Rows bulk loads (COPY) put into the table.", layout.loads),
                counter(Self.loadedBytesName, "Bytes bulk loads (COPY) put into the table.", layout.loads),
                counter(Self.loadErrorsName, "Errors bulk loads (COPY) into the table reported.", layout.loads),
            ],
            ruleActions: counter(
                Self.ruleActionsName, "Actions query monitoring rules took on queries: abort, log, hop, priority change.", layout.ruleActions)))
    }

    /// Counts one finished bulk load.
    public func observe(_ load: LoadRecord) {
        let now = self.now
        let values = [load.warehouse, truncated(load.table.schema ?? ""), truncated(load.table.name)]
            + layout.loadDimensions.map { value(of: $0, context: load.context, fallbackApp: load.fallbackApp, databaseUser: load.databaseUser) }
        state.withLock { state in
            var folds: [Int] = []
            // The rows counter gets a series for every load, even one that loaded nothing.
            for (index, amount) in [load.rows, load.bytes, load.errors].enumerated() where amount > 0 || index == 0 {
                let slot = state.loads[index].slot(values, labelNames: layout.loads, now: now, overflow: &state.overflow, folds: &folds)
                state.loads[index].store.add(amount, slot: slot, now: now)
            }
            count(folds, &state, now: now)
        }
    }

    /// Adds dollars to a context's cost apart from any one query: a share of a charge the
    /// warehouse bills by period (Redshift Serverless).
    public func observeCost(_ dollars: Double, warehouse: String, context: QueryContext, fallbackApp: String?, databaseUser: String?) {
        let now = self.now
        let values = [warehouse] + contextValues(context, fallbackApp: fallbackApp, databaseUser: databaseUser)
        state.withLock { state in
            var folds: [Int] = []
            let slot = state.cost.slot(values, labelNames: layout.context, now: now, overflow: &state.overflow, folds: &folds)
            state.cost.store.add(dollars, slot: slot, now: now)
            count(folds, &state, now: now)
        }
    }

    /// Counts one action of a query monitoring rule.
    public func observe(_ action: RuleAction) {
        let now = self.now
        let values = [action.warehouse, truncated(action.rule), truncated(action.action)]
            + layout.loadDimensions.map { value(of: $0, context: action.context, fallbackApp: action.fallbackApp, databaseUser: action.databaseUser) }
        state.withLock { state in
            var folds: [Int] = []
            let slot = state.ruleActions.slot(values, labelNames: layout.ruleActions, now: now, overflow: &state.overflow, folds: &folds)
            state.ruleActions.store.add(1, slot: slot, now: now)
            count(folds, &state, now: now)
        }
    }

    /// Adds what a statement did since the last sample of the server's statement statistics.
    public func observe(_ totals: StatementTotals, now: Double? = nil) {
        let now = now ?? self.now
        let values = [totals.warehouse, truncated(totals.database)]
            + layout.statementTotalsDimensions.map { value(of: $0, context: totals.context, fallbackApp: nil, databaseUser: totals.user) }
            + [totals.fingerprint.description]
        state.withLock { state in
            var folds: [Int] = []
            for (index, amount) in [totals.calls, totals.executionSeconds, totals.rows].enumerated() where amount > 0 {
                let slot = state.statementTotals[index].slot(values, labelNames: layout.statementTotals, now: now, overflow: &state.overflow, folds: &folds)
                state.statementTotals[index].store.add(amount, slot: slot, now: now)
            }
            count(folds, &state, now: now)
        }
    }

    /// The activity families, in the order ``observe(_:)-(ActivitySnapshot)`` fills them.
    private static func activityStores(_ layout: Layout) -> [SnapshotStore] {
        let who = ["warehouse"] + layout.activityDimensions.map(\.rawValue)
        let app = ["warehouse"] + layout.activityDimensions.filter { $0 == .app }.map(\.rawValue)
        return [
            SnapshotStore(name: runningName, help: "Queries running now.", labelNames: who + ["queue"], combine: .sum),
            SnapshotStore(name: queuedName, help: "Queries waiting now: in a queue, or for a lock.", labelNames: who + ["queue"], combine: .sum),
            SnapshotStore(name: oldestRunningName, help: "Age of the oldest query running or waiting now.", labelNames: app, combine: .max),
            SnapshotStore(
                name: blockedName, help: "Queries waiting for a lock now, by the app of the session holding it.",
                labelNames: app + ["blocker_app"], combine: .sum),
            SnapshotStore(name: idleInTransactionName, help: "Sessions idle inside an open transaction now.", labelNames: who, combine: .sum),
            SnapshotStore(
                name: oldestIdleInTransactionName, help: "Age of the oldest transaction left open by an idle session.",
                labelNames: app, combine: .max),
        ]
    }

    /// Replaces a warehouse's activity families with what `snapshot` shows.
    public func observe(_ snapshot: ActivitySnapshot) {
        let warehouse = snapshot.warehouse
        var running: [([String], Double)] = []
        var queued: [([String], Double)] = []
        var oldest: [([String], Double)] = []
        var blocked: [([String], Double)] = []
        var idle: [([String], Double)] = []
        var oldestIdle: [([String], Double)] = []
        let hasApp = layout.activityDimensions.contains(.app)
        for session in snapshot.sessions {
            func label(_ dimension: LabelPolicy.Dimension) -> String {
                value(of: dimension, context: session.context, fallbackApp: session.applicationName, databaseUser: session.user)
            }
            let who = [warehouse] + layout.activityDimensions.map(label)
            let app = hasApp ? [warehouse, label(.app)] : [warehouse]
            switch session.state {
            case .running, .queued:
                if session.state == .running { running.append((who + [truncated(session.queue)], 1)) } else { queued.append((who + [truncated(session.queue)], 1)) }
                oldest.append((app, session.age))
                for blocker in Set(session.blockerApps) {
                    blocked.append((app + [truncated(blocker.isEmpty ? "unknown" : blocker)], 1))
                }
            case .idleInTransaction:
                idle.append((who, 1))
                oldestIdle.append((app, session.age))
            }
        }
        state.withLock { state in
            for (index, samples) in [running, queued, oldest, blocked, idle, oldestIdle].enumerated() {
                let folded = state.activity[index].replace(warehouse: warehouse, samples: samples, maxValuesPerLabel: policy.maxValuesPerLabel)
                for (label, count) in folded {
                    state.overflow.add(Double(count), slot: state.overflow.slot(for: [state.activity[index].name, label], now: now), now: now)
                }
            }
        }
    }

    /// Seconds on the recorder's monotonic clock, the time base of ``observe(_:now:)``.
    public var now: Double { (ContinuousClock.now - clockStart).seconds }

    /// The names of every family this recorder serves.
    public static let familyNames = [
        durationName, queueName, statementName, executionName, costName, overflowName, tableReadsName, tableWritesName, tableRowsWrittenName,
        runningName, queuedName, oldestRunningName, blockedName, idleInTransactionName, oldestIdleInTransactionName,
        statementCallsName, statementExecutionName, statementRowsName, loadedRowsName, loadedBytesName, loadErrorsName,
        ruleActionsName,
    ]

    /// Observes one finished query in every family.
    public func observe(_ record: QueryRecord) {
        observe(record, now: now)
    }

    /// ``observe(_:)`` at a given time (tests drive expiry with it).
    public func observe(_ record: QueryRecord, now: Double) {
        let key = RecordKey(record)
        let execution = record.executionSeconds ?? max(0, record.durationSeconds - record.queueSeconds)
        state.withLock { state in
            let resolved = state.resolved[key] ?? resolve(record, key: key, now: now, state: &state)
            state.duration.store.observe(record.durationSeconds, slot: resolved.duration, now: now)
            state.queue.store.observe(record.queueSeconds, slot: resolved.queue, now: now)
            state.execution.store.add(execution, slot: resolved.execution, now: now)
            count(resolved.folds, &state, now: now)
            if let cost = record.costDollars {
                if resolved.cost == nil {
                    resolved.cost = state.cost.slot(
                        [record.warehouse] + contextValues(record), labelNames: layout.context, now: now,
                        overflow: &state.overflow, folds: &resolved.costFolds)
                }
                state.cost.store.add(cost, slot: resolved.cost!, now: now)
                count(resolved.costFolds, &state, now: now)
            }
            if let fingerprint = record.fingerprint?.value {
                let statement = statementSlot(resolved, fingerprint: fingerprint, seconds: record.durationSeconds, now: now, state: &state)
                state.statement.store.observe(record.durationSeconds, slot: statement.slot, now: now)
                count(statement.folds, &state, now: now)
            }
            if record.status == .success && !(record.tablesRead.isEmpty && record.tablesWritten.isEmpty && record.rowsWritten.isEmpty) {
                observeTables(
                    warehouse: record.warehouse, operation: record.queryType, read: record.tablesRead, written: record.tablesWritten,
                    rows: record.rowsWritten, readContext: resolved.readContext, writeContext: resolved.writeContext, cache: resolved,
                    now: now, state: &state)
            }
            if now - state.lastSweep >= sweepInterval { sweep(&state, now: now) }
        }
    }

    /// Counts one statement's table activity, read from the warehouse's own records of its steps.
    public func observe(_ activity: TableActivity) {
        let now = self.now
        let readContext = layout.readDimensions.map {
            value(of: $0, context: activity.context, fallbackApp: activity.fallbackApp, databaseUser: activity.databaseUser)
        }
        let writeContext = layout.writeDimensions.map {
            value(of: $0, context: activity.context, fallbackApp: activity.fallbackApp, databaseUser: activity.databaseUser)
        }
        state.withLock { state in
            observeTables(
                warehouse: activity.warehouse, operation: activity.queryType, read: activity.tablesRead, written: activity.tablesWritten,
                rows: activity.rowsWritten, readContext: readContext, writeContext: writeContext, cache: nil, now: now, state: &state)
            if now - state.lastSweep >= sweepInterval { sweep(&state, now: now) }
        }
    }

    /// One count per table the statement read and per table it wrote, and the rows it wrote; the
    /// slots are kept in `cache` when the caller has a resolved record to keep them in.
    private func observeTables(
        warehouse: String, operation: String, read: [TableName], written: [TableName], rows: [RowsWritten],
        readContext: [String], writeContext: [String], cache: ResolvedRecord?, now: Double, state: inout State
    ) {
        for table in read {
            let (slot, folds) = cache?.reads[table] ?? {
                var folds: [Int] = []
                let values = [warehouse, truncated(table.schema ?? ""), truncated(table.name)] + readContext
                let slot = state.tableReads.slot(values, labelNames: layout.tableReads, now: now, overflow: &state.overflow, folds: &folds)
                cache?.reads[table] = (slot, folds)
                return (slot, folds)
            }()
            state.tableReads.store.add(1, slot: slot, now: now)
            count(folds, &state, now: now)
        }
        for table in written {
            let (slot, folds) = cache?.writes[table] ?? {
                var folds: [Int] = []
                let values = [warehouse, truncated(table.schema ?? ""), truncated(table.name), truncated(operation)] + writeContext
                let slot = state.tableWrites.slot(values, labelNames: layout.tableWrites, now: now, overflow: &state.overflow, folds: &folds)
                cache?.writes[table] = (slot, folds)
                return (slot, folds)
            }()
            state.tableWrites.store.add(1, slot: slot, now: now)
            count(folds, &state, now: now)
        }
        for written in rows {
            let key = RowsKey(table: written.table, operation: written.operation)
            let (slot, folds) = cache?.rowsWritten[key] ?? {
                var folds: [Int] = []
                let values = [warehouse, truncated(written.table.schema ?? ""), truncated(written.table.name), truncated(written.operation)]
                    + writeContext
                let slot = state.tableRowsWritten.slot(values, labelNames: layout.tableWrites, now: now, overflow: &state.overflow, folds: &folds)
                cache?.rowsWritten[key] = (slot, folds)
                return (slot, folds)
            }()
            state.tableRowsWritten.store.add(written.rows, slot: slot, now: now)
            count(folds, &state, now: now)
        }
    }

    /// Adds rows written to a table by no one in particular: what the server's table statistics
    /// say changed between two samples (PostgreSQL), with the context labels empty.
    public func observe(_ written: RowsWritten, warehouse: String) {
        let now = self.now
        let values = [warehouse, truncated(written.table.schema ?? ""), truncated(written.table.name), truncated(written.operation)]
            + layout.writeDimensions.map { _ in "" }
        state.withLock { state in
            var folds: [Int] = []
            let slot = state.tableRowsWritten.slot(values, labelNames: layout.tableWrites, now: now, overflow: &state.overflow, folds: &folds)
            state.tableRowsWritten.store.add(written.rows, slot: slot, now: now)
            count(folds, &state, now: now)
        }
    }

    /// Resolves a record seen for the first time (or since the last expiry) under the policy.
    private func resolve(_ record: QueryRecord, key: RecordKey, now: Double, state: inout State) -> ResolvedRecord {
        let context = contextValues(record)
        let durationValues = [record.warehouse, truncated(record.database)] + context + [truncated(record.queryType), record.status.rawValue]
        let contextLabels = [record.warehouse] + context
        var folds: [Int] = []
        let duration = state.duration.slot(durationValues, labelNames: layout.duration, now: now, overflow: &state.overflow, folds: &folds)
        let queue = state.queue.slot(Array(durationValues.dropLast()), labelNames: layout.queue, now: now, overflow: &state.overflow, folds: &folds)
        let execution = state.execution.slot(contextLabels, labelNames: layout.context, now: now, overflow: &state.overflow, folds: &folds)

        var statementLabels = contextLabels
        if let user = layout.context.firstIndex(of: "user") { statementLabels.remove(at: user) }
        let parent = ["app", "dag", "task"].compactMap { name in layout.context.firstIndex(of: name).map { contextLabels[$0] } }
        let tracker: Int
        if let index = state.parents[parent] {
            tracker = index
        } else if state.trackers.count < policy.maxSeriesPerMetric {
            tracker = state.trackers.count
            state.parents[parent] = tracker
            state.trackers.append(TopStatements(keep: policy.topStatements))
        } else {
            tracker = -1  // too many parents: every statement of this one is __other__
        }
        let resolved = ResolvedRecord(
            duration: duration, queue: queue, execution: execution, folds: folds, statementLabels: statementLabels, tracker: tracker,
            readContext: layout.readDimensions.map { value(of: $0, record) },
            writeContext: layout.writeDimensions.map { value(of: $0, record) })
        // Bounded: a flood of distinct records (one per user among millions) only rebuilds it.
        if state.resolved.count >= Self.maximumResolved { state.resolved.removeAll(keepingCapacity: true) }
        state.resolved[key] = resolved
        return resolved
    }

    /// Distinct records remembered with their slots.
    static let maximumResolved = 100_000

    /// The statement series for `fingerprint`: its own while it ranks among the heaviest of its
    /// app/DAG/task, else the `__other__` one.
    private func statementSlot(_ resolved: ResolvedRecord, fingerprint: UInt64, seconds: Double, now: Double, state: inout State) -> (slot: Int, folds: [Int]) {
        let kept = resolved.tracker >= 0 && state.trackers[resolved.tracker].record(fingerprint, seconds: seconds, now: now)
        if kept, let cached = resolved.statements[fingerprint] { return cached }
        if !kept, let cached = resolved.otherStatement { return cached }
        var folds: [Int] = []
        let label = kept ? Fingerprint(fingerprint).description : LabelPolicy.other
        let slot = state.statement.slot(resolved.statementLabels + [label], labelNames: layout.statement, now: now, overflow: &state.overflow, folds: &folds)
        if kept { resolved.statements[fingerprint] = (slot, folds) } else { resolved.otherStatement = (slot, folds) }
        return (slot, folds)
    }

    private func count(_ folds: [Int], _ state: inout State, now: Double) {
        for slot in folds { state.overflow.add(1, slot: slot, now: now) }
    }

    /// Removes series idle for longer than the policy's TTL (also done as records arrive).
    public func expireIdleSeries(now: Double) {
        state.withLock { sweep(&$0, now: now) }
    }

    /// Appends every non-empty family to `buffer`.
    public func emit(into buffer: inout [UInt8]) {
        state.withLock { state in
            state.duration.store.emit(into: &buffer)
            state.queue.store.emit(into: &buffer)
            state.statement.store.emit(into: &buffer)
            state.execution.store.emit(into: &buffer)
            state.cost.store.emit(into: &buffer)
            state.tableReads.store.emit(into: &buffer)
            state.tableWrites.store.emit(into: &buffer)
            state.tableRowsWritten.store.emit(into: &buffer)
            for store in state.activity { store.emit(into: &buffer) }
            for family in state.statementTotals { family.store.emit(into: &buffer) }
            for family in state.loads { family.store.emit(into: &buffer) }
            state.ruleActions.store.emit(into: &buffer)
            state.overflow.emit(into: &buffer)
        }
    }

    /// How many series `metric` holds now.
    public func seriesCount(_ metric: String) -> Int {
        state.withLock { state in
            switch metric {
            case Self.durationName: state.duration.store.seriesCount
            case Self.queueName: state.queue.store.seriesCount
            case Self.statementName: state.statement.store.seriesCount
            case Self.executionName: state.execution.store.seriesCount
            case Self.costName: state.cost.store.seriesCount
            case Self.overflowName: state.overflow.seriesCount
            case Self.tableReadsName: state.tableReads.store.seriesCount
            case Self.tableWritesName: state.tableWrites.store.seriesCount
            case Self.tableRowsWrittenName: state.tableRowsWritten.store.seriesCount
            case let name: state.activity.first { $0.name == name }?.seriesCount ?? 0
            }
        }
    }

    /// `warehouse_exporter_label_overflow_total{metric, label}`, 0 when never counted.
    public func overflowCount(metric: String, label: String) -> Double {
        state.withLock { $0.overflow.value([metric, label]) ?? 0 }
    }

    // MARK: - Labels

    /// Values of the enabled context dimensions, in layout order.
    private func contextValues(_ record: QueryRecord) -> [String] {
        contextValues(record.context, fallbackApp: record.fallbackApp, databaseUser: record.databaseUser)
    }

    private func contextValues(_ context: QueryContext, fallbackApp: String?, databaseUser: String?) -> [String] {
        [LabelPolicy.Dimension.app, .user, .dag, .task, .dashboard, .chart, .model]
            .filter(policy.dimensions.contains)
            .map { value(of: $0, context: context, fallbackApp: fallbackApp, databaseUser: databaseUser) }
    }

    /// The label value of one context dimension: `app` falls back to the record's app, then
    /// `unknown`; `user` to the database user, hashed when the policy says so.
    private func value(of dimension: LabelPolicy.Dimension, _ record: QueryRecord) -> String {
        value(of: dimension, context: record.context, fallbackApp: record.fallbackApp, databaseUser: record.databaseUser)
    }

    private func value(of dimension: LabelPolicy.Dimension, context: QueryContext, fallbackApp: String?, databaseUser: String?) -> String {
        switch dimension {
        case .app:
            return truncated(context.app ?? fallbackApp.flatMap { $0.isEmpty ? nil : $0 } ?? "unknown")
        case .user:
            let user = context.user ?? databaseUser ?? ""
            return user.isEmpty ? "" : hasher.map { $0.hash(user) } ?? truncated(user)
        default:
            return truncated(context[ContextField(rawValue: dimension.rawValue)!] ?? "")
        }
    }

    /// A label value cut to the policy's length on a character boundary, with control characters
    /// other than newline (which the format escapes) replaced, so no value can break a line.
    func truncated(_ value: String) -> String {
        let limit = policy.maxLabelLength
        let clean = value.utf8.allSatisfy { $0 >= 0x20 || $0 == 0x0A } ? value : String(value.unicodeScalars.map { scalar in
            scalar.value < 0x20 && scalar != "\n" ? "\u{FFFD}" : Character(scalar)
        })
        guard clean.utf8.count > limit else { return clean }
        var length = 0
        var end = clean.unicodeScalars.startIndex
        for index in clean.unicodeScalars.indices {
            let width = UTF8.width(clean.unicodeScalars[index])
            if length + width > limit { break }
            length += width
            end = clean.unicodeScalars.index(after: index)
        }
        return String(clean.unicodeScalars[..<end])
    }

    // MARK: - Expiry

    private var sweepInterval: Double { max(1, policy.seriesTTL.seconds / 10) }

    private func sweep(_ state: inout State, now: Double) {
        state.lastSweep = now
        let cutoff = now - policy.seriesTTL.seconds
        state.duration.expire(before: cutoff)
        state.queue.expire(before: cutoff)
        state.statement.expire(before: cutoff)
        state.execution.expire(before: cutoff)
        state.cost.expire(before: cutoff)
        state.tableReads.expire(before: cutoff)
        state.tableWrites.expire(before: cutoff)
        state.tableRowsWritten.expire(before: cutoff)
        for index in state.statementTotals.indices { state.statementTotals[index].expire(before: cutoff) }
        for index in state.loads.indices { state.loads[index].expire(before: cutoff) }
        state.ruleActions.expire(before: cutoff)
        // Slots may have been freed and reused, and trackers are renumbered: resolve afresh.
        state.resolved.removeAll(keepingCapacity: true)
        let live = state.parents.filter { state.trackers[$0.value].lastUpdate >= cutoff }
        var trackers: [TopStatements] = []
        state.parents = [:]
        for (parent, index) in live {
            state.parents[parent] = trackers.count
            trackers.append(state.trackers[index])
        }
        state.trackers = trackers
    }
}
