import HTTPTypes
import Hummingbird

/// The web configuration in force, applied to every request: `basic_auth_users` answer 401 with a
/// `WWW-Authenticate` challenge unless the request carries a user's password, and
/// `http_server_config.headers` go on every response, 401s included. While bcrypt verifications
/// are all taken, a password not yet proven gets 429 with `Retry-After` instead of a verification.
struct WebConfigMiddleware<Context: RequestContext>: RouterMiddleware {
    let web: WebConfigReloader
    let authenticator = BasicAuthenticator()

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let config = web.current
        let verdict: BasicAuthenticator.Verdict =
            config.basicAuthUsers.isEmpty ? .authorized : await authenticator.verdict(request.headers[.authorization], users: config.basicAuthUsers)
        var response: Response
        switch verdict {
        case .authorized:
            response = try await next(request, context)
        case .refused:
            response = Response(
                status: .unauthorized,
                headers: [.wwwAuthenticate: "Basic realm=\"warehouse_exporter\", charset=\"UTF-8\"", .contentType: "text/plain; charset=utf-8"],
                body: ResponseBody(byteBuffer: ByteBuffer(string: "Unauthorized\n")))
        case .busy:
            response = Response(
                status: .tooManyRequests, headers: [.retryAfter: "1", .contentType: "text/plain; charset=utf-8"],
                body: ResponseBody(byteBuffer: ByteBuffer(string: "Too many password checks at once; retry\n")))
        }
        // Names were validated when the web configuration loaded.
        for (name, value) in config.headers {
            if let field = HTTPField.Name(name) { response.headers[field] = value }
        }
        return response
    }
}
