import Foundation

/// Quoting of names taken from a catalog or a config into SQL text.
enum SQLIdentifier {
    /// `"name"`, with any `"` doubled: the name is read exactly, never as SQL.
    static func quote(_ name: String) -> String {
        "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
