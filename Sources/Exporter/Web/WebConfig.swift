/// `--web.config.file`: TLS and basic authentication for the HTTP server, in the exporter-toolkit
/// format that Prometheus, node_exporter and postgres_exporter share, so one file serves them all.
public struct WebConfig: Sendable {
    /// `tls_server_config`: when set, the server speaks HTTPS only.
    public var tls: TLS?
    /// `basic_auth_users`: user name → bcrypt hash. Empty means no authentication.
    public var basicAuthUsers: [String: String] = [:]
    /// `http_server_config.headers`: added to every response (HSTS, CSP and the like).
    public var headers: [String: String] = [:]

    public init() {}

    /// `tls_server_config`.
    public struct TLS: Sendable {
        /// A PEM document, from a file (`cert_file`) or written inline (`cert`).
        public enum PEM: Sendable, Equatable {
            case file(String)
            case inline(String)
        }

        /// `min_version` and `max_version`.
        public enum Version: String, Sendable, CaseIterable {
            case tls10 = "TLS10", tls11 = "TLS11", tls12 = "TLS12", tls13 = "TLS13"
        }

        /// `client_auth_type`. Go's RequestClientCert and RequireAnyClientCert accept certificates
        /// nobody verified, which authenticates no one, so they are refused at load.
        public enum ClientAuth: String, Sendable, CaseIterable {
            case none = "NoClientCert"
            case verifyIfGiven = "VerifyClientCertIfGiven"
            case requireAndVerify = "RequireAndVerifyClientCert"
        }

        public var certificate: PEM
        public var key: PEM
        public var clientAuth: ClientAuth = .none
        /// The CAs that sign client certificates; required when `clientAuth` verifies.
        public var clientCAFile: String?
        public var minVersion: Version = .tls12
        public var maxVersion: Version?

        public init(certificate: PEM, key: PEM) {
            self.certificate = certificate
            self.key = key
        }
    }
}
