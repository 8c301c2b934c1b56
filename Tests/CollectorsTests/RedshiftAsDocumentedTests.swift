import Collectors
import Foundation
import Logging
import QueryMetrics
import SQLText
import TestSupport
import Testing
import WarehouseClient

/// What the Redshift collectors make of rows as AWS documents them, beyond what the exporter's own
/// workload shows: Redshift's internal user, NULL durations, running rows with an end time, the
/// rule action `none`, and Serverless, whose STL views are refused.
@Suite("Redshift rows as documented")
struct RedshiftAsDocumentedTests {
    static let etl = #"/* {"app":"airflow","dag":"d","task":"t"} */ "#

    private func context(_ fixture: RedshiftFixture, _ connection: Connection) -> CollectionContext {
        CollectionContext(connection: connection, warehouse: "rs", queryTimeout: .seconds(10), logger: Logger(label: "test"))
    }

    private func statePath(_ postgres: TestPostgres) -> String {
        postgres.directory + "/documented-\(UUID().uuidString.prefix(8)).json"
    }

    /// Redshift's own queries (user 1, rdsdb) are not counted, and a page with NULL durations is
    /// counted whole, the unknown durations as 0, on the SYS views and on STL.
    @Test(arguments: RedshiftFixture.Views.allCases)
    func internalQueriesAreLeftOutAndNullDurationsCountAsZero(views: RedshiftFixture.Views) async throws {
        let postgres = try TestPostgres.shared()
        let fixture = try await RedshiftFixture(postgres: postgres, database: try await postgres.createDatabase(prefix: "rsdoc"))
        try await fixture.use(views)
        let connection = try await Connection.connect(ConnectionSettings(dsn: fixture.dsn))
        defer { connection.close() }
        let recorder = QueryRecorder()
        let collector = RedshiftQueryHistoryCollector(
            options: .init(window: HistoryWindow(pageSize: 2)), warehouse: "rs", recorder: recorder, rules: AnnotationRules(),
            state: try StateStore(path: statePath(postgres)))
        try await fixture.store(RedshiftFixture.Query(id: 1, end: "2026-11-21 09:00:00", elapsedMicroseconds: 1, text: "SELECT 0"), in: views)
        try await collector.collect(context(fixture, connection))  // the history before the exporter

        var unknown = RedshiftFixture.Query(id: 11, end: "2026-11-21 10:00:02", elapsedMicroseconds: 4_000_000, text: Self.etl + "SELECT 2")
        unknown.nullTimings = [.elapsed, .queue, .execution]
        try await fixture.store(
            RedshiftFixture.Query(id: 10, end: "2026-11-21 10:00:01", elapsedMicroseconds: 3_000_000, text: Self.etl + "SELECT 1"),
            unknown,
            RedshiftFixture.Query.systemGenerated(id: 12, end: "2026-11-21 10:00:03"),
            RedshiftFixture.Query.systemGenerated(id: 13, end: "2026-11-21 10:00:04", text: "SELECT * FROM stv_inflight"),
            RedshiftFixture.Query(id: 14, end: "2026-11-21 10:00:05", elapsedMicroseconds: 1_000_000, text: Self.etl + "SELECT 3"),
            in: views)
        try await collector.collect(context(fixture, connection))

        let exposition = Exposition(recorder)
        let airflow = ["warehouse": "rs", "database": "dev", "app": "airflow", "user": "etl", "dag": "d", "task": "t", "query_type": "select", "status": "success"]
        #expect(exposition.value("warehouse_query_duration_seconds_count", airflow) == 3)
        // SYS: 3 s, 1 s and an unknown elapsed time read as 0. STL has no elapsed column (start to
        // end, 4 s); what it can leave NULL are STL_WLM_QUERY's queue and execution times.
        #expect(exposition.value("warehouse_query_duration_seconds_sum", airflow) == (views == .sys ? 4 : 8))
        let counted = exposition.samples("warehouse_query_duration_seconds_count").map(\.value).reduce(0, +)
        #expect(counted == 3, "rdsdb's queries are not the warehouse's work: \(exposition.text)")
        #expect(!exposition.labelValues("user", of: "warehouse_query_duration_seconds_count").contains("rdsdb"))
    }

