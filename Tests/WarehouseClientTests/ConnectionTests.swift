import Foundation
import TestSupport
import Testing
import WarehouseClient

@Suite("Connection against a real PostgreSQL")
struct ConnectionTests {
    let postgres: TestPostgres

    init() throws {
        postgres = try TestPostgres.shared()
    }

    private func connect(_ dsn: String? = nil, statementTimeout: Duration? = .seconds(60)) async throws -> Connection {
        try await Connection.connect(ConnectionSettings(dsn: dsn ?? postgres.dsn(), statementTimeout: statementTimeout))
    }

    @Test func parameterisedQueryReturnsTypedValues() async throws {
        let connection = try await connect()
        defer { connection.close() }
        let result = try await connection.query(
            "SELECT $1::int + 1 AS n, $2::text AS word, NULL::text AS missing, 2.5::float8 AS x, true AS yes, $3::text IS NULL AS null_param",
            ["41", "héllo 'quoted'", nil])
        let row = try #require(result.rows.first)
        #expect(try row.int64("n") == 42)
        #expect(try row.string("word") == "héllo 'quoted'")
        #expect(try row.text("missing") == nil)
        #expect(try row.optionalInt64("missing") == nil)
        #expect(try row.double("x") == 2.5)
        #expect(try row.bool("yes"))
        #expect(try row.bool("null_param"))
        #expect(result.columns == ["n", "word", "missing", "x", "yes", "null_param"])
    }

    /// char(n) values arrive padded with blanks; `unpadded` drops them, and only them.
    @Test func charValuesReadUnpadded() async throws {
        let connection = try await connect()
        defer { connection.close() }
        let row = try #require(try await connection.query(
            "SELECT 'ab'::char(6) AS short, ' é x'::char(8) AS accented, NULL::char(3) AS missing, ''::char(4) AS blank, 'full'::char(4) AS exact"
        ).rows.first)
        #expect(try row.string("short") == "ab    ")
        #expect(try row.unpadded("short") == "ab")
        #expect(try row.unpadded("accented") == " é x")
        #expect(try row.unpadded("missing") == "")
        #expect(try row.unpadded("blank") == "")
        #expect(try row.unpadded("exact") == "full")
    }

    @Test func accessorsNameTheColumnThatBrokeTheExpectation() async throws {
        let connection = try await connect()
        defer { connection.close() }
        let row = try #require(try await connection.query("SELECT 'abc'::text AS label, NULL::int AS empty").rows.first)

        let mismatch = #expect(throws: WarehouseError.self) { try row.int64("label") }
        #expect(mismatch?.kind == .decoding)
        #expect(mismatch?.message.contains("\"label\"") == true)

        let null = #expect(throws: WarehouseError.self) { try row.int64("empty") }
        #expect(null?.message.contains("\"empty\" is NULL") == true)

        let absent = #expect(throws: WarehouseError.self) { try row.string("nope") }
        #expect(absent?.message.contains("no column \"nope\"") == true)
    }

    @Test func serverErrorCarriesSQLStateAndLeavesConnectionUsable() async throws {
        let connection = try await connect()
        defer { connection.close() }
        let error = await #expect(throws: WarehouseError.self) { try await connection.query("SELECT 1 / 0") }
        #expect(error?.kind == .query)
        #expect(error?.sqlState == "22012")
        #expect(connection.isUsable)
        #expect(try await connection.query("SELECT 7 AS n").rows.first?.int64("n") == 7)
    }

    @Test func sessionIdentifiesItselfAndSetsStatementTimeout() async throws {
        let connection = try await connect(statementTimeout: .milliseconds(4500))
        defer { connection.close() }
        let row = try #require(
            try await connection.query("SELECT current_setting('application_name') AS app, current_setting('statement_timeout') AS timeout").rows.first)
        #expect(try row.string("app") == "warehouse_exporter")
        #expect(try row.string("timeout") == "4500ms")
        #expect(connection.serverVersion.first?.isNumber == true)
    }

    @Test func deadlineCancelsTheStatementOnTheServer() async throws {
        let connection = try await connect()
        defer { connection.close() }
        let marker = "deadline-\(UUID().uuidString)"
        let error = await #expect(throws: WarehouseError.self) {
            try await connection.query("SELECT pg_sleep(30), $1::text", [marker], timeout: .milliseconds(300))
        }
        #expect(error?.kind == .timeout)
        #expect(error?.sqlState == "57014")
        // The server was told to stop, not just abandoned: the connection is free for the next statement.
        #expect(connection.isUsable)
        #expect(try await connection.query("SELECT 1 AS n").rows.first?.int64("n") == 1)
        let running = try await postgres.execute(
            "SELECT count(*) AS n FROM pg_stat_activity WHERE state = 'active' AND query LIKE '%\(marker)%' AND pid <> pg_backend_pid()")
        #expect(try running[0].rows.first?.int64("n") == 0)
    }

    @Test func taskCancellationCancelsTheStatement() async throws {
        let connection = try await connect()
        defer { connection.close() }
        let task = Task { try await connection.query("SELECT pg_sleep(30)") }
        try await Task.sleep(for: .milliseconds(300))
        task.cancel()
        let error = await #expect(throws: WarehouseError.self) { try await task.value }
        #expect(error?.kind == .cancelled)
        #expect(try await connection.query("SELECT 1 AS n").rows.first?.int64("n") == 1)
    }

    @Test func serverSideStatementTimeoutIsATimeout() async throws {
        let connection = try await connect(statementTimeout: .milliseconds(200))
        defer { connection.close() }
        let error = await #expect(throws: WarehouseError.self) { try await connection.query("SELECT pg_sleep(5)") }
        #expect(error?.kind == .timeout)
    }

    @Test func wrongPasswordIsAnAuthenticationErrorThatNeverShowsThePassword() async throws {
        let role = "reader_\(UUID().uuidString.prefix(6).lowercased())"
        try await postgres.execute("CREATE ROLE \(role) LOGIN PASSWORD 'right-horse-battery'")
        let wrong = "Wr0ng-Secret-\(UUID().uuidString)"
        let error = await #expect(throws: WarehouseError.self) {
            try await connect(postgres.dsn(user: role) + " password=\(wrong)")
        }
        #expect(error?.kind == .authentication)
        #expect(error?.message.contains("password authentication failed") == true)
        #expect(error.map { "\($0)" }?.contains(wrong) == false)

        // A password file wins over the DSN and is read whole-line.
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("pw-\(UUID().uuidString)").path
        try "right-horse-battery\n".write(toFile: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: file) }
        let connection = try await Connection.connect(
            ConnectionSettings(dsn: postgres.dsn(user: role) + " password=\(wrong)", passwordFile: file))
        defer { connection.close() }
        #expect(try await connection.query("SELECT current_user AS u").rows.first?.string("u") == role)
    }

    @Test func missingPasswordFileIsAConfigurationError() async throws {
        let error = await #expect(throws: WarehouseError.self) {
            try await Connection.connect(ConnectionSettings(dsn: postgres.dsn(), passwordFile: "/nonexistent/secret"))
        }
        #expect(error?.kind == .configuration)
        #expect(error?.message.contains("/nonexistent/secret") == true)
    }

    @Test func unreachableServerIsAConnectionError() async throws {
        let port = try freePort()
        let error = await #expect(throws: WarehouseError.self) {
            try await connect("host=127.0.0.1 port=\(port) dbname=x user=x connect_timeout=2")
        }
        #expect(error?.kind == .connection)
        #expect(error?.isConnectionLevel == true)
    }
}
