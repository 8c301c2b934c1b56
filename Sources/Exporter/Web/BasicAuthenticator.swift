import Foundation
import Hummingbird
import Synchronization

/// `basic_auth_users`: every request — `/metrics`, the health and landing pages alike — carries
/// a configured user's password or gets 401, as with the exporter-toolkit.
final class BasicAuthenticator: Sendable {
    private let users: [String: String]
    /// The password each user last proved: bcrypt costs tens of milliseconds by design, and a
    /// scrape every few seconds should not pay that each time.
    private let proven = Mutex<[String: [UInt8]]>([:])

    init(users: [String: String]) {
        self.users = users
    }

    /// Whether an `Authorization` header names a user and their password.
    func isAuthorized(_ authorization: String?) -> Bool {
        guard let (user, password) = Self.credentials(authorization) else { return false }
        guard let hash = users[user] else {
            // Spend the same time as for a real user, so the answer's delay does not tell which names exist.
            if let any = users.values.first { _ = BcryptHash.matches(password: password, hash: any) }
            return false
        }
        let bytes = Array(password.utf8)
        if let known = proven.withLock({ $0[user] }), BcryptHash.constantTimeEqual(known, bytes) { return true }
        guard BcryptHash.matches(password: password, hash: hash) else { return false }
        proven.withLock { $0[user] = bytes }
        return true
    }

    /// `Basic base64(user:password)`; the password may hold colons, the user may not (RFC 7617).
    static func credentials(_ authorization: String?) -> (user: String, password: String)? {
        guard let authorization, authorization.count > 6, authorization.prefix(6).lowercased() == "basic " else { return nil }
        guard let data = Data(base64Encoded: String(authorization.dropFirst(6).trimmingCharacters(in: .whitespaces))),
            let text = String(data: data, encoding: .utf8), let colon = text.firstIndex(of: ":")
        else { return nil }
        return (String(text[..<colon]), String(text[text.index(after: colon)...]))
    }

    /// The middleware that answers 401 with a `WWW-Authenticate` challenge.
    struct Middleware<Context: RequestContext>: RouterMiddleware {
        let authenticator: BasicAuthenticator

        func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
            guard authenticator.isAuthorized(request.headers[.authorization]) else {
                return Response(
                    status: .unauthorized,
                    headers: [.wwwAuthenticate: "Basic realm=\"warehouse_exporter\", charset=\"UTF-8\"", .contentType: "text/plain; charset=utf-8"],
                    body: ResponseBody(byteBuffer: ByteBuffer(string: "Unauthorized\n")))
            }
            return try await next(request, context)
        }
    }
}
