import Collectors
import Foundation
import QueryMetrics
import SQLText
import Testing

/// What the query_log collector hands the landing page's table of unattributed statements: the
/// statements whose `app` is `unknown`, by their shape, never their text.
@Suite struct QueryLogUnattributedTests: QueryLogDirectoryTest {
    let directory: String
    let statePath: String

    init() throws {
        (directory, statePath) = try Self.makeDirectory("unattributed")
    }

    /// A jsonlog line for a finished statement; no `application_name` key when `application` is nil,
    /// as the server writes a session that set none.
    static func line(_ sql: String, ms: Double, application: String? = nil) throws -> String {
        var entry: [String: Any] = [
            "timestamp": "2026-11-21 10:00:00.000 UTC", "user": "etl", "dbname": "db", "pid": 1, "error_severity": "LOG",
            "message": "duration: \(ms) ms  statement: \(sql)", "backend_type": "client backend",
        ]
        entry["application_name"] = application
        return String(decoding: try JSONSerialization.data(withJSONObject: entry, options: [.sortedKeys]), as: UTF8.self) + "\n"
    }

    @Test func listsOnlyUnknownAppsByTheirShapeCut() throws {
        try append("", to: "postgresql-1.json")
        let recorder = QueryRecorder()
        let collector = try collector(recorder)
        try collector.ingest(warehouse: "w")

        let secret = "SELECT id, email FROM users WHERE email = 'ana@corp.com' AND token = 'sk_live_42' AND note = '<b>&'"
        let long = "SELECT " + (1...200).map { "column_\($0)" }.joined(separator: ", ") + " FROM wide WHERE k = 'x'"
        try append(
            try Self.line(secret, ms: 300) + Self.line(secret.replacing("ana@corp.com", with: "bo@corp.com"), ms: 200)
                + Self.line(long, ms: 100)
                + Self.line("SELECT 1 FROM named", ms: 9000, application: "psql")
                + Self.line(#"/* {"app":"airflow","dag":"d"} */ SELECT 2 FROM annotated"#, ms: 9000)
                + Self.line("/* task=nightly owner=ana */ SELECT 3 FROM task_without_app", ms: 50),
            to: "postgresql-1.json")
        try collector.ingest(warehouse: "w")

        let listed = recorder.unattributedStatements(warehouse: "w")
        #expect(listed.map(\.fingerprint) == [secret, long, "SELECT 3 FROM task_without_app"].map { SQLAnalyzer().analyze($0).fingerprint })
        #expect(listed.first?.shape == "select id, email from users where email = ? and token = ? and note = ?")
        #expect(listed.first?.executions == 2 && abs((listed.first?.seconds ?? 0) - 0.5) < 1e-9)
        let cut = try #require(listed[1].shape)
        #expect(cut.utf8.count <= UnattributedStatement.shapeLimit && cut.hasPrefix("select column_1, column_2,") && cut.hasSuffix("…"))
        for shape in listed.compactMap(\.shape) {
            #expect(!shape.contains("corp.com") && !shape.contains("sk_live") && !shape.contains("<b>"), "\(shape)")
        }
    }
}
