/// Checks the SQL of data checks before it is ever sent: a check must be one statement that only
/// reads, and a fragment (a join condition, a filter) must not end the statement it is put in.
/// The warehouse's own grants remain the real barrier (and on PostgreSQL each check's read-only
/// transaction); this catches, before anything is sent, what a config review misses: a statement of
/// another type, and the ways a statement of type select still writes (a data-modifying `WITH`,
/// `SELECT … INTO`).
public enum ReadOnlyQuery {
    /// Why `text` is not a single read-only query, or nil when it is.
    public static func problem(in text: String, dialect: SQLDialect = .postgres) -> String? {
        if let problem = lexicalProblem(in: text, dialect: dialect, allowTrailingSemicolon: true) { return problem }
        let queryType = SQLAnalyzer(dialect: dialect).analyze(text).queryType
        guard queryType == "select" else {
            return "must be a query that only reads (SELECT, WITH … SELECT or VALUES), not a statement of type \(queryType)"
        }
        return writingProblem(in: text, dialect: dialect)
    }

    /// Why `text` cannot be placed inside a query as a condition, or nil when it can.
    public static func problem(inFragment text: String, dialect: SQLDialect = .postgres) -> String? {
        lexicalProblem(in: text, dialect: dialect, allowTrailingSemicolon: false)
    }

    /// A select that writes: `WITH d AS (DELETE …) SELECT …` (its type is the outer statement's)
    /// and `SELECT … INTO t` (which creates `t`). Any INSERT, UPDATE, DELETE or MERGE word outside
    /// strings and quoted identifiers counts, at any depth, so a nested `WITH` cannot hide one;
    /// `FOR [NO KEY] UPDATE` only locks (which the read-only transaction refuses anyway), and a
    /// column called one of these words can be quoted.
    private static func writingProblem(in text: String, dialect: SQLDialect) -> String? {
        var text = text
        return text.withUTF8 { bytes in
            Lexer.with(bytes, dialect: dialect) { lexer in
                var previous = Keyword.other
                while let token = lexer.next() {
                    guard token.kind == .word else {
                        if token.kind != .blockComment, token.kind != .lineComment { previous = .other }
                        continue
                    }
                    let keyword = Keyword.lookup(bytes[token.start..<token.end])
                    defer { previous = keyword }
                    switch keyword {
                    case .insert, .delete, .merge, .update:
                        if previous == .as || (keyword == .update && (previous == .for || previous == .key)) { continue }
                        let word = String(decoding: bytes[token.start..<token.end], as: UTF8.self).uppercased()
                        return "must only read, but contains \(word) (a data-modifying WITH writes even under a SELECT;"
                            + " quote a column of that name)"
                    case .into:
                        return "must only read, but contains INTO (SELECT … INTO creates a table)"
                    default:
                        continue
                    }
                }
                return nil
            }
        }
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
