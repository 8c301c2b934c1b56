import Foundation

/// Removes secrets from text before it can reach a log, a page or a metric.
///
/// libpq does not put passwords in its messages, but a server, a proxy or a future libpq
/// might; every message from a connection passes through here on its way out.
struct Redactor: Sendable {
    let secrets: [String]

    init(secrets: [String]) {
        // Longest first, so a secret that contains another is removed whole.
        self.secrets = secrets.filter { !$0.isEmpty }.sorted { $0.count > $1.count }
    }

    func callAsFunction(_ text: String) -> String {
        secrets.reduce(text) { $0.replacingOccurrences(of: $1, with: "********") }
    }
}
