import Collectors
import Foundation
import Logging
import QueryMetrics
import SQLText
import TestSupport
import Testing
import WarehouseClient

/// The history readers re-read their overlap window at every poll: what they keep and fetch for it
/// must not grow with the query rate. A window busier than the ids remembered keeps a bounded
/// cursor and still counts each query once; and the re-read fetches ids and end times only, the
/// texts of the queries not counted before and of none other.
@Suite("Redshift history bounded whatever the query rate")
struct RedshiftHistoryBoundsTests {
    static let bulk = 2_500
    static let remembered = 1_000

    /// `count` queries of app `bulk` from id `first`, ten milliseconds apart from `start`.
    static func insertBulk(_ fixture: RedshiftFixture, first: Int, count: Int, start: String) async throws {
        try await fixture.postgres.execute(
            """
            INSERT INTO \(RedshiftFixture.schema).sys_query_history
                (user_id, query_id, query_label, database_name, query_type, status, start_time, end_time,
                 elapsed_time, queue_time, execution_time, query_text)
            SELECT 100, g, 'default', 'dev', 'SELECT', 'success', t - interval '1 millisecond', t, 1000, 0, 1000,
                   '/* {"app":"bulk"} */ SELECT ' || g
            FROM generate_series(\(first), \(first + count - 1)) g,
                 LATERAL (SELECT timestamp '\(start)' + (g - \(first)) * interval '10 milliseconds' AS t) times
            """, database: fixture.database)
    }

    @Test func aBusyWindowKeepsABoundedCursorAndFetchesOnlyNewTexts() async throws {
        let postgres = try TestPostgres.shared()
        let fixture = try await RedshiftFixture(postgres: postgres, database: try await postgres.createDatabase(prefix: "rsbounds"))
        try await fixture.insert(RedshiftFixture.Query(id: 1, end: "2026-11-21 09:00:00.000000", elapsedMicroseconds: 1, text: "SELECT 1"))
        let connection = try await Connection.connect(ConnectionSettings(dsn: fixture.dsn))
        defer { connection.close() }
        let context = CollectionContext(connection: connection, warehouse: "rs", queryTimeout: .seconds(30), logger: Logger(label: "test"))
        let statePath = postgres.directory + "/bounds-state-\(UUID().uuidString.prefix(8)).json"
        let recorder = QueryRecorder()
        let collector = RedshiftQueryHistoryCollector(
            options: .init(window: HistoryWindow(overlap: .seconds(600), pageSize: 500, remembered: Self.remembered)), warehouse: "rs",
            recorder: recorder, rules: AnnotationRules(), state: try StateStore(path: statePath))
        try await collector.collect(context)  // the baseline

        // 25 seconds of 100 queries a second, and three whose text is longer than the history keeps.
        try await Self.insertBulk(fixture, first: 10, count: Self.bulk, start: "2026-11-21 10:00:00")
        let long = #"/* {"app":"bulk"} */ SELECT "# + String(repeating: "a_column_with_a_long_name, ", count: 300) + "1"
        for id in Int64(5_000)..<5_003 {
            try await fixture.insert(RedshiftFixture.Query(id: id, end: "2026-11-21 10:00:10.005000", elapsedMicroseconds: 1_000, text: long))
        }
        let counted = ["warehouse": "rs", "database": "dev", "app": "bulk", "user": "etl", "query_type": "select", "status": "success"]
        try await collector.collect(context)
        #expect(Exposition(recorder).value("warehouse_query_duration_seconds_count", counted) == Double(Self.bulk + 3))
        try await collector.collect(context)
        #expect(Exposition(recorder).value("warehouse_query_duration_seconds_count", counted) == Double(Self.bulk + 3), "nothing twice")

        let saved = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: statePath))) as? [String: Any])
        let seen = try #require((saved["rs/query_history"] as? [String: Any])?["seen"] as? [Any])
        #expect(seen.count / 2 <= Self.remembered, "the ids kept: \(seen.count / 2)")
        let size = try #require(try FileManager.default.attributesOfItem(atPath: statePath)[.size] as? Int)
        #expect(size < 100 * Self.remembered, "state file of \(size) bytes")

        // From now on, reading the text of a query already counted fails the poll.
        let schema = RedshiftFixture.schema
        try await postgres.execute(
            "ALTER TABLE \(schema).sys_query_history RENAME TO sys_query_history_rows",
            """
            CREATE VIEW \(schema).sys_query_history AS
                SELECT user_id, query_id, query_label, database_name, query_type, status, start_time, end_time, elapsed_time,
                       queue_time, execution_time, session_id, service_class_name,
                       CASE WHEN query_id < 6000 THEN (1 / (query_id * 0))::text ELSE query_text END AS query_text
                FROM \(schema).sys_query_history_rows
            """,
            "ALTER TABLE \(schema).sys_query_text RENAME TO sys_query_text_rows",
            """
            CREATE VIEW \(schema).sys_query_text AS
                SELECT user_id, query_id, sequence, CASE WHEN query_id < 6000 THEN (1 / (query_id * 0))::text ELSE text END AS text
                FROM \(schema).sys_query_text_rows
            """, database: fixture.database)
        try await fixture.postgres.execute(
            """
            INSERT INTO \(schema).sys_query_history_rows
                (user_id, query_id, query_label, database_name, query_type, status, start_time, end_time, elapsed_time, queue_time,
                 execution_time, query_text)
            SELECT 100, g, 'default', 'dev', 'SELECT', 'success', timestamp '2026-11-21 10:00:30', timestamp '2026-11-21 10:00:30',
                   1000, 0, 1000, '/* {"app":"bulk"} */ SELECT ' || g
            FROM generate_series(6000, 6009) g
            """, database: fixture.database)
        try await collector.collect(context)
        #expect(Exposition(recorder).value("warehouse_query_duration_seconds_count", counted) == Double(Self.bulk + 13))
    }
}
