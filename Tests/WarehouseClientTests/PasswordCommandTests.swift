import Foundation
import TestSupport
import Testing
import WarehouseClient

/// `password_command`: a real command prints the password, the test's PostgreSQL role rotates it,
/// and the exporter's connections follow; the secret never appears in an error.
@Suite("password_command against a real PostgreSQL")
struct PasswordCommandTests {
    let postgres: TestPostgres
    let directory: String
    let role: String

    init() throws {
        postgres = try TestPostgres.shared()
        directory = NSTemporaryDirectory() + "password-command-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        role = "rotated_\(UUID().uuidString.prefix(8).lowercased())"
    }

    private func settings(_ script: String, timeout: Duration = .seconds(10)) -> ConnectionSettings {
        ConnectionSettings(dsn: postgres.dsn(user: role), passwordCommand: PasswordCommand(arguments: ["/bin/sh", "-c", script], timeout: timeout))
    }

    private func write(_ text: String, to name: String) throws {
        try text.write(toFile: directory + "/" + name, atomically: true, encoding: .utf8)
    }

    @Test func eachConnectionAttemptReadsTheCurrentPassword() async throws {
        try await postgres.execute("CREATE ROLE \(role) LOGIN PASSWORD 'first-secret'")
        try write("first-secret\n", to: "secret")
        let settings = settings("cat '\(directory)/secret'")
        let first = try await Connection.connect(settings)
        #expect(try await first.query("SELECT current_user AS name").rows.first?.string("name") == role)
        first.close()

        // Rotated on the server and in the store, as a secrets manager's rotation does.
        try await postgres.execute("ALTER ROLE \(role) PASSWORD 'second-secret'")
        try write("second-secret\n", to: "secret")
        let second = try await Connection.connect(settings)
        #expect(try await second.query("SELECT 1 AS one").rows.first?.int64("one") == 1)
        second.close()
    }

    @Test func anAuthenticationFailureRunsTheCommandOnceMore() async throws {
        try await postgres.execute("CREATE ROLE \(role) LOGIN PASSWORD 'fresh-secret'")
        // The first run prints a password the server no longer takes; the next, the current one.
        let script = "if [ -e '\(directory)/ran' ]; then echo fresh-secret; else touch '\(directory)/ran'; echo stale-secret; fi"
        let connection = try await Connection.connect(settings(script))
        #expect(try await connection.query("SELECT 1 AS one").rows.first?.int64("one") == 1)
        connection.close()
        #expect(FileManager.default.fileExists(atPath: directory + "/ran"))
    }

    @Test func aWrongPasswordIsAnAuthenticationErrorWithoutTheSecret() async throws {
        try await postgres.execute("CREATE ROLE \(role) LOGIN PASSWORD 'right-secret'")
        let error = try await #require(throws: WarehouseError.self) { try await Connection.connect(settings("echo wrong-secret-4711")) }
        #expect(error.kind == .authentication)
        #expect(!error.description.contains("wrong-secret-4711"))
    }

    @Test func aFailingCommandSaysWhyWithItsErrorsButNotItsOutput() async throws {
        let script = "echo leaked-secret-0815; echo 'the token has expired' >&2; exit 3"
        let error = try await #require(throws: WarehouseError.self) { try await Connection.connect(settings(script)) }
        #expect(error.kind == .configuration)
        #expect(error.message.contains("exit status 3"))
        #expect(error.message.contains("the token has expired"))
        #expect(!error.description.contains("leaked-secret-0815"))
    }

    /// The shell's child keeps the pipes open after the shell is killed: the exporter does not
    /// wait for it.
    @Test func aCommandThatHangsIsKilledAtItsTimeout() async throws {
        let error = try await #require(throws: WarehouseError.self) {
            try await Connection.connect(settings("echo waiting >&2; sleep 600; echo late", timeout: .seconds(1)))
        }
        #expect(error.kind == .configuration)
        #expect(error.message.contains("did not finish within 1s"))
        #expect(error.message.contains("waiting"))
    }

    @Test func aProgramThatDoesNotExistIsAnError() async throws {
        let settings = ConnectionSettings(
            dsn: postgres.dsn(user: role), passwordCommand: PasswordCommand(arguments: ["no-such-password-program-\(role)"]))
        let error = try await #require(throws: WarehouseError.self) { try await Connection.connect(settings) }
        #expect(error.kind == .configuration)
        #expect(error.message.contains("could not start"))
    }

    @Test func aCommandThatPrintsNothingIsAnError() async throws {
        let error = try await #require(throws: WarehouseError.self) { try await Connection.connect(settings("true")) }
        #expect(error.message.contains("printed no password"))
    }
}
