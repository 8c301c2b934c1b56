import Exporter
import Foundation
import TestSupport
import Testing

/// `--web.config.file` against curl, the client an operator checks with: TLS, client certificates
/// and basic authentication, and no credential showing up anywhere afterwards.
@Suite("TLS, client certificates and basic authentication")
struct WebSecurityTests {
    /// bcrypt of "correct horse" at cost 10, in htpasswd's `$2y$` form, and of "battery staple" at
    /// cost 4 in Python's `$2b$` form.
    static let aliceHash = "$2y$10$hYWeaT7Nkr9nl8fyUoLr5uvR3XBWvkr8CjU2S.bXR3LW0s.cyi2Ja"
    static let bobHash = "$2b$04$.ZBWd.gZtTma475Qaw2JdeeebWuShtpTUPEIevWCttm6jH/DCeEmu"

    /// curl's exit status, the HTTP status (0 when no response came) and the response's headers and body.
    struct Answer {
        let exit: Int32
        let status: Int
        let text: String
    }

    static func curl(_ url: String, _ options: [String]) async throws -> Answer {
        let body = FileManager.default.temporaryDirectory.appendingPathComponent("curl-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: body) }
        let run = try await Subprocess.run(
            ["curl", "-sS", "--max-time", "20", "-D", "-", "-o", body, "-w", "\nstatus=%{http_code}"] + options + [url])
        let status = run.output.components(separatedBy: "status=").last.flatMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
        let text = run.output + ((try? String(contentsOfFile: body, encoding: .utf8)) ?? "")
        return Answer(exit: run.status, status: status ?? 0, text: text)
    }

    private func start(_ web: String, _ certificates: TestCertificates) async throws -> (RunningExporter, LogCapture) {
        let path = certificates.folder + "/web.yml"
        try web.write(toFile: path, atomically: true, encoding: .utf8)
        let postgres = try TestPostgres.shared()
        var warehouse = ExporterConfig.Warehouse(name: "secured", kind: .postgres, dsn: postgres.dsn())
        warehouse.collectors = ["tables"]
        warehouse.intervals = ["health": .milliseconds(200), "tables": .seconds(1)]
        let logs = LogCapture()
        let running = try await RunningExporter.start(
            ExporterConfig(warehouses: [warehouse]), web: try WebConfigLoader.load(path: path), webConfigFile: path, logger: logs.logger)
        return (running, logs)
    }

    @Test func clientCertificatesAndPasswordsBothGuardEveryPath() async throws {
        let certificates = try TestCertificates.make()
        defer { certificates.remove() }
        let (running, logs) = try await start(
            """
            tls_server_config:
              cert_file: server.pem
              key_file: server.key
              client_auth_type: RequireAndVerifyClientCert
              client_ca_file: ca.pem
              min_version: TLS13
            http_server_config:
              headers: { Strict-Transport-Security: max-age=31536000 }
            basic_auth_users:
              alice: \(Self.aliceHash)
              bob: \(Self.bobHash)
            """, certificates)
        let https = "https://127.0.0.1:\(running.port)"
        let trusted = ["--cacert", certificates.caCertificate, "--cert", certificates.clientCertificate, "--key", certificates.clientKey]

        let anonymous = try await Self.curl(https + "/metrics", trusted)
        #expect(anonymous.status == 401, "\(anonymous.text)")
        #expect(anonymous.text.lowercased().contains("www-authenticate: basic realm=\"warehouse_exporter\""))
        #expect(anonymous.text.lowercased().contains("strict-transport-security: max-age=31536000"), "configured headers go on 401s too")
        #expect(try await Self.curl(https + "/metrics", trusted + ["-u", "alice:wrong horse"]).status == 401)
        #expect(try await Self.curl(https + "/metrics", trusted + ["-u", "mallory:correct horse"]).status == 401)
        #expect(try await Self.curl(https + "/metrics", trusted + ["-u", "bob:correct horse"]).status == 401, "alice's password is not bob's")
        #expect(try await Self.curl(https + "/-/healthy", trusted).status == 401, "every path is guarded")
        #expect(try await Self.curl(https + "/", trusted).status == 401)

        let alice = try await Self.curl(https + "/metrics", trusted + ["-u", "alice:correct horse"])
        #expect(alice.status == 200, "\(alice.text)")
        #expect(alice.text.contains("warehouse_up{warehouse=\"secured\"}"))
        #expect(alice.text.lowercased().contains("strict-transport-security: max-age=31536000"))
        for _ in 0..<2 {  // the second answer comes from the proven-password cache
            #expect(try await Self.curl(https + "/-/healthy", trusted + ["-u", "bob:battery staple"]).status == 200)
        }
        let landing = try await Self.curl(https + "/", trusted + ["-u", "alice:correct horse"])
        #expect(landing.status == 200)

        // No client certificate, one from an authority the server does not trust, a TLS version
        // under the minimum, and plain HTTP: no HTTP answer at all.
        let refusals = [
            try await Self.curl(https + "/metrics", ["--cacert", certificates.caCertificate, "-u", "alice:correct horse"]),
            try await Self.curl(
                https + "/metrics",
                ["--cacert", certificates.caCertificate, "--cert", certificates.strangerCertificate, "--key", certificates.strangerKey,
                 "-u", "alice:correct horse"]),
            try await Self.curl(https + "/metrics", trusted + ["--tls-max", "1.2", "-u", "alice:correct horse"]),
            try await Self.curl("http://127.0.0.1:\(running.port)/metrics", ["-u", "alice:correct horse"]),
        ]
        for refusal in refusals {
            #expect(refusal.exit != 0 && refusal.status == 0, "\(refusal.text)")
        }
        let metrics = alice.text
        try await running.stop()

        // Neither the passwords nor their hashes, anywhere the exporter writes.
        let logged = logs.all.joined(separator: "\n")
        for text in [logged, metrics, landing.text] {
            for secret in ["correct horse", "battery staple", Self.aliceHash, Self.bobHash, "hYWeaT7Nkr9nl8fyUoLr5u", "ZBWd.gZtTma475Qaw2Jdee"] {
                #expect(!text.contains(secret), "\(secret) leaked")
            }
        }
    }

    @Test func aRenewedCertificateAndAChangedPasswordApplyWithoutARestart() async throws {
        let certificates = try TestCertificates.make()
        defer { certificates.remove() }
        let web = { (user: String, hash: String) in
            "tls_server_config: { cert_file: server.pem, key_file: server.key }\nbasic_auth_users:\n  \(user): \(hash)\n"
        }
        let (running, logs) = try await start(web("bob", Self.bobHash), certificates)
        let https = "https://127.0.0.1:\(running.port)/metrics"
        let ca = ["--cacert", certificates.caCertificate, "-v"]

        let first = try await Self.curl(https, ca + ["-u", "bob:battery staple"])
        #expect(first.status == 200)
        #expect(first.text.contains("subject: CN=server"), "\(first.text)")

        // cert-manager's way: a new pair written beside the old and renamed over it.
        try certificates.renewServer(commonName: "server-renewed")
        let renewed = try await Self.curl(https, ca + ["-u", "bob:battery staple"])
        #expect(renewed.status == 200)
        #expect(renewed.text.contains("subject: CN=server-renewed"), "the next handshake uses the new certificate: \(renewed.text)")

        // A new user replaces bob; bob's remembered password goes with him.
        try web("alice", Self.aliceHash).write(toFile: certificates.folder + "/web.yml", atomically: true, encoding: .utf8)
        #expect(try await Self.curl(https, ca + ["-u", "bob:battery staple"]).status == 401)
        #expect(try await Self.curl(https, ca + ["-u", "alice:correct horse"]).status == 200)

        // A broken edit leaves the last good configuration in force, and says so.
        try web("alice", "not-a-hash").write(toFile: certificates.folder + "/web.yml", atomically: true, encoding: .utf8)
        #expect(try await Self.curl(https, ca + ["-u", "alice:correct horse"]).status == 200)
        try await running.stop()
        let logged = logs.all.joined(separator: "\n")
        #expect(logged.contains("the web configuration file changed but cannot be used"), "\(logged)")
        #expect(logged.contains("loaded the TLS certificate and key again"))
        #expect(!logged.contains("not-a-hash") && !logged.contains(Self.aliceHash))
    }

    @Test func verifyClientCertIfGivenLetsPasswordsAloneIn() async throws {
        let certificates = try TestCertificates.make()
        defer { certificates.remove() }
        let (running, _) = try await start(
            """
            tls_server_config:
              cert_file: server.pem
              key_file: server.key
              client_auth_type: VerifyClientCertIfGiven
              client_ca_file: ca.pem
            basic_auth_users:
              bob: \(Self.bobHash)
            """, certificates)
        let https = "https://127.0.0.1:\(running.port)/metrics"
        let ca = ["--cacert", certificates.caCertificate]
        #expect(try await Self.curl(https, ca + ["-u", "bob:battery staple"]).status == 200)
        #expect(try await Self.curl(https, ca).status == 401)
        let stranger = try await Self.curl(https, ca + ["--cert", certificates.strangerCertificate, "--key", certificates.strangerKey, "-u", "bob:battery staple"])
        #expect(stranger.exit != 0 && stranger.status == 0, "a certificate given is verified: \(stranger.text)")
        let tls12 = try await Self.curl(https, ca + ["--tls-max", "1.2", "-u", "bob:battery staple"])
        #expect(tls12.status == 200, "TLS 1.2 is the default minimum: \(tls12.text)")
        try await running.stop()
    }
}
