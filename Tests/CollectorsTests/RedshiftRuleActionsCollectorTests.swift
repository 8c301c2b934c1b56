import Collectors
import Foundation
import Logging
import QueryMetrics
import SQLText
import TestSupport
import Testing
import WarehouseClient

@Suite("Redshift qmr collector")
struct RedshiftRuleActionsCollectorTests {
    @Test func eachRuleActionOnceByRuleAndContextAndNothingWhereTheViewIsAbsent() async throws {
        let postgres = try TestPostgres.shared()
        let fixture = try await RedshiftFixture(postgres: postgres, database: try await postgres.createDatabase(prefix: "rsqmr"))
        try await fixture.insertRuleAction(query: 1, rule: "old", action: "abort", at: "2026-11-21 09:00:00")
        let connection = try await Connection.connect(ConnectionSettings(dsn: fixture.dsn))
        defer { connection.close() }
        let context = CollectionContext(connection: connection, warehouse: "rs", queryTimeout: .seconds(10), logger: Logger(label: "test"))
        let statePath = postgres.directory + "/qmr-state-\(UUID().uuidString.prefix(8)).json"
        func collector(_ recorder: QueryRecorder) throws -> RedshiftRuleActionsCollector {
            RedshiftRuleActionsCollector(window: HistoryWindow(pageSize: 2), warehouse: "rs", recorder: recorder, rules: AnnotationRules(), state: try StateStore(path: statePath))
        }
        let recorder = QueryRecorder()
        let first = try collector(recorder)
        try await first.collect(context)  // the history before the exporter

        try await fixture.insertSTL(
            RedshiftFixture.Query(id: 10, end: "2026-11-21 10:00:00.000000", elapsedMicroseconds: 1, text: #"/* {"app":"airflow","dag":"d","task":"t"} */ SELECT 1"#),
            RedshiftFixture.Query(id: 11, end: "2026-11-21 10:00:00.000000", elapsedMicroseconds: 1, text: "SELECT 2", label: "nightly"))
        // Two rules met by one query at one moment, then the same rule at a later one.
        try await fixture.insertRuleAction(query: 10, rule: "long_running", action: "log", at: "2026-11-21 10:00:00")
        try await fixture.insertRuleAction(query: 10, rule: "spill", action: "abort", at: "2026-11-21 10:00:00")
        try await fixture.insertRuleAction(query: 11, rule: "long_running", action: "hop(reassign)", at: "2026-11-21 10:00:00")
        try await fixture.insertRuleAction(query: 11, rule: "long_running", action: "hop(reassign)", at: "2026-11-21 10:00:05")
        try await first.collect(context)
        try await first.collect(context)

        let exposition = Exposition(recorder)
        let text = exposition.text
        let name = "warehouse_query_rule_actions_total"
        #expect(exposition.value(name, ["warehouse": "rs", "rule": "long_running", "action": "log", "app": "airflow", "user": "etl", "dag": "d", "task": "t"]) == 1, "\(text)")
        #expect(exposition.value(name, ["warehouse": "rs", "rule": "spill", "action": "abort", "app": "airflow", "user": "etl", "dag": "d", "task": "t"]) == 1)
        #expect(exposition.value(name, ["warehouse": "rs", "rule": "long_running", "action": "hop(reassign)", "app": "nightly", "user": "etl"]) == 2)
        #expect(!text.contains(#"rule="old""#))

        // A restart counts nothing twice.
        let restarted = QueryRecorder()
        try await collector(restarted).collect(context)
        var after: [UInt8] = []
        restarted.emit(into: &after)
        #expect(!String(decoding: after, as: UTF8.self).contains("warehouse_query_rule_actions_total{"))

        // Serverless: no STL_WLM_RULE_ACTION. The collector succeeds with nothing to read.
        _ = try await postgres.execute("DROP TABLE \(RedshiftFixture.schema).stl_wlm_rule_action", database: fixture.database)
        try await collector(QueryRecorder()).collect(context)
    }
}
