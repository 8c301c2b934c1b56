import HTTPTypes
import Hummingbird

/// `http_server_config.headers`: set on every response, 401s included.
struct ResponseHeaders<Context: RequestContext>: RouterMiddleware {
    let web: WebConfigReloader

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response = try await next(request, context)
        // Names were validated when the web configuration loaded.
        for (name, value) in web.current.headers {
            if let field = HTTPField.Name(name) { response.headers[field] = value }
        }
        return response
    }
}
