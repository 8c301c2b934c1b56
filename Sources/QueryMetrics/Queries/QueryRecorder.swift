import Synchronization

/// Turns what collectors read (finished queries, loads, table activity, statement statistics,
/// activity snapshots, rule actions) into the query metric families under the label policy.
///
/// The families are kept in groups, one file each under `Families/`; the recorder holds them all
/// behind one lock, because one finished query updates several groups (latency, statements,
/// tables) and the overflow counter at once, and a scrape must see them agree. An observation
/// takes the lock once; a scrape renders under the same lock and never waits on a warehouse.
public final class QueryRecorder: Sendable {
    /// The declarations of every family this recorder serves, in the order it renders them.
    public static let families: [MetricFamily] =
        QueryFamilies.families + StatementFamilies.families + TableFamilies.families + ActivityFamilies.families
        + GuardedCounters.statementTotals + GuardedCounters.loads + GuardedCounters.ruleActions + [.labelOverflow]

    public let policy: LabelPolicy
    private let labels: LabelValues
    private let state: Mutex<State>
    private let clockStart = ContinuousClock.now

    private struct State {
        var queries: QueryFamilies
        var statements: StatementFamilies
        var tables: TableFamilies
        var activity: ActivityFamilies
        var statementTotals: GuardedCounters
        var loads: GuardedCounters
        var ruleActions: GuardedCounters
        var overflow = OverflowCounter()
        /// Per warehouse, the statements of queries with `app` `unknown`, for the landing page.
        var unattributed: [String: UnattributedStatements] = [:]
        /// What each distinct record resolved to; cleared whenever expiry may have freed a slot.
        var resolved: [RecordKey: ResolvedRecord] = [:]
        var lastSweep: Double = 0

        /// Every family's store, in the order of ``QueryRecorder/families``.
        var stores: [any RenderedStore] {
            queries.stores + statements.stores + tables.stores + activity.stores + statementTotals.stores + loads.stores
                + ruleActions.stores + [overflow.store]
        }
    }

    /// Everything in a record that decides its label values.
    private struct RecordKey: Hashable {
        var warehouse: String
        var database: String
        var attribution: Attribution
        var queryType: String
        var status: QueryStatus

        init(_ record: QueryRecord) {
            warehouse = record.warehouse
            database = record.database
            attribution = record.attribution
            queryType = record.queryType
            status = record.status
        }
    }

    /// A record's series in every group, resolved under the policy once.
    private final class ResolvedRecord {
        var query: QueryFamilies.Slots
        var statement: StatementFamilies.Slots
        var tables: TableFamilies.Slots
        /// Its `app` label is `unknown`: decided once here, so an attributed record pays one branch.
        let unattributed: Bool

        init(query: QueryFamilies.Slots, statement: StatementFamilies.Slots, tables: TableFamilies.Slots, unattributed: Bool) {
            self.query = query
            self.statement = statement
            self.tables = tables
            self.unattributed = unattributed
        }
    }

    /// Distinct records remembered with their slots.
    static let maximumResolved = 100_000

    /// A recorder under `policy`, its latency histograms with `buckets`.
    public init(policy: LabelPolicy = LabelPolicy(), buckets: HistogramBuckets = HistogramBuckets()) {
        var policy = policy
        if policy.user == .drop { policy.dimensions.remove(.user) }
        self.policy = policy
        labels = LabelValues(policy: policy)
        state = Mutex(State(
            queries: QueryFamilies(policy: policy, buckets: buckets),
            statements: StatementFamilies(policy: policy, bounds: buckets.statement),
            tables: TableFamilies(policy: policy),
            activity: ActivityFamilies(policy: policy),
            statementTotals: GuardedCounters(GuardedCounters.statementTotals, policy: policy),
            loads: GuardedCounters(GuardedCounters.loads, policy: policy),
            ruleActions: GuardedCounters(GuardedCounters.ruleActions, policy: policy)))
        // Every (metric, label) the policy may fold starts at 0, so that `increase()` over the
        // overflow counter sees the first fold too, rather than a series appearing at 1.
        state.withLock { state in
            for family in Self.families where family != .labelOverflow {
                let capped = family.labelNames(policy.dimensions).filter { !GuardedFamily<ValueStore>.uncapped.contains($0) }
                let snapshot = ActivityFamilies.families.contains(family)
                for label in capped + (snapshot ? [] : ["__series__"]) { state.overflow.add(0, metric: family.name, label: label, now: 0) }
            }
        }
    }

