import Foundation
import Yams

/// Reads `--web.config.file` strictly (unknown keys, wrong types and settings this exporter cannot
/// honour are errors naming the line) and loads its certificates and keys, so a problem stops the
/// exporter at start instead of leaving it open or unreachable.
public enum WebConfigLoader {
    public static func load(path: String) throws(ConfigError) -> WebConfig {
        let config = try parse(YAMLDocument.read(path: path, what: "the web configuration file"), file: path)
        if let tls = config.tls { _ = try TLSServerSettings.configuration(tls, file: path) }
        return config
    }

    /// The settings without touching the files they name; relative paths are resolved against
    /// the web configuration file's folder, as the exporter-toolkit does.
    public static func parse(_ text: String, file: String) throws(ConfigError) -> WebConfig {
        guard let root = try YAMLDocument.compose(text, file: file) else { return WebConfig() }
        return try WebConfigReader(file: file).config(root)
    }
}

private struct WebConfigReader: YAMLReading {
    let file: String

    func config(_ root: Node) throws(ConfigError) -> WebConfig {
        let top = try mapping(root, "the web configuration", allowed: ["tls_server_config", "http_server_config", "basic_auth_users"])
        var config = WebConfig()
        if let node = top["tls_server_config"] { config.tls = try tls(node) }
        if let node = top["http_server_config"] { config.headers = try httpServer(node) }
        if let node = top["basic_auth_users"] { config.basicAuthUsers = try users(node) }
        return config
    }

    /// Go's settings that BoringSSL does not take by the same names are refused rather than
    /// ignored: a reader of the file would believe they apply.
    private static let unsupportedTLSKeys: [String: String] = [
        "cipher_suites": "the cipher suites are BoringSSL's defaults (TLS 1.3 suites and ECDHE with AEAD for TLS 1.2)",
        "curve_preferences": "the curves are BoringSSL's defaults (X25519, P-256, P-384)",
        "client_allowed_sans": "client certificates are verified against client_ca_file only",
    ]

    private func tls(_ node: Node) throws(ConfigError) -> WebConfig.TLS {
        let allowed: Set<String> = [
            "cert_file", "key_file", "cert", "key", "client_auth_type", "client_ca_file", "min_version", "max_version",
            "prefer_server_cipher_suites",
        ]
        let fields = try mapping(node, "tls_server_config", allowed: allowed.union(Self.unsupportedTLSKeys.keys))
        for (key, value) in fields {
            if let name = key.string, let reason = Self.unsupportedTLSKeys[name] {
                throw error(value, "\"\(name)\" is not supported by this exporter: \(reason); remove it")
            }
        }
        let certificate = try pem(fields, file: "cert_file", inline: "cert", in: node)
        let key = try pem(fields, file: "key_file", inline: "key", in: node)
        var tls = WebConfig.TLS(certificate: certificate, key: key)
        if let node = fields["client_auth_type"] {
            let text = try string(node, "client_auth_type")
            guard let mode = WebConfig.TLS.ClientAuth(rawValue: text) else {
                let hint =
                    ["RequestClientCert", "RequireAnyClientCert"].contains(text)
                    ? " (\(text) accepts certificates nobody verified; use VerifyClientCertIfGiven or RequireAndVerifyClientCert)"
                    : " (expected one of: \(WebConfig.TLS.ClientAuth.allCases.map(\.rawValue).joined(separator: ", ")))"
                throw error(node, "unknown client_auth_type \"\(text)\"" + hint)
            }
            tls.clientAuth = mode
        }
        if let node = fields["client_ca_file"] { tls.clientCAFile = resolve(try string(node, "client_ca_file")) }
        if tls.clientAuth != .none, tls.clientCAFile == nil {
            throw error(fields["client_auth_type"] ?? node, "client_auth_type \(tls.clientAuth.rawValue) needs client_ca_file, the CAs that sign client certificates")
        }
        if tls.clientAuth == .none, let node = fields["client_ca_file"] {
            throw error(node, "client_ca_file is set but client_auth_type is NoClientCert, so no client certificate would be checked; set client_auth_type: RequireAndVerifyClientCert")
        }
        if let node = fields["min_version"] { tls.minVersion = try version(node, "min_version") }
        if let node = fields["max_version"] { tls.maxVersion = try version(node, "max_version") }
        if let max = tls.maxVersion, max.order < tls.minVersion.order {
            throw error(fields["max_version"]!, "max_version \(max.rawValue) is below min_version \(tls.minVersion.rawValue)")
        }
        if let node = fields["prefer_server_cipher_suites"], node.bool == nil {
            throw error(node, "\"prefer_server_cipher_suites\" must be true or false")
        }
        return tls
    }

