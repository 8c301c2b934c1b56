import Collectors
import Foundation
import QueryMetrics
import SQLText

/// A test of the query_log collector on a log directory it writes itself, with a state file
/// beside it: how the directory is made, files appended to, and the collector built.
protocol QueryLogDirectoryTest {
    var directory: String { get }
    var statePath: String { get }
}

extension QueryLogDirectoryTest {
    /// A new temporary log directory named from `prefix`, and the state file's path in it.
    static func makeDirectory(_ prefix: String) throws -> (directory: String, statePath: String) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: directory + "/state", withIntermediateDirectories: true)
        return (directory, directory + "/state/state.json")
    }

    func collector(_ recorder: QueryRecorder) throws -> PostgresQueryLogCollector {
        PostgresQueryLogCollector(
            options: .init(directory: directory, format: .jsonlog), warehouse: "w", recorder: recorder,
            rules: AnnotationRules(), state: try StateStore(path: statePath))
    }

    /// Appends `text` to the file `name`, creating it, as the server writes its log.
    func append(_ text: String, to name: String) throws {
        let path = directory + "/" + name
        if !FileManager.default.fileExists(atPath: path) { _ = FileManager.default.createFile(atPath: path, contents: nil) }
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(text.utf8))
        try handle.close()
    }
}
