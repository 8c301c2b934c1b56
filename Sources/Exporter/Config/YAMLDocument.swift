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
            throw syntaxError(error, file: file)
        }
    }

    private static func syntaxError(_ error: any Error, file: String) -> ConfigError {
        switch error as? YamlError {
        case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _), .composer(_, let problem, let mark, _):
            ConfigError(file: file, line: mark.line, column: mark.column, message: "invalid YAML: \(problem)")
        case .duplicatedKeysInMapping(let duplicates, let context):
            ConfigError(
                file: file, line: context.mark.line, column: context.mark.column,
                message: "duplicate key \(duplicates.map { "\"\($0)\"" }.joined(separator: ", "))")
        default:
            ConfigError(file: file, message: "invalid YAML: \(error)")
        }
    }
}