    /// `none` is a rule whose action lost to another's: not an action. Internal queries' actions
    /// are not counted either.
    @Test func ruleActionNoneAndInternalQueriesAreNotCounted() async throws {
        let postgres = try TestPostgres.shared()
        let fixture = try await RedshiftFixture(postgres: postgres, database: try await postgres.createDatabase(prefix: "rsnone"))
        try await fixture.insertRuleAction(query: 1, rule: "old", action: "abort", at: "2026-11-21 09:00:00")
        let connection = try await Connection.connect(ConnectionSettings(dsn: fixture.dsn))
        defer { connection.close() }
        let recorder = QueryRecorder()
        let collector = RedshiftRuleActionsCollector(
            window: HistoryWindow(pageSize: 2), warehouse: "rs", recorder: recorder, rules: AnnotationRules(), state: try StateStore(path: statePath(postgres)))
        try await collector.collect(context(fixture, connection))

        try await fixture.insertSTL(RedshiftFixture.Query(id: 10, end: "2026-11-21 10:00:00", elapsedMicroseconds: 1, text: Self.etl + "SELECT 1"))
        try await fixture.insertEveryRuleAction(query: 10, at: "2026-11-21 10:00:00", rule: "guard")
        try await fixture.insertRuleAction(query: 11, rule: "guard", action: "abort", at: "2026-11-21 10:00:01", userID: RedshiftFixture.internalUserID)
        try await collector.collect(context(fixture, connection))

        let exposition = Exposition(recorder)
        let name = "warehouse_query_rule_actions_total"
        #expect(exposition.labelValues("action", of: name) == ["log", "hop(reassign)", "hop(restart)", "abort", "change_query_priority"])
        for action in ["log", "hop(reassign)", "hop(restart)", "abort", "change_query_priority"] {
            let counted = exposition.samples(name, including: ["warehouse": "rs", "action": action, "app": "airflow", "user": "etl", "dag": "d", "task": "t"])
            #expect(counted.map(\.value) == [1], "\(action): \(counted)")
        }
        #expect(exposition.samples(name).map(\.value).reduce(0, +) == 5)
    }

    /// Serverless refuses its STL views: qmr reads nothing there and succeeds, every run.
    @Test func onServerlessQmrReadsNothingAndSucceeds() async throws {
        let postgres = try TestPostgres.shared()
        let fixture = try await RedshiftFixture(postgres: postgres, database: try await postgres.createDatabase(prefix: "rsless"))
        try await fixture.makeServerless()
        let connection = try await Connection.connect(ConnectionSettings(dsn: fixture.dsn))
        defer { connection.close() }
        let recorder = QueryRecorder()
        let collector = RedshiftRuleActionsCollector(
            window: HistoryWindow(), warehouse: "rs", recorder: recorder, rules: AnnotationRules(), state: try StateStore(path: statePath(postgres)))
        try await collector.collect(context(fixture, connection))
        try await collector.collect(context(fixture, connection))
        #expect(Exposition(recorder).samples("warehouse_query_rule_actions_total").isEmpty)
    }

