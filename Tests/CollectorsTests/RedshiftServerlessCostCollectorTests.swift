import Collectors
import Foundation
import Logging
import QueryMetrics
import SQLText
import TestSupport
import Testing
import WarehouseClient

@Suite("Redshift serverless_cost collector")
struct RedshiftServerlessCostCollectorTests {
    /// At $3.60 an RPU-hour an RPU-second costs a tenth of a cent.
    @Test func eachSettledPeriodsChargeSharedByExecutionInsideItAddsUpToTheBill() async throws {
        let postgres = try TestPostgres.shared()
        let fixture = try await RedshiftFixture(postgres: postgres, database: try await postgres.createDatabase(prefix: "rsless"))
        try await fixture.insertUsage(from: "2026-11-21 09:00:00", to: "2026-11-21 09:01:00", chargedSeconds: 60)
        let connection = try await Connection.connect(ConnectionSettings(dsn: fixture.dsn))
        defer { connection.close() }
        let context = CollectionContext(connection: connection, warehouse: "rs", queryTimeout: .seconds(10), logger: Logger(label: "test"))
        let statePath = postgres.directory + "/serverless-state-\(UUID().uuidString.prefix(8)).json"
        let options = RedshiftServerlessCostCollector.Options(dollarsPerRPUHour: 3.6)
        func collector(_ recorder: QueryRecorder) throws -> RedshiftServerlessCostCollector {
            RedshiftServerlessCostCollector(options: options, warehouse: "rs", recorder: recorder, rules: AnnotationRules(), state: try StateStore(path: statePath))
        }
        let recorder = QueryRecorder()
        let first = try collector(recorder)
        try await first.collect(context)  // the history before the exporter

        // 30 s of airflow inside the period (it began before), and a Looker query of 30 s that
        // queued for 10: 20 s of execution inside. A period later, nothing ran.
        try await fixture.insert(
            RedshiftFixture.Query(id: 1, end: "2026-11-21 10:00:30", elapsedMicroseconds: 60_000_000, text: #"/* {"app":"airflow","dag":"d","task":"t"} */ SELECT 1"#),
            RedshiftFixture.Query(id: 2, end: "2026-11-21 10:00:45", elapsedMicroseconds: 30_000_000, text: #"/* {"app":"looker","dashboard":"sales"} */ SELECT 2"#, queueMicroseconds: 10_000_000),
            RedshiftFixture.Query(id: 3, end: "2026-11-21 10:30:00", elapsedMicroseconds: 1_000_000, text: "SELECT 3"))
        try await fixture.insertUsage(from: "2026-11-21 10:00:00", to: "2026-11-21 10:01:00", chargedSeconds: 120)
        try await fixture.insertUsage(from: "2026-11-21 10:01:00", to: "2026-11-21 10:02:00", chargedSeconds: 60)
        try await fixture.insertUsage(from: "2026-11-21 10:20:00", to: "2026-11-21 10:21:00", chargedSeconds: 30)
        try await first.collect(context)
        try await first.collect(context)

        func costs(_ recorder: QueryRecorder) -> [String: Double] {
            var buffer: [UInt8] = []
            recorder.emit(into: &buffer)
            var found: [String: Double] = [:]
            for line in String(decoding: buffer, as: UTF8.self).split(separator: "\n") where line.hasPrefix("warehouse_query_cost_dollars_total{") {
                let parts = line.split(separator: " ")
                found[String(parts[0].dropFirst("warehouse_query_cost_dollars_total".count))] = Double(parts[1])
            }
            return found
        }
        let shares = costs(recorder)
        let airflow = #"{warehouse="rs",app="airflow",user="etl",dag="d",task="t"}"#
        let looker = #"{warehouse="rs",app="looker",user="etl",dashboard="sales"}"#
        let idle = #"{warehouse="rs",app="idle"}"#
        #expect(abs((shares[airflow] ?? 0) - 0.072) < 1e-9, "\(shares)")
        #expect(abs((shares[looker] ?? 0) - 0.048) < 1e-9)
        // Nothing ran from 10:01 to 10:02, nor from 10:20 to 10:21 (SELECT 3 ran at 10:30): idle.
        #expect(abs((shares[idle] ?? 0) - 0.09) < 1e-9)
        #expect(abs(shares.values.reduce(0, +) - 0.21) < 1e-9)

        // A restart reads on from its state: only the new 10:40 period.
        try await fixture.insertUsage(from: "2026-11-21 10:40:00", to: "2026-11-21 10:41:00", chargedSeconds: 10)
        let restarted = QueryRecorder()
        try await collector(restarted).collect(context)
        try await collector(restarted).collect(context)
        let later = costs(restarted)
        #expect(later.count == 1 && abs((later[idle] ?? 0) - 0.01) < 1e-9, "\(later)")
    }

    /// Redshift charges a period when its transactions end: a period that read 0 is billed when its
    /// charge arrives, and a charge that grows is billed by its increase, once.
    @Test func aChargeThatArrivesLateIsBilledOnceByItsIncrease() async throws {
        let postgres = try TestPostgres.shared()
        let fixture = try await RedshiftFixture(postgres: postgres, database: try await postgres.createDatabase(prefix: "rslate"))
        try await fixture.insertUsage(from: "2026-11-21 09:00:00", to: "2026-11-21 09:01:00", chargedSeconds: 60)
        let connection = try await Connection.connect(ConnectionSettings(dsn: fixture.dsn))
        defer { connection.close() }
        let context = CollectionContext(connection: connection, warehouse: "rs", queryTimeout: .seconds(10), logger: Logger(label: "test"))
        let recorder = QueryRecorder()
        let collector = RedshiftServerlessCostCollector(
            options: .init(dollarsPerRPUHour: 3.6), warehouse: "rs", recorder: recorder, rules: AnnotationRules(),
            state: try StateStore(path: postgres.directory + "/late-\(UUID().uuidString.prefix(8)).json"))
        try await collector.collect(context)  // the history before the exporter

        try await fixture.insert(RedshiftFixture.Query(
            id: 1, end: "2026-11-21 10:00:50", elapsedMicroseconds: 50_000_000, text: #"/* {"app":"airflow","dag":"d","task":"t"} */ SELECT 1"#))
        try await fixture.insertUsage(from: "2026-11-21 10:00:00", to: "2026-11-21 10:01:00", chargedSeconds: 0)
        try await collector.collect(context)
        let airflow = ["warehouse": "rs", "app": "airflow", "user": "etl", "dag": "d", "task": "t"]
        #expect(Exposition(recorder).value("warehouse_query_cost_dollars_total", airflow) == nil, "nothing charged yet")

        try await fixture.chargeUsage(from: "2026-11-21 10:00:00", chargedSeconds: 100)
        try await collector.collect(context)
        try await collector.collect(context)
        #expect(abs((Exposition(recorder).value("warehouse_query_cost_dollars_total", airflow) ?? 0) - 0.1) < 1e-9)

        try await fixture.chargeUsage(from: "2026-11-21 10:00:00", chargedSeconds: 130)
        try await collector.collect(context)
        #expect(abs((Exposition(recorder).value("warehouse_query_cost_dollars_total", airflow) ?? 0) - 0.13) < 1e-9)
        #expect(Exposition(recorder).value("warehouse_query_cost_dollars_total", ["warehouse": "rs", "app": "idle"]) == nil)
    }
}
