import Foundation
import TestSupport
import Testing
import WarehouseClient

/// The ClickHouse client against ClickHouse's engine behind its HTTP interface (TestClickHouse).
@Suite("ClickHouse connection")
struct ClickHouseConnectionTests {
    @Test func decodesEscapedValuesNullsAndNamesAndSendsSettingsAsParameters() async throws {
        let server = try await TestClickHouse.start()
        let connection = try await server.connect()
        #expect(connection.serverVersion.first?.isNumber == true)
        let result = try await connection.query(
            #"SELECT 'a\tb\nc\\d''e' AS text, NULL AS nothing, toUInt64(18446744073709551615) AS big, 'x\0y' AS nul, getSetting('log_comment') AS comment"#,
            settings: ["log_comment": #"{"app": "a b=c"}"#])
        #expect(result.columns == ["text", "nothing", "big", "nul", "comment"])
        let row = try #require(result.rows.first)
        #expect(try row.text("text") == "a\tb\nc\\d'e")
        #expect(try row.text("nothing") == nil)
        #expect(try row.text("big") == "18446744073709551615")
        #expect(try row.text("nul") == "x\0y")
        #expect(try row.text("comment") == #"{"app": "a b=c"}"#)
        // One handle, one HTTP connection: statements after the first reuse it.
        #expect(try await connection.query("SELECT 1 AS one").rows.first?.int64("one") == 1)
    }

    /// https with the server's authority in `ca_file`: the chain and the server's name are checked,
    /// and a server whose certificate another authority signed is refused, before any password is sent.
    @Test func httpsChecksTheServersCertificateAgainstTheCAFile() async throws {
        let certificates = try TestCertificates.make()
        defer { certificates.remove() }
        let server = try await TestClickHouse.start(tls: certificates)
        let tlsPort = try #require(server.tlsPort)
        func settings(_ dsn: String) throws -> ConnectionSettings {
            var settings = try server.settings()
            settings.dsn = dsn
            return settings
        }
        let trusted = try await ClickHouseConnection.connect(
            try settings("https://default@localhost:\(tlsPort)/default?ca_file=\(certificates.caCertificate)"))
        #expect(try await trusted.query("SELECT 1 AS one").rows.first?.int64("one") == 1)

        let stranger = await #expect(throws: WarehouseError.self) {
            try await ClickHouseConnection.connect(
                try settings("https://default@127.0.0.1:\(tlsPort)/default?ca_file=\(certificates.folder)/stranger-ca.pem"))
        }
        #expect(stranger?.kind == .connection)
        #expect(stranger?.message.lowercased().contains("certificate") == true, "\(String(describing: stranger))")
        #expect(stranger?.message.contains(TestClickHouse.password) == false)

        // The system's authorities do not know the test's: without ca_file the server is not trusted.
        let system = await #expect(throws: WarehouseError.self) {
            try await ClickHouseConnection.connect(try settings("https://default@127.0.0.1:\(tlsPort)/default"))
        }
        #expect(system?.kind == .connection)
        // A certificate from the trusted authority, for another server's name: refused too.
        let elsewhere = try TestCertificates.make(serverNames: "DNS:elsewhere.invalid")
        defer { elsewhere.remove() }
        let impostor = try await TestClickHouse.start(tls: elsewhere)
        let impostorPort = try #require(impostor.tlsPort)
        let misnamed = await #expect(throws: WarehouseError.self) {
            var settings = try impostor.settings()
            settings.dsn = "https://default@127.0.0.1:\(impostorPort)/default?ca_file=\(elsewhere.caCertificate)"
            return try await ClickHouseConnection.connect(settings)
        }
        #expect(misnamed?.kind == .connection)
        // libcurl says the certificate's names do not match the host; the chain itself is trusted.
        #expect(misnamed?.message.contains("name") == true, "\(String(describing: misnamed))")

