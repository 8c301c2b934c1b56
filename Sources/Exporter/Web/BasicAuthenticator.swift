import Foundation
import Synchronization

/// `basic_auth_users`: every request — `/metrics`, the health and landing pages alike — carries
/// a configured user's password or gets 401, as with the exporter-toolkit.
final class BasicAuthenticator: Sendable {
    /// What a request's credentials earn it.
    enum Verdict: Equatable {
        case authorized
        case refused
        /// Too many verifications under way: answered without one (429).
        case busy
    }

    /// The password each user last proved, with the hash it was proved against: bcrypt costs tens
    /// of milliseconds by design, and a scrape every few seconds should not pay that each time. A
    /// changed hash (a new password in the reloaded file) voids the entry.
    private let proven = Mutex<[String: (hash: String, password: [UInt8])]>([:])
    /// Bounds what wrong passwords cost: a proven password never waits for it.
    let gate: VerificationGate

    init(gate: VerificationGate = VerificationGate()) {
        self.gate = gate
    }

    /// Whether an `Authorization` header names one of `users` and their password.
    func verdict(_ authorization: String?, users: [String: String]) async -> Verdict {
        guard let (user, password) = Self.credentials(authorization) else { return .refused }
        guard let hash = users[user] else {
            // Spend the same time as for a real user, so the answer's delay does not tell which names exist.
            guard let any = users.values.first else { return .refused }
            return await gate.run { _ = BcryptHash.matches(password: password, hash: any); return false } == nil ? .busy : .refused
        }
        let bytes = Array(password.utf8)
        if let known = proven.withLock({ $0[user] }), known.hash == hash, BcryptHash.constantTimeEqual(known.password, bytes) {
            return .authorized
        }
        guard let matches = await gate.run({ BcryptHash.matches(password: password, hash: hash) }) else { return .busy }
        guard matches else { return .refused }
        proven.withLock { $0[user] = (hash, bytes) }
        return .authorized
    }

    /// `Basic base64(user:password)`; the password may hold colons, the user may not (RFC 7617).
    static func credentials(_ authorization: String?) -> (user: String, password: String)? {
        guard let authorization, authorization.count > 6, authorization.prefix(6).lowercased() == "basic " else { return nil }
        guard let data = Data(base64Encoded: String(authorization.dropFirst(6).trimmingCharacters(in: .whitespaces))),
            let text = String(data: data, encoding: .utf8), let colon = text.firstIndex(of: ":")
        else { return nil }
        return (String(text[..<colon]), String(text[text.index(after: colon)...]))
    }
}
