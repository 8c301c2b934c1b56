import Foundation
import TestSupport
import Testing
import WarehouseClient

/// Errors are told apart by the SQLSTATE the server sends, never by their message, which a
/// server's language setting or version can change.
@Suite("SQLSTATE predicates against a real PostgreSQL")
struct SQLStateTests {
    let postgres: TestPostgres

    init() throws {
        postgres = try TestPostgres.shared()
    }

    @Test func aMissingViewIsAnUndefinedTable() async throws {
        let connection = try await Connection.connect(ConnectionSettings(dsn: postgres.dsn()))
        defer { connection.close() }
        let error = try await #require(throws: WarehouseError.self) { try await connection.query("SELECT 1 FROM sys_query_history_absent") }
        #expect(error.sqlState == "42P01")
        #expect(error.isUndefinedTable)
        #expect(!error.isInsufficientPrivilege && !error.isQueryCanceled)
    }

    @Test func aViewTheUserMayNotReadIsAnInsufficientPrivilege() async throws {
        let role = "sqlstate_\(UUID().uuidString.prefix(8).lowercased())"
        try await postgres.execute(
            "CREATE ROLE \(role) LOGIN PASSWORD 'pw'", "CREATE TABLE \(role)_secret (id int)", "REVOKE ALL ON \(role)_secret FROM PUBLIC")
        let connection = try await Connection.connect(ConnectionSettings(dsn: postgres.dsn(user: role) + " password=pw"))
        defer { connection.close() }
        let error = try await #require(throws: WarehouseError.self) { try await connection.query("SELECT id FROM \(role)_secret") }
        #expect(error.sqlState == "42501")
        #expect(error.isInsufficientPrivilege)
        #expect(!error.isUndefinedTable)
    }

    @Test func aStatementPastItsTimeoutIsCanceled() async throws {
        let connection = try await Connection.connect(ConnectionSettings(dsn: postgres.dsn()))
        defer { connection.close() }
        _ = try await connection.query("SET statement_timeout = 50")
        let error = try await #require(throws: WarehouseError.self) { try await connection.query("SELECT pg_sleep(5)") }
        #expect(error.isQueryCanceled)
        #expect(error.kind == .timeout)
    }
}
