import HTTPTypes
import Hummingbird

/// The web configuration in force, applied to every request: `basic_auth_users` answer 401 with a
/// `WWW-Authenticate` challenge unless the request carries a user's password, and
/// `http_server_config.headers` go on every response, 401s included.
struct WebConfigMiddleware<Context: RequestContext>: RouterMiddleware {
    let web: WebConfigReloader
    let authenticator = BasicAuthenticator()

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let config = web.current
        var response: Response
        if config.basicAuthUsers.isEmpty || authenticator.isAuthorized(request.headers[.authorization], users: config.basicAuthUsers) {
            response = try await next(request, context)
        } else {
            response = Response(
                status: .unauthorized,
                headers: [.wwwAuthenticate: "Basic realm=\"warehouse_exporter\", charset=\"UTF-8\"", .contentType: "text/plain; charset=utf-8"],
                body: ResponseBody(byteBuffer: ByteBuffer(string: "Unauthorized\n")))
        }
        // Names were validated when the web configuration loaded.
        for (name, value) in config.headers {
            if let field = HTTPField.Name(name) { response.headers[field] = value }
        }
        return response
    }
}