    /// A running row's end_time is already set: it is running by its status, not by a NULL end.
    @Test func aRunningQueryIsRunningWhateverItsEndTimeSays() async throws {
        let postgres = try TestPostgres.shared()
        let fixture = try await RedshiftFixture(postgres: postgres, database: try await postgres.createDatabase(prefix: "rsrun"))
        try await fixture.insertRunning(id: 1, started: RedshiftFixture.timestamp(minus: 120), text: Self.etl + "INSERT INTO t SELECT 1")
        try await fixture.insertRunning(id: 2, started: RedshiftFixture.timestamp(minus: 5), text: "SELECT 1", userID: RedshiftFixture.internalUserID)
        // Started two days ago and still running: past the day a poll looks back.
        try await fixture.insertRunning(id: 3, started: RedshiftFixture.timestamp(minus: 2 * 86_400), text: "SELECT 3")
        let connection = try await Connection.connect(ConnectionSettings(dsn: fixture.dsn))
        defer { connection.close() }
        let recorder = QueryRecorder()
        try await RedshiftLiveQueriesCollector(recorder: recorder, rules: AnnotationRules()).collect(context(fixture, connection))
        let exposition = Exposition(recorder)
        #expect(exposition.value("warehouse_queries_running", ["warehouse": "rs", "app": "airflow", "user": "etl"]) == 1, "\(exposition.text)")
        #expect(exposition.samples("warehouse_queries_running").map(\.value).reduce(0, +) == 1)
        let oldest = try #require(exposition.value("warehouse_query_oldest_running_seconds", ["warehouse": "rs", "app": "airflow"]))
        #expect(oldest >= 119 && oldest < 300, "\(oldest)")

        // Serverless bills a period by who ran in it: the two running queries (not rdsdb's) share
        // a period after their early end_times, which would otherwise be charged as idle.
        try await fixture.insertUsage(from: "2026-11-21 08:00:00", to: "2026-11-21 08:01:00", chargedSeconds: 60)
        let cost = QueryRecorder()
        let collector = RedshiftServerlessCostCollector(
            options: .init(dollarsPerRPUHour: 3.6), warehouse: "rs", recorder: cost, rules: AnnotationRules(), state: try StateStore(path: statePath(postgres)))
        try await collector.collect(context(fixture, connection))  // the history before the exporter
        let now = Date()
        try await fixture.insertUsage(
            from: RedshiftFixture.timestamp(now, minus: 60), to: RedshiftFixture.timestamp(now, minus: 0), chargedSeconds: 120)
        try await collector.collect(context(fixture, connection))
        let shares = Exposition(cost)
        let airflow = try #require(shares.value("warehouse_query_cost_dollars_total", ["warehouse": "rs", "app": "airflow", "user": "etl", "dag": "d", "task": "t"]))
        #expect(abs(airflow - 0.06) < 1e-9, "\(shares.text)")
        let unannotated = try #require(shares.value("warehouse_query_cost_dollars_total", ["warehouse": "rs", "app": "unknown", "user": "etl"]))
        #expect(abs(unannotated - 0.06) < 1e-9)
        #expect(shares.value("warehouse_query_cost_dollars_total", ["warehouse": "rs", "app": "idle"]) == nil)
    }
}

