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
        var query = query
        var comment = comment
        return query.withUTF8 { query in
            comment.withUTF8 { comment in withText(query: query, comment: comment) { String(decoding: $0, as: UTF8.self) } }
        }
    }

    /// ``text(query:comment:)`` over the bytes of both, with no copy when there is no comment.
    static func withText<Result>(
        query: UnsafeBufferPointer<UInt8>, comment: UnsafeBufferPointer<UInt8>, _ body: (UnsafeBufferPointer<UInt8>) -> Result
    ) -> Result {
        guard !comment.isEmpty else { return body(query) }
        var text: [UInt8] = []
        text.reserveCapacity(comment.count + query.count + 8)
        text.append(contentsOf: "/* ".utf8)
        var previous: UInt8 = 0
        for byte in comment {
            if previous == UInt8(ascii: "*") && byte == UInt8(ascii: "/") { text.append(UInt8(ascii: " ")) }
            text.append(byte)
            previous = byte
        }
        text.append(contentsOf: " */\n".utf8)
        text.append(contentsOf: query)
        return text.withUnsafeBufferPointer(body)
    }

    /// The app a client names itself: the first product of its user agent (`grafana/11.2
    /// clickhouse-datasource/4.0 …` is grafana), else of the native protocol's client name; nil
    /// when both are empty.
    static func clientApp(userAgent: String, clientName: String) -> String? {
        let name = (userAgent.isEmpty ? clientName : userAgent).drop { $0 == " " }
        guard !name.isEmpty else { return nil }
        let product = name.prefix { $0 != " " }
        let named = product.drop { $0 == "/" }
        return String(named.isEmpty ? product : named.prefix { $0 != "/" })
    }

    static func attribution(_ context: QueryContext, userAgent: String, clientName: String, user: String) -> Attribution {
        Attribution(context: context, fallbackApp: clientApp(userAgent: userAgent, clientName: clientName), databaseUser: user)
    }
}
