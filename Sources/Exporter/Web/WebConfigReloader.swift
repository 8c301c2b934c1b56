import Logging
import NIOSSL
import Synchronization

/// The web configuration in force, read again when its file — or the certificate and key it names —
/// changes, as the exporter-toolkit reads it at every request: a renewed certificate applies to the
/// next handshake, a changed password or header to the next request, without a restart. A change
/// that cannot be used is logged and the last good configuration stays in force.
///
/// What the TLS context fixed at start (TLS on or off, versions, client certificates) changes at
/// the next restart; a change to those is logged as such.
final class WebConfigReloader: Sendable {
    private struct State {
        var fileStamp: FileStamp?
        var config: WebConfig
        /// The certificate and key as last loaded, and what handshakes use instead of the pair
        /// loaded at start (nothing until they change).
        var identitySource: IdentitySource?
        var identity = NIOSSLContextConfigurationOverride.noChanges
    }

    private let path: String?
    private let logger: Logger
    private let started: WebConfig
    private let state: Mutex<State>

    /// - Parameter path: the file `config` came from; nil for a configuration that is not reloaded.
    init(path: String?, config: WebConfig, logger: Logger) {
        self.path = path
        self.logger = logger
        self.started = config
        state = Mutex(State(fileStamp: path.flatMap(FileStamp.init), config: config, identitySource: config.tls.map(IdentitySource.init)))
    }

    /// The configuration in force, read again first if its file changed.
    var current: WebConfig {
        state.withLock { state in
            refresh(&state)
            return state.config
        }
    }

    /// For each TLS handshake: the certificate and key the files hold now, once they differ from
    /// those loaded at start.
    func identityOverride() -> NIOSSLContextConfigurationOverride {
        state.withLock { state in
            refresh(&state)
            guard let tls = state.config.tls, let path else { return state.identity }
            let source = IdentitySource(tls)
            guard source != state.identitySource else { return state.identity }
            // Noted even when the load fails: a half-written pair is tried again when the next
            // file lands, not at every handshake.
            state.identitySource = source
            do {
                let (chain, key) = try TLSServerSettings.identity(tls, file: path)
                var override = NIOSSLContextConfigurationOverride()
                override.certificateChain = chain.map { .certificate($0) }
                override.privateKey = .privateKey(key)
                state.identity = override
                logger.info("loaded the TLS certificate and key again", metadata: ["web_config_file": "\(path)"])
            } catch {
                logger.error("the TLS certificate or key changed but cannot be loaded; handshakes use the previous pair", metadata: ["error": "\(error)"])
            }
            return state.identity
        }
    }

    private func refresh(_ state: inout State) {
        guard let path else { return }
        let stamp = FileStamp(path)
        guard stamp != state.fileStamp else { return }
        state.fileStamp = stamp
        var config: WebConfig
        do {
            config = try WebConfigLoader.parse(YAMLDocument.read(path: path, what: "the web configuration file"), file: path)
        } catch {
            logger.error("the web configuration file changed but cannot be used; the previous configuration stays in force", metadata: ["error": "\(error)"])
            return
        }
        if !Self.sameContext(config.tls, started.tls) {
            logger.warning(
                "the web configuration's TLS on/off, versions and client certificate settings apply at the next restart; its certificate, key, users and headers apply now",
                metadata: ["web_config_file": "\(path)"])
        }
        // The listener's TLS cannot be switched on or off: keep it as started, with the new files.
        if (config.tls == nil) != (started.tls == nil) { config.tls = started.tls }
        state.config = config
        logger.info("loaded the web configuration again", metadata: ["web_config_file": "\(path)", "basic_auth_users": "\(config.basicAuthUsers.count)"])
    }

    /// Where the certificate and key come from, with the files' stamps: inline PEM text changes
    /// with the web configuration, files on their own.
    private struct IdentitySource: Equatable {
        let certificate: WebConfig.TLS.PEM
        let key: WebConfig.TLS.PEM
        let stamps: [FileStamp?]

        init(_ tls: WebConfig.TLS) {
            certificate = tls.certificate
            key = tls.key
            stamps = [tls.certificate, tls.key].map { pem in
                if case .file(let file) = pem { FileStamp(file) } else { nil }
            }
        }
    }

    private static func sameContext(_ a: WebConfig.TLS?, _ b: WebConfig.TLS?) -> Bool {
        guard let a, let b else { return a == nil && b == nil }
        return a.minVersion == b.minVersion && a.maxVersion == b.maxVersion && a.clientAuth == b.clientAuth && a.clientCAFile == b.clientCAFile
    }
}
