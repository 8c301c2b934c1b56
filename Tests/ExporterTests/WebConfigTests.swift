import Exporter
import Foundation
import TestSupport
import Testing

@Suite("The web configuration is read strictly and never echoes a secret")
struct WebConfigTests {
    static let hash = "$2y$10$hYWeaT7Nkr9nl8fyUoLr5uvR3XBWvkr8CjU2S.bXR3LW0s.cyi2Ja"

    @Test func readsTheExporterToolkitFormat() throws {
        let config = try WebConfigLoader.parse(
            """
            tls_server_config:
              cert_file: certs/server.pem
              key_file: /etc/exporter/server.key
              client_auth_type: RequireAndVerifyClientCert
              client_ca_file: ca.pem
              min_version: TLS13
              prefer_server_cipher_suites: true
            http_server_config:
              http2: false
              headers:
                Strict-Transport-Security: max-age=31536000
            basic_auth_users:
              prometheus: \(Self.hash)
            """, file: "/etc/exporter/web.yml")
        let tls = try #require(config.tls)
        guard case .file(let certificate) = tls.certificate, case .file(let key) = tls.key else {
            Issue.record("the certificate and key are files")
            return
        }
        #expect(certificate == "/etc/exporter/certs/server.pem", "relative to the web configuration's folder")
        #expect(key == "/etc/exporter/server.key")
        #expect(tls.clientCAFile == "/etc/exporter/ca.pem")
        #expect(tls.clientAuth == .requireAndVerify)
        #expect(tls.minVersion == .tls13)
        #expect(tls.maxVersion == nil)
        #expect(config.headers == ["Strict-Transport-Security": "max-age=31536000"])
        #expect(config.basicAuthUsers == ["prometheus": Self.hash])
    }

    @Test func anEmptyFileMeansPlainHTTPWithoutAuthentication() throws {
        let config = try WebConfigLoader.parse("", file: "web.yml")
        #expect(config.tls == nil)
        #expect(config.basicAuthUsers.isEmpty)
    }

    @Test(arguments: [
        ("tls_server_confg: {}", "1:1: unknown key \"tls_server_confg\"", "did you mean \"tls_server_config\""),
        ("tls_server_config: { key_file: k }", "1:20: tls_server_config needs cert_file", "(or cert, the PEM text itself)"),
        ("tls_server_config: { cert_file: c, cert: x, key_file: k }", "set cert_file or cert, not both", ""),
        ("tls_server_config: { cert_file: c, key_file: k, client_auth_type: RequestClientCert, client_ca_file: ca }",
         "unknown client_auth_type \"RequestClientCert\"", "accepts certificates nobody verified"),
        ("tls_server_config: { cert_file: c, key_file: k, client_auth_type: RequireAndVerifyClientCert }",
         "needs client_ca_file", ""),
        ("tls_server_config: { cert_file: c, key_file: k, client_ca_file: ca }", "client_auth_type is NoClientCert", ""),
        ("tls_server_config: { cert_file: c, key_file: k, min_version: TLS13, max_version: TLS12 }",
         "max_version TLS12 is below min_version TLS13", ""),
        ("tls_server_config: { cert_file: c, key_file: k, min_version: TLS1.2 }", "min_version must be one of TLS10, TLS11, TLS12, TLS13", ""),
        ("tls_server_config: { cert_file: c, key_file: k, cipher_suites: [TLS_AES_128_GCM_SHA256] }",
         "\"cipher_suites\" is not supported by this exporter", "remove it"),
        ("http_server_config: { headers: { Content-Type: text/html } }", "\"Content-Type\" is set by the server", ""),
        ("http_server_config: { http2: maybe }", "\"http2\" must be true or false", ""),
        ("basic_auth_users: { \"a:b\": x }", "must be non-empty and have no colon", ""),
    ])
    func errorsNameTheLineAndTheProblem(yaml: String, message: String, hint: String) {
        #expect {
            _ = try WebConfigLoader.parse(yaml, file: "web.yml")
        } throws: { error in
            let text = "\(error)"
            return text.hasPrefix("web.yml:") && text.contains(message) && (hint.isEmpty || text.contains(hint))
        }
    }

    @Test func aPasswordThatIsNotABcryptHashIsRefusedWithoutBeingShown() {
        for secret in ["plain-text-password", "$2y$10$short", "$1$md5salt$0123456789012345678901", String(Self.hash.dropLast())] {
            #expect {
                _ = try WebConfigLoader.parse("basic_auth_users:\n  alice: '\(secret)'\n", file: "web.yml")
            } throws: { error in
                let text = "\(error)"
                return text.contains("web.yml:2:10: the password of \"alice\" is not a bcrypt hash") && !text.contains(secret)
            }
        }
    }

    @Test func unreadableCertificatesAndKeysAreErrorsAtLoad() throws {
        let certificates = try TestCertificates.make()
        defer { certificates.remove() }
        let folder = certificates.folder
        func load(_ yaml: String) throws -> WebConfig {
            let path = folder + "/web-\(UUID().uuidString).yml"
            try yaml.write(toFile: path, atomically: true, encoding: .utf8)
            return try WebConfigLoader.load(path: path)
        }
        #expect(try load("tls_server_config: { cert_file: server.pem, key_file: server.key }").tls != nil)
        #expect {
            _ = try load("tls_server_config: { cert_file: missing.pem, key_file: server.key }")
        } throws: { "\($0)".contains("cert_file \"\(folder)/missing.pem\": not PEM certificates that can be read") }
        // A key that is not a key: the error names the setting and shows none of the file.
        try "not a key, but a secret all the same\n".write(toFile: folder + "/bad.key", atomically: true, encoding: .utf8)
        #expect {
            _ = try load("tls_server_config: { cert_file: server.pem, key_file: bad.key }")
        } throws: { "\($0)".contains("key_file \"\(folder)/bad.key\": not a PEM private key") && !"\($0)".contains("secret all the same") }
        #expect {
            _ = try load("tls_server_config: { cert_file: server.pem, key_file: server.key, client_auth_type: VerifyClientCertIfGiven, client_ca_file: server.key }")
        } throws: { "\($0)".contains("client_ca_file") }
    }
}