        // Plain HTTP to the TLS port is not a ClickHouse answer.
        await #expect(throws: WarehouseError.self) {
            try await ClickHouseConnection.connect(try settings("http://default@127.0.0.1:\(tlsPort)/default"))
        }
    }

    @Test func aWrongPasswordIsAnAuthenticationErrorThatDoesNotRepeatThePassword() async throws {
        let server = try await TestClickHouse.start()
        var settings = try server.settings()
        settings.passwordFile = nil
        settings.dsn = "http://default:not-the-Secret-42@127.0.0.1:\(server.port)/default"
        let error = await #expect(throws: WarehouseError.self) { try await ClickHouseConnection.connect(settings) }
        #expect(error?.kind == .authentication)
        #expect(error?.clickHouseCode == 516)
        #expect(error?.message.contains("not-the-Secret-42") == false)
    }

    @Test func serverErrorsCarryTheirCode() async throws {
        let server = try await TestClickHouse.start()
        let connection = try await server.connect()
        let syntax = await #expect(throws: WarehouseError.self) { try await connection.query("SELEC 1") }
        #expect(syntax?.kind == .query)
        #expect(syntax?.clickHouseCode == 62)
        let missing = await #expect(throws: WarehouseError.self) { try await connection.query("SELECT * FROM no_such_table") }
        #expect(missing?.isClickHouseUnknownTable == true)
        #expect(missing?.message.hasPrefix("Code: 60.") == true)
        // A server error leaves the connection usable.
        #expect(connection.isUsable)
        #expect(try await connection.query("SELECT 2 AS two").rows.first?.int64("two") == 2)
    }

    @Test func aServerThatIsNotThereIsAConnectionError() async throws {
        let port = try freePort()
        let error = await #expect(throws: WarehouseError.self) {
            try await ClickHouseConnection.connect(ConnectionSettings(dsn: "http://default@127.0.0.1:\(port)/default", connectTimeout: .seconds(2)))
        }
        #expect(error?.kind == .connection)
    }

    /// The client gives up at its deadline, and the server, which would go on, is told to kill the
    /// statement: query_log records it killed (394), not finished.
    @Test func aStatementPastItsDeadlineIsKilledOnTheServer() async throws {
        let server = try await TestClickHouse.start()
        let connection = try await server.connect()
        let tag = "deadline-\(UUID().uuidString.prefix(8))"
        let error = await #expect(throws: WarehouseError.self) {
            try await connection.query("SELECT count() FROM system.numbers WHERE '\(tag)' != ''", timeout: .seconds(1))
        }
        #expect(error?.kind == .timeout, "\(String(describing: error))")
        #expect(error?.message.contains("KILL QUERY sent") == true)
        // The kill is asynchronous: the statement's row is written once it has stopped.
        var logged = try await connection.query("SELECT 1")
        for _ in 0..<100 {
            _ = try await connection.query("SYSTEM FLUSH LOGS")
            logged = try await connection.query(
                """
                SELECT toInt8(type) AS type, exception_code FROM system.query_log
                WHERE query LIKE 'SELECT count() FROM system.numbers%\(tag)%' AND type != 1
                """)
            if logged.count > 0 { break }
            try await Task.sleep(for: .milliseconds(200))
        }
        #expect(logged.count == 1)
        #expect(try logged.rows.first?.int64("type") == 4)
        #expect(try logged.rows.first?.int64("exception_code") == 394)
        #expect(connection.isUsable)
    }

    @Test func dsnsParseWithDefaultsAndKeepThePasswordOutOfErrors() throws {
        let plain = try ClickHouseDSN(parsing: "http://ch.example.com")
        #expect(plain.port == 8123 && plain.user == "default" && plain.database == "default" && !plain.secure)
        let tls = try ClickHouseDSN(parsing: "https://mon%40corp:p%2Fw@ch.example.com/analytics?ca_file=/etc/ssl/ch.pem")
        #expect(tls.port == 8443 && tls.user == "mon@corp" && tls.password == "p/w" && tls.database == "analytics" && tls.caFile == "/etc/ssl/ch.pem")
        #expect(tls.safeDescription == "mon@corp@ch.example.com:8443/analytics")
        let unknown = #expect(throws: WarehouseError.self) { try ClickHouseDSN(parsing: "http://u:hunter2@h/db?sslmode=require") }
        #expect(unknown?.kind == .configuration)
        #expect(unknown?.message.contains("hunter2") == false)
        #expect(throws: WarehouseError.self) { try ClickHouseDSN(parsing: "postgresql://h/db") }
        #expect(throws: WarehouseError.self) { try ClickHouseDSN(parsing: "http://h/db?ca_file=/x.pem") }
    }
}
