/// Values written into ClickHouse statements, for the few places a statement is built from text
/// the exporter did not write (a configured pattern).
public enum ClickHouseSQL {
    /// A string literal: ClickHouse reads backslash escapes inside quotes, so both the quote and
    /// the backslash are escaped.
    public static func literal(_ text: String) -> String {
        "'" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "'", with: "\\'") + "'"
    }
}
