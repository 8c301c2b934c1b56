import Exporter
import Foundation
import TestSupport
import Testing

/// What the configuration refuses before anything runs: SQL that writes under a SELECT, numbers
/// that are not finite, and (in check-config) files and patterns `serve` would fail on later; and
/// syntax errors that never quote the line, which may hold a secret.
@Suite("The configuration refuses what serve would fail on, and never quotes a secret")
struct ConfigRefusalTests {
    static let binary = ExporterProcessTests.binary

    private func temporary(_ name: String) -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("\(name)-\(UUID().uuidString)").path
    }

    private func write(_ text: String, name: String = "config.yml") throws -> String {
        let path = temporary(name)
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    private func parseFailure(_ yaml: String) -> String {
        do {
            _ = try ConfigLoader.parse(yaml, file: "c.yml")
            return "no error"
        } catch {
            return error.description
        }
    }

    /// The message of ConfigLoader.check, and check-config's status and output, for one file.
    private func checkFailure(_ yaml: String) async throws -> (loader: String, status: Int32, output: String, path: String) {
        let path = try write(yaml)
        defer { try? FileManager.default.removeItem(atPath: path) }
        var loader = "no error"
        do { _ = try ConfigLoader.check(path: path) } catch { loader = error.description }
        let run = try await Subprocess.run([Self.binary, "check-config", path])
        return (loader, run.status, run.output, path)
    }

    // MARK: - 9: SQL that writes under a SELECT

    @Test(arguments: [
        ("WITH d AS (DELETE FROM shop.orders RETURNING id) SELECT count(*) AS n FROM d", "contains DELETE"),
        ("WITH d AS MATERIALIZED (UPDATE shop.orders SET id = 0 RETURNING id) SELECT count(*) AS n FROM d", "contains UPDATE"),
        ("WITH a AS (SELECT 1), d AS (WITH e AS (SELECT 1) INSERT INTO t SELECT * FROM e RETURNING 1) SELECT 1 AS n", "contains INSERT"),
        ("SELECT * INTO shop.copy FROM shop.orders", "contains INTO"),
        ("select id into temporary shop_copy from shop.orders", "contains INTO"),
    ])
    func aSelectThatWritesIsRefusedWhenTheConfigLoads(sql: String, words: String) {
        let message = parseFailure("warehouses:\n  - name: w\n    kind: postgres\n    dsn: x\n    checks:\n      - name: sneaky\n        sql: \"\(sql)\"\n")
        #expect(message.contains("c.yml:7:14: check \"sneaky\": the query must only read, but \(words)"), "\(message)")
    }

    @Test(arguments: [
        "SELECT id FROM shop.orders FOR UPDATE",
        "SELECT 1 AS update, 'DELETE FROM t' AS s, \\\"insert\\\" AS n FROM t -- INTO",
        "WITH x AS (SELECT 1 AS n) SELECT n FROM x",
    ])
    func readingSQLStillLoads(sql: String) {
        #expect(parseFailure("warehouses:\n  - name: w\n    kind: postgres\n    dsn: x\n    checks:\n      - name: fine\n        sql: \"\(sql)\"\n") == "no error")
    }

    // MARK: - 11: syntax errors never quote the line

    @Test(arguments: [
        // A control character inside the quoted DSN: libyaml's reader refuses it.
        ("warehouses:\n  - name: w\n    kind: postgres\n    dsn: \"postgresql://m:S3cr3tPassw0rd\u{01}@db/x\"\n", "c.yml:4:", "U+1"),
        // An unclosed quote.
        ("warehouses:\n  - name: w\n    kind: postgres\n    dsn: \"postgresql://m:S3cr3tPassw0rd@db/x\n", "c.yml:5:", "quoted scalar"),
        // A tab where indentation is expected, on the secret's line.
        ("warehouses:\n  - name: w\n    kind: postgres\n\tdsn: postgresql://m:S3cr3tPassw0rd@db/x\n", "c.yml:4:", "invalid YAML"),
    ])
    func aSyntaxErrorNamesTheLineButNotItsText(yaml: String, location: String, problem: String) {
        let message = parseFailure(yaml)
        #expect(message.hasPrefix(location), "\(message)")
        #expect(message.contains(problem), "\(message)")
        #expect(!message.contains("S3cr3t"), "\(message)")
        #expect(!message.contains("postgresql://"), "\(message)")
    }

    @Test func theWebConfigsSyntaxErrorsHideHashesAndKeysToo() throws {
        let hash = "$2y$10$abcdefghijklmnopqrstuuABCDEFGHIJKLMNOPQRSTUVWXYZ01234"
        let key = "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7"
        for (yaml, location) in [
            ("basic_auth_users:\n  prometheus: \"\(hash)\u{02}\"\n", "web.yml:2:"),
            ("tls_server_config:\n  key: \"-----BEGIN PRIVATE KEY-----\\n\(key)\u{07}\"\n", "web.yml:2:"),
            ("tls_server_config:\n  key: \"-----BEGIN PRIVATE KEY-----\\n\(key)\n", "web.yml:3:"),
        ] {
            var message = "no error"
            do { _ = try WebConfigLoader.parse(yaml, file: "web.yml") } catch { message = error.description }
            #expect(message.hasPrefix(location), "\(message)")
            #expect(message.contains("invalid YAML"), "\(message)")
            #expect(!message.contains("abcdefghijkl") && !message.contains("MIIEvQ"), "\(message)")
        }
    }

    @Test func checkConfigDoesNotPrintTheSecretEither() async throws {
        let result = try await checkFailure("warehouses:\n  - name: w\n    kind: postgres\n    dsn: \"postgresql://m:S3cr3tPassw0rd\u{01}@db/x\"\n")
        #expect(result.status == 1)
        #expect(result.output.contains("\(result.path):4:"), "\(result.output)")
        #expect(!result.output.contains("S3cr3t"), "\(result.output)")
    }

    // MARK: - 12: non-finite numbers, everywhere

    @Test(arguments: [
        ("    kind: postgres\n    query_log: { directory: /var/log, dollars_per_hour: .inf }\n", #""dollars_per_hour" must be a finite number, not .inf"#),
        ("    kind: postgres\n    query_log: { directory: /var/log, dollars_per_hour: .nan }\n", #""dollars_per_hour" must be a finite number, not .nan"#),
        ("    kind: redshift\n    query_history: { cost: { dollars_per_rpu_hour: .Inf } }\n", #""dollars_per_rpu_hour" must be a finite number"#),
        ("    kind: redshift\n    query_history: { cost: { nodes: 2, dollars_per_node_hour: 1.0e+400 } }\n", #""dollars_per_node_hour" must be a finite number"#),
        ("    kind: postgres\n    checks:\n      - { name: a, row_count_match: { source: SELECT 1, target: SELECT 1, max_difference: .inf } }\n",
         #""max_difference" must be a finite number"#),
        ("    kind: postgres\n    checks:\n      - { name: a, join_fanout: { left: t, right: u, on: l.id = r.id, max_fanout: .inf } }\n",
         #""max_fanout" must be a finite number"#),
        ("    kind: postgres\n    profiles:\n      - { table: t, sample_percent: .nan }\n", #""sample_percent" must be a finite number"#),
    ])
    func nonFiniteNumbersAreRefused(section: String, expected: String) async throws {
        let yaml = "warehouses:\n  - name: w\n    dsn: x\n" + section
        #expect(parseFailure(yaml).contains(expected), "\(parseFailure(yaml))")
        let result = try await checkFailure(yaml)
        #expect(result.status == 1)
        #expect(result.output.contains(expected), "\(result.output)")
    }

    // MARK: - 12: files and patterns, in check-config

    @Test func aMissingOrUnreadablePasswordFileFailsTheCheck() async throws {
        let folder = temporary("password-folder")
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let notText = folder + "/binary"
        try Data([0xFF, 0xFE, 0x00, 0xC3]).write(to: URL(fileURLWithPath: notText))
        for (path, expected) in [
            (folder + "/missing", "does not exist"), (folder, "is a folder, not a file"), (notText, "cannot be read as UTF-8 text"),
        ] {
            let yaml = "warehouses:\n  - name: w\n    kind: postgres\n    dsn: \"host=db\"\n    password_file: \(path)\n"
            // Loading alone (serve) accepts it: the file may appear before the first connection.
            #expect(parseFailure(yaml) == "no error")
            let result = try await checkFailure(yaml)
            let message = "\(result.path):5:20: password_file of warehouse \"w\": \(path) \(expected)"
            #expect(result.loader == message)
            #expect(result.status == 1)
            #expect(result.output.contains(message), "\(result.output)")
        }
        let good = try write("secret\n", name: "password")
        defer { try? FileManager.default.removeItem(atPath: good) }
        let result = try await checkFailure("warehouses:\n  - name: w\n    kind: postgres\n    dsn: \"host=db\"\n    password_file: \(good)\n")
        #expect(result.loader == "no error")
        #expect(result.status == 0, "\(result.output)")
    }

    @Test func aStateFileThatIsAFolderCorruptOrUnwritableFailsTheCheck() async throws {
        let folder = temporary("state-folder")
        try FileManager.default.createDirectory(atPath: folder + "/state.json", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let corrupt = folder + "/corrupt.json"
        try "{\"w/query_log\": ".write(toFile: corrupt, atomically: true, encoding: .utf8)
        let blocker = folder + "/plain-file"
        try "".write(toFile: blocker, atomically: true, encoding: .utf8)
        for (path, expected) in [
            (folder + "/state.json", "is a folder, not a file"),
            (corrupt, "is not a JSON object"),
            (blocker + "/state.json", "\(blocker) is not a folder: the state could never be saved"),
        ] {
            let result = try await checkFailure("warehouses:\n  - name: w\n    kind: postgres\n    dsn: x\nstate_file: \(path)\n")
            #expect(result.loader.hasPrefix("\(result.path):5:13: "), "\(result.loader)")
            #expect(result.loader.contains(expected), "\(result.loader)")
            #expect(result.status == 1)
            #expect(result.output.contains(expected), "\(result.output)")
        }
        for good in [folder + "/new.json", try write("{}", name: "state.json")] {
            let result = try await checkFailure("warehouses:\n  - name: w\n    kind: postgres\n    dsn: x\nstate_file: \(good)\n")
            #expect(result.loader == "no error")
            #expect(result.status == 0, "\(result.output)")
        }
    }

    @Test func anInvalidSchemaPatternFailsTheCheck() async throws {
        for (pattern, key) in [("(staging", "include_schemas"), ("*tmp", "exclude_schemas"), ("[a-", "include_schemas"), ("a{2,1}", "exclude_schemas")] {
            let yaml = "warehouses:\n  - name: w\n    kind: postgres\n    dsn: x\n    tables: { \(key): [\"public\", \"\(pattern)\"] }\n"
            let result = try await checkFailure(yaml)
            #expect(result.loader.contains(#"\#(key) pattern "\#(pattern)" is not a valid regular expression"#), "\(result.loader)")
            #expect(result.loader.hasPrefix("\(result.path):5:"), "\(result.loader)")
            #expect(result.status == 1)
            #expect(result.output.contains("is not a valid regular expression"), "\(result.output)")
        }
        // PostgreSQL's own escapes and classes pass.
        let yaml = #"warehouses:\#n  - name: w\#n    kind: postgres\#n    dsn: x\#n    tables: { include_schemas: ["\\mstaging\\M", "[[:alpha:]_]+", "pg_temp.*"] }\#n"#
        let result = try await checkFailure(yaml)
        #expect(result.loader == "no error")
        #expect(result.status == 0, "\(result.output)")
    }
}
