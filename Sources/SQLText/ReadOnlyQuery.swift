/// Checks the SQL of data checks before it is ever sent: a check must be one statement that only
/// reads, and a fragment (a join condition, a filter) must not end the statement it is put in.
/// The warehouse's own grants remain the real barrier; this catches the mistakes a config review
/// misses.
public enum ReadOnlyQuery {
    /// Why `text` is not a single read-only query, or nil when it is.
    public static func problem(in text: String, dialect: SQLDialect = .postgres) -> String? {
        if let problem = lexicalProblem(in: text, dialect: dialect, allowTrailingSemicolon: true) { return problem }
        let queryType = SQLAnalyzer(dialect: dialect).analyze(text).queryType
        guard queryType == "select" else {
            return "must be a query that only reads (SELECT, WITH … SELECT or VALUES), not a statement of type \(queryType)"
        }
        return nil
    }

    /// Why `text` cannot be placed inside a query as a condition, or nil when it can.
    public static func problem(inFragment text: String, dialect: SQLDialect = .postgres) -> String? {
        lexicalProblem(in: text, dialect: dialect, allowTrailingSemicolon: false)
    }

    private static func lexicalProblem(in text: String, dialect: SQLDialect, allowTrailingSemicolon: Bool) -> String? {
        var text = text
        return text.withUTF8 { bytes in
            Lexer.with(bytes, dialect: dialect) { lexer in
                var sawCode = false
                var sawSemicolon = false
                var depth = 0
                while let token = lexer.next() {
                    if token.unterminated { return "has an unterminated string, identifier or comment" }
                    switch token.kind {
                    case .blockComment, .lineComment:
                        continue
                    case .punctuation where bytes[token.start] == UInt8(ascii: ";"):
                        if !allowTrailingSemicolon { return "must not contain ';'" }
                        sawSemicolon = true
                        continue
                    case .punctuation where bytes[token.start] == UInt8(ascii: "("):
                        depth += 1
                    case .punctuation where bytes[token.start] == UInt8(ascii: ")"):
                        depth -= 1
                        if depth < 0 { return "has a ')' without its '('" }
                    default:
                        break
                    }
                    if sawSemicolon { return "must be one statement (text follows a ';')" }
                    sawCode = true
                }
                if !sawCode { return "is empty" }
                if depth != 0 { return "has a '(' without its ')'" }
                return nil
            }
        }
    }
}
