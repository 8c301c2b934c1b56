/// The SQL dialect whose literal rules the lexer follows.
public enum SQLDialect: Sendable {
    /// PostgreSQL with `standard_conforming_strings` on: a backslash in `'…'` is an ordinary character.
    case postgres
    /// Amazon Redshift: a backslash escapes the next character in every string literal.
    case redshift
}
