import Collectors
import Foundation
import Logging
import QueryMetrics
import SQLText
import TestSupport
import Testing
import WarehouseClient

@Suite("Redshift live_queries collector")
struct RedshiftLiveQueriesCollectorTests {
    /// Now, less `seconds`, in the fixture's text form (UTC).
    static func ago(_ seconds: Double) -> String {
        RedshiftFixture.timestamp(minus: seconds)
    }

    @Test func runningAndQueuedByAppUserAndQueueWithTheOldestPerApp() async throws {
        let postgres = try TestPostgres.shared()
        let fixture = try await RedshiftFixture(postgres: postgres, database: try await postgres.createDatabase(prefix: "rslive"))
        // The fixture's start_time is end - elapsed: a query "ending" now with 30 s elapsed started 30 s ago.
        let started = ContinuousClock.now
        var etl = RedshiftFixture.Query(id: 1, end: Self.ago(0), elapsedMicroseconds: 30_000_000,
                                        text: #"/* {"app":"airflow","dag":"d","task":"t"} */ INSERT INTO marts.daily SELECT 1"#)
        etl.status = "running"
        etl.queue = "etl_queue"
        var bi = RedshiftFixture.Query(id: 2, end: Self.ago(0), elapsedMicroseconds: 2_000_000,
                                       text: "-- Looker Query Context '{\"user_id\":6}'\nSELECT 1")
        bi.status = "queued"
        bi.queue = "bi"
        bi.userID = 102
        let recorder = QueryRecorder()
        let connection = try await Connection.connect(ConnectionSettings(dsn: fixture.dsn))
        defer { connection.close() }
        var own = RedshiftFixture.Query(id: 3, end: Self.ago(0), elapsedMicroseconds: 1_000, text: #"/* {"app":"warehouse_exporter"} */ SELECT 1"#)
        own.status = "running"
        own.session = connection.backendPID
        var done = RedshiftFixture.Query(id: 4, end: Self.ago(60), elapsedMicroseconds: 1_000_000, text: "SELECT 2")
        done.status = "success"
        try await fixture.insert(etl, bi, own, done)

        try await RedshiftLiveQueriesCollector(recorder: recorder, rules: AnnotationRules()).collect(
            CollectionContext(connection: connection, warehouse: "rs", queryTimeout: .seconds(10), logger: Logger(label: "test")))
        var buffer: [UInt8] = []
        recorder.emit(into: &buffer)
        let text = String(decoding: buffer, as: UTF8.self)
        #expect(text.contains(#"warehouse_queries_running{warehouse="rs",app="airflow",user="etl",queue="etl_queue"} 1"#), "\(text)")
        #expect(text.contains(#"warehouse_queries_queued{warehouse="rs",app="looker",user="6",queue="bi"} 1"#))
        #expect(!text.contains("warehouse_exporter\""))
        let oldest = text.split(separator: "\n").first { $0.hasPrefix(#"warehouse_query_oldest_running_seconds{warehouse="rs",app="airflow"}"#) }
        let age = try #require(oldest.flatMap { Double($0.split(separator: " ").last!) })
        // 30 s, plus however long this test took to get here: on a loaded machine, seconds.
        let elapsed = (ContinuousClock.now - started) / .seconds(1)
        #expect(age >= 29 && age <= 31 + elapsed, "age \(age), \(elapsed) s after the query was written")
        #expect(try await Promtool.checkMetrics(text).exitCode == 0)
    }
}
