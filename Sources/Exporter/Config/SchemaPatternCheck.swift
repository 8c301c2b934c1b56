import Foundation

/// Checks a schema pattern of `include_schemas`/`exclude_schemas` before the warehouse sees it.
///
/// PostgreSQL and Redshift match them with their own regular expressions (PostgreSQL's ARE, Redshift's
/// POSIX ERE); the closest at hand is ICU's (`NSRegularExpression`). The escapes only PostgreSQL has
/// are read as ICU's nearest before compiling (`\m`, `\M`, `\y` as `\b`, `\Y` as `\B`, `\Z` as `\z`), so
/// what is reported is what breaks in every dialect: unbalanced parentheses or brackets, a quantifier
/// with nothing to repeat, a bad range or repetition count, a trailing backslash. A pattern ICU accepts
/// and the warehouse does not (ICU-only syntax such as lookbehind) is only found by the tables
/// collector's first run.
enum SchemaPatternCheck {
    /// Why `pattern` is not a regular expression, or nil when it compiles.
    static func problem(in pattern: String) -> String? {
        do {
            // As SchemaFilter puts it into the query: a group of its own, so `a)|(b` is caught too.
            _ = try NSRegularExpression(pattern: "^((" + icu(pattern) + "))$")
            return nil
        } catch {
            return "ICU cannot compile it (unbalanced ( ) or [ ], a quantifier with nothing before it, a bad range or {n,m})"
        }
    }

    /// PostgreSQL's word-boundary and end escapes in ICU's spelling; everything else as written.
    private static func icu(_ pattern: String) -> String {
        var result = ""
        var escaped = false
        for character in pattern {
            if escaped {
                switch character {
                case "m", "M", "y": result += "b"
                case "Y": result += "B"
                case "Z": result += "z"
                default: result.append(character)
                }
                escaped = false
            } else {
                escaped = character == "\\"
                result.append(character)
            }
        }
        return result
    }
}
