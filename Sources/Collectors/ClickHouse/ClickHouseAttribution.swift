import Foundation
import QueryMetrics
import SQLText

/// Who ran a ClickHouse statement, from what the server keeps of it in `system.query_log` and
/// `system.processes`: the annotations of its text and of its `log_comment` setting, else the app
/// its client names itself, else `unknown`; the user is the annotation's, else the server's user.
enum ClickHouseAttribution {
    /// The text to analyse: `log_comment` is read as a comment before the statement, so its
    /// annotations count with the text's by the same precedence; a "*/" inside it must not end
    /// that comment early.
    static func text(query: String, comment: String) -> String {
        comment.isEmpty ? query : "/* " + comment.replacingOccurrences(of: "*/", with: "* /") + " */\n" + query
    }

    /// The app a client names itself: the first product of its user agent (`grafana/11.2
    /// clickhouse-datasource/4.0 …` is grafana), else of the native protocol's client name; nil
    /// when both are empty.
    static func clientApp(userAgent: String, clientName: String) -> String? {
        let name = userAgent.isEmpty ? clientName : userAgent
        guard let product = name.split(separator: " ").first else { return nil }
        return String(product.split(separator: "/").first ?? product)
    }

    static func attribution(_ context: QueryContext, userAgent: String, clientName: String, user: String) -> Attribution {
        Attribution(context: context, fallbackApp: clientApp(userAgent: userAgent, clientName: clientName), databaseUser: user)
    }
}
