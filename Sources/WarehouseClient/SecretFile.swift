import Foundation

/// Secrets kept in files (`password_file`, `user_hash_salt_file`): the first line, without its
/// line ending, so `echo secret > file` and editors that add a newline both work.
public enum SecretFile {
    /// The first line of the file, or nil when it cannot be read as UTF-8 text.
    public static func firstLine(atPath path: String) -> String? {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else { return nil }
        // By scalars: "\r\n" is one Character, which neither "\r" nor "\n" equals.
        return String(String.UnicodeScalarView(text.unicodeScalars.prefix { $0 != "\n" && $0 != "\r" }))
    }
}