    /// Seconds on the recorder's monotonic clock, the time base of ``observe(_:now:)``.
    public var now: Double { (ContinuousClock.now - clockStart).seconds }

    // MARK: - Observations

    /// Observes one finished query in every family.
    public func observe(_ record: QueryRecord) {
        observe(record, now: now)
    }

    /// ``observe(_:)`` at a given time (tests drive expiry with it).
    public func observe(_ record: QueryRecord, now: Double) {
        let key = RecordKey(record)
        let labels = labels
        // Built once, outside the lock, for every family the record lands in.
        let exemplar = record.exemplar
        state.withLock { state in
            let resolved = state.resolved[key] ?? resolve(record, key: key, now: now, state: &state)
            state.queries.observe(record, &resolved.query, labels, now: now, overflow: &state.overflow, exemplar: exemplar)
            if let fingerprint = record.fingerprint?.value {
                state.statements.observe(
                    fingerprint, seconds: record.durationSeconds, &resolved.statement, now: now, overflow: &state.overflow, exemplar: exemplar)
                if resolved.unattributed {
                    state.unattributed[record.warehouse, default: UnattributedStatements()]
                        .record(fingerprint, seconds: record.durationSeconds, shape: record.shape, now: now)
                }
            }
            if record.status == .success && !(record.tablesRead.isEmpty && record.tablesWritten.isEmpty && record.rowsWritten.isEmpty) {
                state.tables.observe(
                    warehouse: record.warehouse, operation: record.queryType, read: record.tablesRead, written: record.tablesWritten,
                    rows: record.rowsWritten, &resolved.tables, labels, now: now, overflow: &state.overflow, exemplar: exemplar)
            }
            sweepIfDue(&state, now: now)
        }
    }

    private func resolve(_ record: QueryRecord, key: RecordKey, now: Double, state: inout State) -> ResolvedRecord {
        let resolved = ResolvedRecord(
            query: state.queries.resolve(record, labels, now: now, overflow: &state.overflow),
            statement: state.statements.resolve(record, labels),
            tables: state.tables.resolve(record.attribution, labels),
            // The label value, as the recording rules see it.
            unattributed: labels.value(of: .app, record.attribution) == Attribution.unknownApp)
        // Bounded: a flood of distinct records (one per user among millions) only rebuilds it.
        if state.resolved.count >= Self.maximumResolved { state.resolved.removeAll(keepingCapacity: true) }
        state.resolved[key] = resolved
        return resolved
    }

    /// Counts one statement's table activity, read from the warehouse's own records of its steps.
    public func observe(_ activity: TableActivity) {
        let now = self.now
        let labels = labels
        state.withLock { state in
            var slots = state.tables.resolve(activity.attribution, labels)
            let exemplar = activity.queryID.map { Exemplar(queryID: $0, traceID: nil, value: 1, timestamp: activity.endedAt) }
            state.tables.observe(
                warehouse: activity.warehouse, operation: activity.queryType, read: activity.tablesRead, written: activity.tablesWritten,
                rows: activity.rowsWritten, &slots, labels, now: now, overflow: &state.overflow, exemplar: exemplar)
            if let resources = activity.resources {
                state.queries.add(
                    resources, warehouse: activity.warehouse, activity.attribution, labels, now: now, overflow: &state.overflow, exemplar: exemplar)
            }
            sweepIfDue(&state, now: now)
        }
    }

    /// Adds rows written to a table by no one in particular: what the server's table statistics
    /// say changed between two samples (PostgreSQL), with the context labels empty.
    public func observe(_ written: RowsWritten, warehouse: String) {
        let now = self.now
        state.withLock { state in
            state.tables.observe(written, warehouse: warehouse, labels, now: now, overflow: &state.overflow)
        }
    }

    /// Counts one finished bulk load.
    public func observe(_ load: LoadRecord) {
        let now = self.now
        state.withLock { state in
            state.loads.observe(load, labels, now: now, overflow: &state.overflow)
        }
    }

    /// Adds dollars to a context's cost apart from any one query: a share of a charge the
    /// warehouse bills by the period (Redshift Serverless), or what no query ran in (`idle`).
    public func observeCost(_ dollars: Double, warehouse: String, attribution: Attribution) {
        let now = self.now
        state.withLock { state in
            let values = state.queries.contextValues(warehouse: warehouse, attribution, labels)
            state.queries.addCost(dollars, values: values, now: now, overflow: &state.overflow)
        }
    }

