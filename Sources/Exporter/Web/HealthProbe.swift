import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import Synchronization

/// `warehouse_exporter healthcheck`: one GET of a running exporter's `/-/healthy`, for container
/// health checks in images that carry no HTTP client.
///
/// It speaks what the web configuration makes the server speak. With TLS, the server must present
/// the very certificate `cert_file` (or `cert`) holds: the probe pins it rather than trusting a CA,
/// since a self-signed certificate is common here and the probe talks to loopback, where no name
/// in the certificate would match anyway. With `basic_auth_users`, which hold only bcrypt hashes,
/// the password comes from `--healthcheck.password-file`.
public struct HealthProbe: Sendable {
    public var address: ListenAddress
    public var path: String
    public var web: WebConfig
    /// The file `web` came from, for errors about its certificate; "" for none.
    public var webConfigFile: String
    /// Basic auth credentials, when the server asks for them.
    public var credentials: (username: String, password: String)?
    public var timeout: Duration

    public init(
        address: ListenAddress, path: String = "/-/healthy", web: WebConfig = WebConfig(), webConfigFile: String = "",
        credentials: (username: String, password: String)? = nil, timeout: Duration = .seconds(4)
    ) {
        self.address = address
        self.path = path
        self.web = web
        self.webConfigFile = webConfigFile
        self.credentials = credentials
        self.timeout = timeout
    }

    /// Nil when the exporter answered 200; otherwise one line saying why it is not healthy.
    public func run() async -> String? {
        if !web.basicAuthUsers.isEmpty && credentials == nil {
            return "basic auth is on (basic_auth_users) and no --healthcheck.username and --healthcheck.password-file were given"
        }
        let target = "\(web.tls == nil ? "http" : "https")://\(ListenAddress(host: address.loopbackHost, port: address.port))\(path)"
        do {
            let status = try await fetchStatus()
            return status == .ok ? nil : "\(target) answered \(status.code) \(status.reasonPhrase)"
        } catch let error as ConfigError {
            return "\(error)"
        } catch {
            return "\(target): \(error)"
        }
    }

    private func fetchStatus() async throws -> HTTPResponseStatus {
        let tls = try web.tls.map { tls throws(ConfigError) in try Self.pinnedClient(tls, file: webConfigFile) }
        let host = address.loopbackHost
        let eventLoop = MultiThreadedEventLoopGroup.singleton.next()
        let channel = try await ClientBootstrap(group: eventLoop)
            .connectTimeout(TimeAmount(timeout))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let tls {
                        try channel.pipeline.syncOperations.addHandler(
                            NIOSSLClientHandler(context: tls.context, serverHostname: nil) { presented, verdict in
                                verdict.succeed(presented.first == tls.certificate ? .certificateVerified : .failed)
                            })
                    }
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                }
            }
            .connect(host: host, port: address.port).get()
        // Made once connected, so that a refused connection leaves no promise behind; the request
        // is written after the reader is in place, so no answer can come before it.
        let response = eventLoop.makePromise(of: HTTPResponseStatus.self)
        do {
            try await eventLoop.submit { try channel.pipeline.syncOperations.addHandler(StatusReader(response: response)) }.get()
        } catch {
            response.fail(error)
            channel.close(promise: nil)
            throw error
        }
        let timedOut = Atomic(false)
        let deadline = eventLoop.scheduleTask(in: TimeAmount(timeout)) {
            timedOut.store(true, ordering: .relaxed)
            channel.close(promise: nil)
        }
        defer { deadline.cancel() }

        var headers = HTTPHeaders([("Host", "\(ListenAddress(host: host, port: address.port))"), ("Connection", "close")])
        if let credentials {
            headers.add(name: "Authorization", value: "Basic " + Data("\(credentials.username):\(credentials.password)".utf8).base64EncodedString())
        }
        channel.write(HTTPClientRequestPart.head(HTTPRequestHead(version: .http1_1, method: .GET, uri: path, headers: headers)), promise: nil)
        channel.writeAndFlush(HTTPClientRequestPart.end(nil), promise: nil)
        do {
            return try await response.futureResult.get()
        } catch {
            if timedOut.load(ordering: .relaxed) { throw ProbeError("no answer within \(timeout)") }
            throw error
        }
    }

    /// A client that accepts exactly the server's own certificate.
    private static func pinnedClient(_ tls: WebConfig.TLS, file: String) throws(ConfigError) -> (context: NIOSSLContext, certificate: NIOSSLCertificate) {
        let (chain, _) = try TLSServerSettings.identity(tls, file: file)
        guard let leaf = chain.first else { throw ConfigError(file: file, message: "tls_server_config holds no certificate") }
        var configuration = TLSConfiguration.makeClientConfiguration()
        // Checked by the callback instead, against the pinned certificate.
        configuration.certificateVerification = .noHostnameVerification
        configuration.minimumTLSVersion = tls.minVersion.nio
        configuration.maximumTLSVersion = tls.maxVersion?.nio
        do {
            return (try NIOSSLContext(configuration: configuration), leaf)
        } catch {
            throw ConfigError(file: file, message: "tls_server_config: \(error)")
        }
    }

    /// Completes the promise with the first response's status, or fails it when the connection
    /// ends or errs first.
    private final class StatusReader: ChannelInboundHandler {
        typealias InboundIn = HTTPClientResponsePart
        let response: EventLoopPromise<HTTPResponseStatus>
        private var done = false

        init(response: EventLoopPromise<HTTPResponseStatus>) { self.response = response }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            guard case .head(let head) = unwrapInboundIn(data) else { return }
            finish(.success(head.status))
            context.close(promise: nil)
        }

        func errorCaught(context: ChannelHandlerContext, error: any Error) {
            finish(.failure(error))
            context.close(promise: nil)
        }

        func channelInactive(context: ChannelHandlerContext) {
            finish(.failure(ProbeError("the connection closed before a response")))
        }

        func handlerRemoved(context: ChannelHandlerContext) {
            finish(.failure(ProbeError("the connection closed before a response")))
        }

        private func finish(_ result: Result<HTTPResponseStatus, any Error>) {
            guard !done else { return }
            done = true
            response.completeWith(result)
        }
    }

    private struct ProbeError: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }
}
