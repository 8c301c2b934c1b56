import NIOSSL

/// Turns `tls_server_config` into NIOSSL's server configuration, loading every file so that a
/// missing or malformed certificate or key is an error at start that names the setting.
enum TLSServerSettings {
    /// - Parameter reloader: when given, each handshake uses the certificate and key the files
    ///   hold now, so a renewed certificate needs no restart.
    static func configuration(_ tls: WebConfig.TLS, file: String, reloader: WebConfigReloader? = nil) throws(ConfigError) -> TLSConfiguration {
        let (chain, key) = try identity(tls, file: file)
        var configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key))
        configuration.minimumTLSVersion = tls.minVersion.nio
        configuration.maximumTLSVersion = tls.maxVersion?.nio
        switch tls.clientAuth {
        case .none:
            configuration.certificateVerification = .none
        case .verifyIfGiven:
            configuration.certificateVerification = .optionalVerification
        case .requireAndVerify:
            // BoringSSL's SSL_VERIFY_FAIL_IF_NO_PEER_CERT: a client without a certificate is refused.
            configuration.certificateVerification = .noHostnameVerification
        }
        if let caFile = tls.clientCAFile {
            configuration.trustRoots = .certificates(try certificates(.file(caFile), setting: "client_ca_file", file: file))
        }
        if let reloader {
            configuration.sslContextCallback = { _, promise in promise.succeed(reloader.identityOverride()) }
        }
        return configuration
    }

    /// The server's certificate chain and private key.
    static func identity(_ tls: WebConfig.TLS, file: String) throws(ConfigError) -> ([NIOSSLCertificate], NIOSSLPrivateKey) {
        let chain = try certificates(tls.certificate, setting: tls.certificate.isFile ? "cert_file" : "cert", file: file)
        let key: NIOSSLPrivateKey
        do {
            key =
                switch tls.key {
                case .file(let path): try NIOSSLPrivateKey(file: path, format: .pem)
                case .inline(let text): try NIOSSLPrivateKey(bytes: Array(text.utf8), format: .pem)
                }
        } catch {
            // NIOSSL's error says nothing of the key's content, but say less still: a key is a secret.
            let setting = if case .file(let path) = tls.key { "key_file \"\(path)\"" } else { "key" }
            throw ConfigError(file: file, message: "\(setting): not a PEM private key that can be read")
        }
        return (chain, key)
    }

    private static func certificates(_ pem: WebConfig.TLS.PEM, setting: String, file: String) throws(ConfigError) -> [NIOSSLCertificate] {
        let chain: [NIOSSLCertificate]
        do {
            chain =
                switch pem {
                case .file(let path): try NIOSSLCertificate.fromPEMFile(path)
                case .inline(let text): try NIOSSLCertificate.fromPEMBytes(Array(text.utf8))
                }
        } catch {
            throw ConfigError(file: file, message: "\(setting)\(pem.pathSuffix): not PEM certificates that can be read (\(error))")
        }
        guard !chain.isEmpty else { throw ConfigError(file: file, message: "\(setting)\(pem.pathSuffix): holds no certificate") }
        return chain
    }
}

extension WebConfig.TLS.PEM {
    var isFile: Bool { if case .file = self { true } else { false } }
    var pathSuffix: String { if case .file(let path) = self { " \"\(path)\"" } else { "" } }
}

extension WebConfig.TLS.Version {
    var nio: TLSVersion {
        switch self {
        case .tls10: .tlsv1
        case .tls11: .tlsv11
        case .tls12: .tlsv12
        case .tls13: .tlsv13
        }
    }
}