extension RedshiftAsDocumentedTests {
    /// SYS_QUERY_DETAIL repeats a query's rows at its child query, stream and segment levels:
    /// only step rows count. A write step without a table id is the statement's own target's.
    @Test func queryDetailCountsStepRowsOnceAndNamesWritesByTheTarget() async throws {
        let postgres = try TestPostgres.shared()
        let fixture = try await RedshiftFixture(postgres: postgres, database: try await postgres.createDatabase(prefix: "rsdetail"))
        for (id, schema, table) in [(1, "raw", "events"), (2, "marts", "daily")] {
            try await fixture.insertTable(id: id, schema: schema, table: table, megabytes: 1, rows: 1, visibleRows: 1, unsorted: 0, statsOff: 0, skew: 1)
        }
        try await fixture.insert(RedshiftFixture.Query(id: 1, end: "2026-11-21 09:00:00", elapsedMicroseconds: 1, text: "SELECT 1"))
        let connection = try await Connection.connect(ConnectionSettings(dsn: fixture.dsn))
        defer { connection.close() }
        let metrics = MetricCatalog()
        let collector = RedshiftTableActivityCollector(
            window: HistoryWindow(), warehouse: "rs", metrics: metrics, rules: AnnotationRules(), state: try StateStore(path: statePath(postgres)))
        try await collector.collect(context(fixture, connection))  // the history before the exporter

        try await fixture.insert(RedshiftFixture.Query(
            id: 10, end: "2026-11-21 10:00:00", elapsedMicroseconds: 1_000_000, text: Self.etl + "INSERT INTO marts.daily SELECT * FROM raw.events",
            type: "INSERT"))
        try await fixture.insertDetail(
            queryID: 10,
            RedshiftFixture.DetailRow.levels(of: "scan", step: 0, table: 1, rows: 700, upperLevelsNameTheStep: true)
                + RedshiftFixture.DetailRow.levels(of: "insert", step: 1, table: nil, rows: 700, upperLevelsNameTheStep: true))
        try await collector.collect(context(fixture, connection))

        let exposition = Exposition(metrics.queries)
        let who = ["app": "airflow", "user": "etl", "dag": "d", "task": "t"]
        #expect(exposition.value("warehouse_table_reads_total", ["warehouse": "rs", "schema": "raw", "table": "events", "app": "airflow", "dag": "d", "task": "t"]) == 1, "\(exposition.text)")
        let daily = ["warehouse": "rs", "schema": "marts", "table": "daily", "operation": "insert"].merging(who) { $1 }
        #expect(exposition.value("warehouse_table_writes_total", daily) == 1)
        #expect(exposition.value("warehouse_table_rows_written_total", daily) == 700, "the step's rows, not four levels of them")
    }
}

extension RedshiftAsDocumentedTests {
    /// A long text of multibyte characters, with a dbt annotation that a chunk boundary cuts in
    /// two: Redshift's chunks are bytes, so they are joined as bytes before the text is read.
    @Test(arguments: RedshiftFixture.Views.allCases)
    func anAnnotationAcrossChunksOfMultibyteTextIsFound(views: RedshiftFixture.Views) async throws {
        let postgres = try TestPostgres.shared()
        let fixture = try await RedshiftFixture.byteExact(postgres: postgres)
        try await fixture.use(views)
        let annotation = #"/* {"app": "dbt", "node_id": "model.shop.orders"} */"#
        let size = views == .sys ? 4000 : 200
        // Euros (3 bytes each) until the next chunk boundary falls inside the annotation's node id.
        var text = "SELECT '"
        while (text.utf8.count + 4 + annotation.utf8.count - 20) % size > size - 40 || (text.utf8.count + 4) / size == (text.utf8.count + 4 + annotation.utf8.count) / size
            || text.utf8.count < 4100 {
            text += "€"
        }
        text += "' x " + annotation
        let start = text.utf8.count - annotation.utf8.count
        let boundary = (start / size + 1) * size
        try #require(boundary > start + 10 && boundary < text.utf8.count - 5, "a boundary falls inside the annotation")

        try await fixture.store(RedshiftFixture.Query(id: 1, end: "2026-11-21 09:00:00", elapsedMicroseconds: 1, text: "SELECT 0"), in: views)
        let connection = try await Connection.connect(ConnectionSettings(dsn: fixture.dsn))
        defer { connection.close() }
        let recorder = QueryRecorder()
        let collector = RedshiftQueryHistoryCollector(
            options: .init(), warehouse: "rs", recorder: recorder, rules: AnnotationRules(), state: try StateStore(path: statePath(postgres)))
        try await collector.collect(context(fixture, connection))  // the history before the exporter
        try await fixture.store(RedshiftFixture.Query(id: 10, end: "2026-11-21 10:00:00", elapsedMicroseconds: 2_000_000, text: text), in: views)
        try await collector.collect(context(fixture, connection))

        let exposition = Exposition(recorder)
        let dbt = ["warehouse": "rs", "database": "dev", "app": "dbt", "user": "etl", "model": "model.shop.orders", "query_type": "select", "status": "success"]
        #expect(exposition.value("warehouse_query_duration_seconds_count", dbt) == 1, "\(exposition.text)")
    }
}
