import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The serve flags as Prometheus's exporter-toolkit has them, and the `healthcheck` command, on
/// the real binary with curl as the client.
@Suite("Listen addresses, HEAD, --version and healthcheck")
struct ServeFlagsTests {
    static let binary = ExporterProcessTests.binary

    /// A warehouse that is never there: the HTTP side is what these tests look at.
    private static func config() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("config-\(UUID().uuidString).yml").path
        try "warehouses:\n  - { name: w, kind: postgres, dsn: \"host=127.0.0.1 port=\(try freePort()) dbname=x user=x connect_timeout=1\" }\n"
            .write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// The exporter with `flags`, once `healthcheck` with `probe` says it is up.
    private static func start(_ flags: [String], probe: [String]) async throws -> BackgroundProcess {
        let process = try BackgroundProcess([binary, "--config.file", try config()] + flags)
        for _ in 0..<100 {
            if try await Subprocess.run([binary, "healthcheck"] + probe).status == 0 { return process }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw TestSupportError("the exporter never became healthy: \(process.output)")
    }

    private static func curl(_ arguments: [String]) async throws -> (status: Int32, output: String) {
        try await Subprocess.run(["curl", "-sS", "--max-time", "5"] + arguments)
    }

    @Test func listensOnEveryAddressGiven() async throws {
        let (first, second) = (try freePort(), try freePort())
        let process = try await Self.start(
            ["--web.listen-address", "127.0.0.1:\(first)", "--web.listen-address", "127.0.0.1:\(second)"],
            probe: ["--web.listen-address", "127.0.0.1:\(first)"])
        for port in [first, second] {
            let run = try await Self.curl(["-o", "/dev/null", "-w", "%{http_code}", "http://127.0.0.1:\(port)/metrics"])
            #expect(run.output == "200", "port \(port): \(run.output) \(process.output)")
        }
        #expect(process.output.contains("listen_addresses=127.0.0.1:\(first),127.0.0.1:\(second)"), "\(process.output)")
    }

    @Test func aPortAloneListensOnIPv4AndIPv6() async throws {
        let port = try freePort()
        let process = try await Self.start(["--web.listen-address", ":\(port)"], probe: ["--web.listen-address", "127.0.0.1:\(port)"])
        let v4 = try await Self.curl(["-o", "/dev/null", "-w", "%{http_code}", "http://127.0.0.1:\(port)/-/healthy"])
        #expect(v4.output == "200", "\(v4.output) \(process.output)")
        // Where this machine has IPv6 loopback (a container may not), it answers there too.
        guard try await Subprocess.run(["sh", "-c", "ip -6 addr show lo 2>/dev/null | grep -q ::1"]).status == 0 else { return }
        let v6 = try await Self.curl(["-g", "-o", "/dev/null", "-w", "%{http_code}", "http://[::1]:\(port)/-/healthy"])
        #expect(v6.output == "200", "\(v6.output) \(process.output)")
    }

    @Test func headIsAnsweredWithoutABody() async throws {
        let port = try freePort()
        let process = try await Self.start(["--web.listen-address", "127.0.0.1:\(port)"], probe: ["--web.listen-address", "127.0.0.1:\(port)"])
        for path in ["/metrics", "/", "/-/healthy"] {
            // -I sends HEAD; -w counts what came after the headers.
            let run = try await Self.curl(["-I", "-o", "/dev/null", "-w", "%{http_code} %{size_download}", "http://127.0.0.1:\(port)\(path)"])
            #expect(run.output == "200 0", "HEAD \(path): \(run.output) \(process.output)")
        }
        let headers = try await Self.curl(["-I", "http://127.0.0.1:\(port)/metrics"])
        #expect(headers.output.lowercased().contains("content-type: text/plain; version=0.0.4"), "\(headers.output)")
    }

    @Test func versionNamesTheVersionRevisionAndBuildDate() async throws {
        let run = try await Subprocess.run([Self.binary, "--version"])
        #expect(run.status == 0, "\(run.output)")
        #expect(run.output.hasPrefix("warehouse_exporter, version 0.1.0 (revision: "), "\(run.output)")
        #expect(run.output.contains("build date:"), "\(run.output)")
    }

    @Test func healthcheckSaysWhyItFails() async throws {
        let port = try freePort()
        let down = try await Subprocess.run([Self.binary, "healthcheck", "--web.listen-address", "127.0.0.1:\(port)"])
        #expect(down.status == 1)
        #expect(down.output.hasPrefix("unhealthy: http://127.0.0.1:\(port)/-/healthy: "), "\(down.output)")
        #expect(down.output.split(separator: "\n").count == 1, "one line: \(down.output)")
    }

    @Test func healthcheckAuthenticatesAndPinsTheServersOwnCertificate() async throws {
        let certificates = try TestCertificates.make()
        defer { certificates.remove() }
        let web = certificates.folder + "/web.yml"
        try "tls_server_config: { cert_file: server.pem, key_file: server.key }\nbasic_auth_users:\n  alice: \(WebSecurityTests.aliceHash)\n"
            .write(toFile: web, atomically: true, encoding: .utf8)
        let password = certificates.folder + "/password"
        try "correct horse\n".write(toFile: password, atomically: true, encoding: .utf8)
        let port = try freePort()
        let flags = ["--web.listen-address", "127.0.0.1:\(port)", "--web.config.file", web]
        let process = try await Self.start(flags, probe: flags + ["--healthcheck.username", "alice", "--healthcheck.password-file", password])

        let noPassword = try await Subprocess.run([Self.binary, "healthcheck"] + flags)
        #expect(noPassword.status == 1)
        #expect(noPassword.output.contains("--healthcheck.password-file"), "\(noPassword.output)")
        let wrong = certificates.folder + "/wrong"
        try "battery staple\n".write(toFile: wrong, atomically: true, encoding: .utf8)
        let refused = try await Subprocess.run(
            [Self.binary, "healthcheck"] + flags + ["--healthcheck.username", "alice", "--healthcheck.password-file", wrong])
        #expect(refused.status == 1)
        #expect(refused.output.contains("answered 401"), "\(refused.output)")

        // Another certificate in the web configuration than the one served: the pin refuses it.
        let other = certificates.folder + "/other.yml"
        try "tls_server_config: { cert_file: stranger.pem, key_file: stranger.key }\nbasic_auth_users:\n  alice: \(WebSecurityTests.aliceHash)\n"
            .write(toFile: other, atomically: true, encoding: .utf8)
        let impostor = try await Subprocess.run(
            [Self.binary, "healthcheck", "--web.listen-address", "127.0.0.1:\(port)", "--web.config.file", other,
             "--healthcheck.username", "alice", "--healthcheck.password-file", password])
        #expect(impostor.status == 1, "\(impostor.output) \(process.output)")
    }
}
