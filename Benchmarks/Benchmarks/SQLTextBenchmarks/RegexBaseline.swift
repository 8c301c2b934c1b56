import Foundation

/// The extraction a regex-based tool would do: find comments with one pattern, then key/value
/// pairs with a pattern per shape, decoding INTERMIX_ID, and map keys to the canonical fields.
/// It is the anchor the hand-written extraction is measured against (and it is fooled by comment
/// markers inside literals, which the lexer is not).
struct RegexBaseline: @unchecked Sendable {
    private let comment = try! NSRegularExpression(pattern: #"/\*[\s\S]*?\*/|--[^\n]*"#)
    private let intermix = try! NSRegularExpression(pattern: #"INTERMIX_ID:\s*([A-Za-z0-9+/=_-]+)"#)
    private let jsonPair = try! NSRegularExpression(pattern: #""([^"\\]+)"\s*:\s*(?:"((?:[^"\\]|\\.)*)"|([^,}\s\]]+))"#)
    private let quotedPair = try! NSRegularExpression(pattern: #"([\w.-]+)='((?:[^'\\]|\\.)*)'"#)
    private let colonPair = try! NSRegularExpression(pattern: #"([A-Za-z][\w ]*?):\s*([^,\s][^,]*?)(?=,|\s+\w+:|\s*\*/|$)"#)
    private let aliases: [String: String] = [
        "app": "app", "application": "app", "user": "user", "username": "user", "user_email": "user", "email": "user",
        "user_id": "user", "userid": "user", "dag": "dag", "dag_id": "dag", "task": "task", "task_id": "task",
        "dashboard": "dashboard", "dashboard_id": "dashboard", "chart": "chart", "chart_id": "chart", "cardid": "chart",
        "query id": "chart", "query_id": "chart", "model": "model", "node_id": "model", "optional_user_id": "user",
        "user_uuid": "user", "dashboard_uuid": "dashboard", "chart_uuid": "chart",
    ]

    func context(of text: String) -> [String: String] {
        let whole = NSRange(text.startIndex..., in: text)
        var attributes: [String: String] = [:]
        for match in comment.matches(in: text, range: whole) {
            guard let range = Range(match.range, in: text) else { continue }
            var body = String(text[range])
            if let encoded = intermix.firstMatch(in: body, range: NSRange(body.startIndex..., in: body)),
               let valueRange = Range(encoded.range(at: 1), in: body),
               let data = Data(base64Encoded: String(body[valueRange])) {
                body = String(decoding: data, as: UTF8.self)
            }
            let bodyRange = NSRange(body.startIndex..., in: body)
            for pattern in [jsonPair, quotedPair, colonPair] {
                for pair in pattern.matches(in: body, range: bodyRange) {
                    guard let key = Range(pair.range(at: 1), in: body) else { continue }
                    let valueGroup = pair.numberOfRanges > 3 && pair.range(at: 2).location == NSNotFound ? 3 : 2
                    guard let value = Range(pair.range(at: valueGroup), in: body) else { continue }
                    attributes[String(body[key]), default: String(body[value])] = attributes[String(body[key])] ?? String(body[value])
                }
            }
        }
        var context: [String: String] = [:]
        for (key, value) in attributes {
            if let field = aliases[key.lowercased()], context[field] == nil { context[field] = value }
        }
        return context
    }
}
