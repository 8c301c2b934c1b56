/// One token: its kind and its byte range in the text; nothing is copied.
struct Token {
    var kind: TokenKind
    var start: Int
    var end: Int
    /// The text ended before the token's closing delimiter (a cut-off comment or literal).
    var unterminated: Bool = false
}