    /// Counts one action of a query monitoring rule.
    public func observe(_ action: RuleAction) {
        let now = self.now
        state.withLock { state in
            state.ruleActions.observe(action, labels, now: now, overflow: &state.overflow)
        }
    }

    /// Adds what a statement did since the last sample of the server's statement statistics.
    public func observe(_ totals: StatementTotals, now: Double? = nil) {
        let now = now ?? self.now
        state.withLock { state in
            state.statementTotals.observe(totals, labels, now: now, overflow: &state.overflow)
        }
    }

    /// Replaces a warehouse's activity families with what `snapshot` shows.
    public func observe(_ snapshot: ActivitySnapshot) {
        let now = self.now
        let maxValuesPerLabel = policy.maxValuesPerLabel
        state.withLock { state in
            let samples = state.activity.samples(snapshot, labels)
            state.activity.replace(
                warehouse: snapshot.warehouse, with: samples, maxValuesPerLabel: maxValuesPerLabel, now: now, overflow: &state.overflow)
        }
    }

    /// The statements of `warehouse`'s queries whose `app` is `unknown`, heaviest first (by
    /// seconds), at most `limit`: for the landing page, not an exposed family.
    public func unattributedStatements(warehouse: String, limit: Int = UnattributedStatement.shown) -> [UnattributedStatement] {
        let now = self.now
        return state.withLock { $0.unattributed[warehouse]?.heaviest(limit, now: now) ?? [] }
    }

    // MARK: - Exposition

    /// Appends every non-empty family to `buffer`, in `format`.
    public func emit(into buffer: inout [UInt8], format: ExpositionFormat = .text) {
        state.withLock { state in
            for store in state.stores { store.emit(into: &buffer, format: format) }
        }
    }

    /// How many series `metric` holds now.
    public func seriesCount(_ metric: String) -> Int {
        state.withLock { state in
            state.stores.first { $0.name == metric }?.seriesCount ?? 0
        }
    }

    /// `warehouse_exporter_label_overflow_total{metric, label}`, 0 when never counted.
    public func overflowCount(metric: String, label: String) -> Double {
        state.withLock { $0.overflow.value(metric: metric, label: label) ?? 0 }
    }

    // MARK: - Expiry

    /// Removes series idle for longer than the policy's TTL (also done as records arrive).
    public func expireIdleSeries(now: Double) {
        state.withLock { sweep(&$0, now: now) }
    }

    private var sweepInterval: Double { max(1, policy.seriesTTL.seconds / 10) }

    private func sweepIfDue(_ state: inout State, now: Double) {
        if now - state.lastSweep >= sweepInterval { sweep(&state, now: now) }
    }

    private func sweep(_ state: inout State, now: Double) {
        state.lastSweep = now
        let cutoff = now - policy.seriesTTL.seconds
        remove(.idle(before: cutoff), from: &state)
        for warehouse in Array(state.unattributed.keys) {
            state.unattributed[warehouse]?.expire(before: cutoff)
            if state.unattributed[warehouse]?.isEmpty == true { state.unattributed[warehouse] = nil }
        }
        // Slots may have been freed and reused, and statement trackers renumbered: resolve afresh.
        state.resolved.removeAll(keepingCapacity: true)
    }

    private func remove(_ sweep: SeriesSweep, from state: inout State) {
        state.queries.expire(sweep)
        state.statements.expire(sweep)
        state.tables.expire(sweep)
        state.statementTotals.expire(sweep)
        state.loads.expire(sweep)
        state.ruleActions.expire(sweep)
    }

    /// Removes every series of `warehouse` (taken out of the configuration, see
    /// ``MetricRegistry/removeSeries(warehouse:)``): its counters and
    /// histograms, its activity and its unattributed statements. The overflow counters, which
    /// belong to no warehouse, stay.
    public func removeSeries(warehouse: String) {
        state.withLock { state in
            remove(.warehouse(warehouse), from: &state)
            state.activity.remove(warehouse: warehouse)
            state.unattributed[warehouse] = nil
            state.resolved.removeAll(keepingCapacity: true)
        }
    }
}

extension QueryRecorder: RenderedFamily {
    var families: [MetricFamily] { Self.families }
}
