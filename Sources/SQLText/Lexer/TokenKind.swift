/// What a ``Token`` is.
enum TokenKind: UInt8 {
    /// An unquoted identifier or keyword.
    case word
    /// `"…"`.
    case quotedIdentifier
    /// `'…'`, `E'…'` or a dollar-quoted body.
    case string
    case number
    /// `$1`, `?`, `%s`, `%(name)s`.
    case parameter
    case blockComment
    case lineComment
    /// Any other single byte.
    case punctuation
}
