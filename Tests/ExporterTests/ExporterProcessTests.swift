import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The real `warehouse_exporter` binary, as a user runs it.
@Suite("The warehouse_exporter command")
struct ExporterProcessTests {
    /// The binary sits next to the test bundle in SwiftPM's build folder.
    static let binary = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        .appendingPathComponent("warehouse_exporter").path

    private func writeConfig(_ yaml: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("config-\(UUID().uuidString).yml").path
        try yaml.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func checkConfigAcceptsAGoodFileAndNamesTheLineOfABadOne() async throws {
        let good = try writeConfig("warehouses:\n  - { name: w, kind: postgres, dsn: \"dbname=x\" }\n")
        let bad = try writeConfig("warehouses:\n  - name: w\n    kind: postgres\n    dsn: x\n    colectors: [tables]\n")
        defer { [good, bad].forEach { try? FileManager.default.removeItem(atPath: $0) } }

        let ok = try await Subprocess.run([Self.binary, "check-config", good])
        #expect(ok.status == 0, "\(ok.output)")
        let failed = try await Subprocess.run([Self.binary, "check-config", bad])
        #expect(failed.status != 0)
        #expect(failed.output.contains("\(bad):5:5: unknown key \"colectors\""), "\(failed.output)")
        #expect(failed.output.contains("did you mean \"collectors\""))
    }

    @Test func startupFailsOnAConfigTypoNamingTheLine() async throws {
        let bad = try writeConfig("warehouses:\n  - name: w\n    kind: postgres\n    dsn: x\n    collectors: [tabels]\n")
        defer { try? FileManager.default.removeItem(atPath: bad) }
        let run = try await Subprocess.run([Self.binary, "--config.file", bad, "--web.listen-address", "127.0.0.1:0"])
        #expect(run.status == 2)
        #expect(run.output.contains("\(bad):5:18: unknown collector"), "\(run.output)")
    }

    @Test func aBadWebConfigurationStopsTheStartNamingTheLineButNotTheHash() async throws {
        let config = try writeConfig("warehouses:\n  - { name: w, kind: postgres, dsn: \"dbname=x\" }\n")
        let web = try writeConfig("basic_auth_users:\n  prometheus: $2y$10$not-a-complete-hash\n")
        let typo = try writeConfig("tls_server_config:\n  cert_file: server.pem\n  key_fil: server.key\n")
        defer { [config, web, typo].forEach { try? FileManager.default.removeItem(atPath: $0) } }

        let run = try await Subprocess.run([Self.binary, "--config.file", config, "--web.config.file", web, "--web.listen-address", "127.0.0.1:0"])
        #expect(run.status == 2)
        #expect(run.output.contains("\(web):2:15: the password of \\\"prometheus\\\" is not a bcrypt hash"), "\(run.output)")
        #expect(!run.output.contains("not-a-complete-hash"))
        let check = try await Subprocess.run([Self.binary, "check-config", config, "--web.config.file", typo])
        #expect(check.status == 1)
        #expect(check.output.contains("\(typo):3:3: unknown key \"key_fil\" in tls_server_config (did you mean \"key_file\"?)"), "\(check.output)")
    }

    @Test func unknownCollectorFlagIsRefused() async throws {
        let run = try await Subprocess.run([Self.binary, "--no-collector.nonsense"])
        #expect(run.status != 0)
        #expect(run.output.contains("unknown collector \"nonsense\""), "\(run.output)")
    }

    @Test func servesWhileTheWarehouseIsDownAndExitsZeroOnSIGTERM() async throws {
        let port = try freePort()
        let config = try writeConfig(
            """
            warehouses:
              - name: nowhere
                kind: postgres
                dsn: "host=127.0.0.1 port=\(try freePort()) dbname=x user=x connect_timeout=2"
                intervals: { health: 1s, tables: 1s }
            """)
        defer { try? FileManager.default.removeItem(atPath: config) }
        let process = try BackgroundProcess([
            Self.binary, "--config.file", config, "--web.listen-address", "127.0.0.1:\(port)", "--log.format", "json",
            "--no-collector.tables",
        ])

        var page: HTTPGet?
        for _ in 0..<100 where page == nil {
            page = try? await HTTPGet.fetch("http://127.0.0.1:\(port)/metrics")
            if page == nil { try await Task.sleep(for: .milliseconds(100)) }
        }
        let metrics = try #require(page, "the exporter never answered: \(process.output)")
        #expect(metrics.value("warehouse_up", ["warehouse": "nowhere"]) == 0)
        #expect(!metrics.body.contains("collector=\"tables\""), "--no-collector.tables switched it off")

        process.signal(SIGTERM)
        let status = try await process.wait(timeout: .seconds(10))
        #expect(status == 0, "\(process.output)")
        let lines = process.output.split(separator: "\n")
        #expect(lines.contains { $0.contains(#""msg":"warehouse is unreachable""#) })
        #expect(lines.allSatisfy { $0.hasPrefix("{") && $0.hasSuffix("}") }, "every log line is JSON: \(process.output)")
    }

    @Test func annotatePrintsWhatItReadsFromAStatement() async throws {
        let sql = #"/* {"app": "dbt", "node_id": "model.shop.orders"} */ INSERT INTO marts.orders SELECT * FROM raw.orders WHERE id IN (1, 2)"#
        let run = try await Subprocess.run([Self.binary, "annotate"], input: sql)
        #expect(run.status == 0, "\(run.output)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(run.output.utf8)) as? [String: Any])
        #expect(json["source"] as? String == "dbt")
        #expect(json["app"] as? String == "dbt")
        #expect(json["model"] as? String == "model.shop.orders")
        #expect(json["user"] == nil)
        #expect((json["attributes"] as? [String: String])?["node_id"] == "model.shop.orders")
        let fingerprint = try #require(json["fingerprint"] as? String)
        #expect(fingerprint.count == 16 && fingerprint.allSatisfy(\.isHexDigit))
        let tables = try #require(json["tables"] as? [String: [String]])
        #expect(tables["read"] == ["raw.orders"])
        #expect(tables["written"] == ["marts.orders"])

        // The same statement with other literals and no comment: same fingerprint, no context.
        let plain = try await Subprocess.run([Self.binary, "annotate"], input: "insert into marts.orders select * from raw.orders where id in (7)")
        let other = try #require(try JSONSerialization.jsonObject(with: Data(plain.output.utf8)) as? [String: Any])
        #expect(other["source"] as? String == "none")
        #expect(other["fingerprint"] as? String == fingerprint)
    }

    @Test func annotateReadsAFileWithTheConfigsPatterns() async throws {
        let config = try writeConfig("""
            warehouses:
              - { name: w, kind: postgres, dsn: x }
            annotations:
              patterns:
                - { name: acme, regex: 'job=(?<dag>\\w+)/(?<task>\\w+)' }
            """)
        let file = try writeConfig("-- job=billing/rollup\nSELECT 1")
        defer { [config, file].forEach { try? FileManager.default.removeItem(atPath: $0) } }
        let run = try await Subprocess.run([Self.binary, "annotate", "--config.file", config, file])
        #expect(run.status == 0, "\(run.output)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(run.output.utf8)) as? [String: Any])
        #expect(json["source"] as? String == "acme")
        #expect(json["dag"] as? String == "billing")
        #expect(json["task"] as? String == "rollup")

        let missing = try await Subprocess.run([Self.binary, "annotate", "/nonexistent/q.sql"])
        #expect(missing.status == 1)
        #expect(missing.output.contains("/nonexistent/q.sql: cannot read the file"))
    }
}
