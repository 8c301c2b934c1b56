import HTTPTypes
import Hummingbird

/// `http_server_config.headers`: set on every response, 401s included.
struct ResponseHeaders<Context: RequestContext>: RouterMiddleware {
    let headers: [(name: HTTPField.Name, value: String)]

    init(_ headers: [String: String]) {
        // Names were validated when the web configuration loaded.
        self.headers = headers.sorted { $0.key < $1.key }.compactMap { name, value in HTTPField.Name(name).map { ($0, value) } }
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response = try await next(request, context)
        for header in headers { response.headers[header.name] = header.value }
        return response
    }
}
