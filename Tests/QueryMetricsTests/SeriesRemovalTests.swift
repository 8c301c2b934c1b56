import QueryMetrics
import SQLText
import Testing

/// A warehouse taken out of the configuration leaves every family at once, and only its own
/// series: the other warehouse's, and the families of no warehouse, stay as they were.
@Suite struct SeriesRemovalTests {
    private func record(_ warehouse: String, app: String, seconds: Double) -> QueryRecord {
        var record = QueryRecord(
            warehouse: warehouse, database: "db", attribution: Attribution(context: QueryContext(app: app), databaseUser: "u"),
            queryType: "select", status: .success, durationSeconds: seconds, fingerprint: Fingerprint(42))
        record.queueSeconds = 0.5
        record.costDollars = 0.01
        record.tablesRead = [TableName(schema: "s", name: "t")]
        if app == "unknown" { record.shape = "SELECT ?" }
        return record
    }

    @Test func everySeriesOfTheWarehouseGoesAndNoOther() throws {
        let metrics = MetricCatalog()
        for warehouse in ["kept", "removed"] {
            metrics.up.set(1, [warehouse])
            metrics.collectorSuccess.set(1, [warehouse, "tables"])
            metrics.tableRows.set(10, [warehouse, "db", "s", "t"])
            metrics.queries.observe(record(warehouse, app: "dbt", seconds: 2))
            metrics.queries.observe(record(warehouse, app: "unknown", seconds: 3))
            let dbt = Attribution(context: QueryContext(app: "dbt"), databaseUser: "u")
            metrics.queries.observe(ActivitySnapshot(warehouse: warehouse, sessions: [.init(state: .running, attribution: dbt, age: 4)]))
            metrics.dataChecks.value.replace(
                owner: [warehouse, "c"], with: [(labels: [("warehouse", warehouse), ("check", "c"), ("column", "n"), ("region", "eu")], value: 1)])
        }
        metrics.scrapes.increment(by: 1, ["200"])
        let before = String(decoding: metrics.registry.render(), as: UTF8.self)
        let kept = before.split(separator: "\n").filter { $0.contains(#"warehouse="kept""#) }
        let removed = before.split(separator: "\n").filter { $0.contains(#"warehouse="removed""#) }
        #expect(kept.count == removed.count && kept.count > 50, "both warehouses have series in every kind of family")
        #expect(metrics.queries.unattributedStatements(warehouse: "removed").count == 1)

        metrics.registry.removeSeries(warehouse: "removed")

        let after = String(decoding: metrics.registry.render(), as: UTF8.self).split(separator: "\n")
        #expect(!after.contains { $0.contains(#"warehouse="removed""#) }, "\(after.filter { $0.contains(#"warehouse="removed""#) })")
        #expect(after.filter { $0.contains(#"warehouse="kept""#) } == kept)
        #expect(after.contains(#"promhttp_metric_handler_requests_total{code="200"} 1"#))
        #expect(metrics.queries.unattributedStatements(warehouse: "removed").isEmpty)
        #expect(metrics.queries.unattributedStatements(warehouse: "kept").count == 1)

        // The warehouse can come back, its series starting afresh.
        metrics.queries.observe(record("removed", app: "dbt", seconds: 1))
        let back = String(decoding: metrics.registry.render(), as: UTF8.self)
        #expect(back.contains(#"warehouse_query_duration_seconds_count{warehouse="removed",database="db",app="dbt""#))
    }
}