    /// Exactly one of the file and inline forms, as the exporter-toolkit requires.
    private func pem(_ fields: Node.Mapping, file fileKey: String, inline inlineKey: String, in node: Node) throws(ConfigError) -> WebConfig.TLS.PEM {
        switch (fields[fileKey], fields[inlineKey]) {
        case (let path?, nil): .file(resolve(try string(path, fileKey)))
        case (nil, let text?): .inline(try string(text, inlineKey))
        case (_?, let text?): throw error(text, "set \(fileKey) or \(inlineKey), not both")
        case (nil, nil): throw error(node, "tls_server_config needs \(fileKey) (or \(inlineKey), the PEM text itself)")
        }
    }

    private func version(_ node: Node, _ what: String) throws(ConfigError) -> WebConfig.TLS.Version {
        let text = try string(node, what)
        guard let version = WebConfig.TLS.Version(rawValue: text) else {
            throw error(node, "\(what) must be one of \(WebConfig.TLS.Version.allCases.map(\.rawValue).joined(separator: ", ")), got \"\(text)\"")
        }
        return version
    }

    /// Headers a configuration must not override: the server sets them, and authentication and
    /// compression depend on them.
    private static let reservedHeaders: Set<String> = [
        "authorization", "content-encoding", "content-length", "content-type", "date", "server", "transfer-encoding",
        "vary", "www-authenticate", "connection",
    ]

    private func httpServer(_ node: Node) throws(ConfigError) -> [String: String] {
        let fields = try mapping(node, "http_server_config", allowed: ["http2", "headers"])
        if let node = fields["http2"], node.bool == nil { throw error(node, "\"http2\" must be true or false") }
        guard let node = fields["headers"] else { return [:] }
        var headers: [String: String] = [:]
        for (key, value) in try mapping(node, "headers", allowed: nil) {
            let name = try string(key, "header name")
            guard !name.isEmpty, name.utf8.allSatisfy({ $0 > 32 && $0 < 127 && $0 != UInt8(ascii: ":") }) else {
                throw error(key, "\"\(name)\" is not a valid header name")
            }
            guard !Self.reservedHeaders.contains(name.lowercased()) else {
                throw error(key, "the header \"\(name)\" is set by the server and cannot be configured")
            }
            let text = try string(value, name)
            guard !text.contains(where: { $0 == "\r" || $0 == "\n" }) else { throw error(value, "the value of \"\(name)\" has a line break") }
            headers[name] = text
        }
        return headers
    }

    /// The hashes are checked for shape here and never echoed: an error names the user only.
    private func users(_ node: Node) throws(ConfigError) -> [String: String] {
        var users: [String: String] = [:]
        for (key, value) in try mapping(node, "basic_auth_users", allowed: nil) {
            let user = try string(key, "user name")
            guard !user.isEmpty, !user.contains(":") else { throw error(key, "a basic_auth_users name must be non-empty and have no colon") }
            guard case .scalar(let scalar) = value, BcryptHash.isWellFormed(scalar.string) else {
                throw error(value, "the password of \"\(user)\" is not a bcrypt hash (\(BcryptHash.shape)); make one with `htpasswd -nBC 10 \"\" | tr -d ':\\n'`")
            }
            users[user] = scalar.string
        }
        return users
    }

    private func resolve(_ path: String) -> String {
        guard !path.hasPrefix("/") else { return path }
        return URL(fileURLWithPath: file).deletingLastPathComponent().appendingPathComponent(path).path
    }
}

extension WebConfig.TLS.Version {
    var order: Int { Self.allCases.firstIndex(of: self)! }
}
