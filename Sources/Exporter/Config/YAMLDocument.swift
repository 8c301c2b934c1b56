import Foundation
import Yams

/// Reading a YAML file into a node tree, with syntax errors located by line and column.
enum YAMLDocument {
    /// The file's text; `what` names it in the error ("the configuration file").
    static func read(path: String, what: String) throws(ConfigError) -> String {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConfigError(file: path, message: "cannot read \(what)")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw ConfigError(file: path, message: "\(what) is not UTF-8 text")
        }
        return text
    }

    /// The root node, nil for an empty document.
    static func compose(_ text: String, file: String) throws(ConfigError) -> Node? {
        do {
            return try Yams.compose(yaml: text)
        } catch {
            throw syntaxError(error, file: file, text: text)
        }
    }

    /// The file, line, column and libyaml's problem, and never the text around it: the line may
    /// hold a password, a bcrypt hash or a private key (Yams's own description quotes it).
    private static func syntaxError(_ error: any Error, file: String, text: String) -> ConfigError {
        switch error as? YamlError {
        case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _),
            .composer(let context, let problem, let mark, _):
            // libyaml's context ("while scanning a quoted scalar") is a fixed phrase, not file text.
            let during = context.map { " \($0.text) (from line \($0.mark.line), column \($0.mark.column))" } ?? ""
            return ConfigError(file: file, line: mark.line, column: mark.column, message: "invalid YAML: \(problem)\(during)")
        case .reader(let problem, let offset, let value, _):
            // A byte YAML does not allow (a control character): its code, never the line.
            let (line, column) = offset.map { position(ofCharacter: $0, in: text) } ?? (nil, nil)
            return ConfigError(
                file: file, line: line, column: column,
                message: "invalid YAML: \(problem) (character U+\(String(UInt32(bitPattern: value), radix: 16, uppercase: true)))")
        case .duplicatedKeysInMapping(let duplicates, let context):
            return ConfigError(
                file: file, line: context.mark.line, column: context.mark.column,
                message: "duplicate key \(duplicates.map { "\"\($0)\"" }.joined(separator: ", "))")
        case .some(let other):
            return ConfigError(file: file, message: "invalid YAML: \(kind(of: other))")
        case nil:
            return ConfigError(file: file, message: "invalid YAML: \(type(of: error))")
        }
    }

    /// The name of the error's case only, for the kinds that carry no position.
    private static func kind(of error: YamlError) -> String {
        switch error {
        case .memory: "out of memory"
        case .dataCouldNotBeDecoded: "the text could not be decoded"
        default: "cannot be read"
        }
    }

    /// 1-based line and column of the `offset`-th character.
    private static func position(ofCharacter offset: Int, in text: String) -> (Int?, Int?) {
        var line = 1
        var column = 1
        for character in text.prefix(offset) {
            if character.isNewline { line += 1; column = 1 } else { column += 1 }
        }
        return (line, column)
    }
}
