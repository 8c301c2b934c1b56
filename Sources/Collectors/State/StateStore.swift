import Foundation
import Synchronization

/// Cursors that survive a restart (the log file and offset read up to, the last query id seen),
/// kept as one JSON object in the configured state file, keyed by warehouse and collector.
///
/// Each save rewrites the file atomically (a temporary file renamed over it), so a crash leaves
/// the previous state or the new one, never half of one. Without a path it keeps state in memory
/// only, and a restart starts afresh.
///
/// A file that cannot be written (a full disk, a read-only mount) does not stop collection: the
/// cursors live on in memory, and `onWrite` hears of each failure, so the exporter can say that a
/// restart now would read again what was read since the last write.
public final class StateStore: Sendable {
    public let path: String?
    private let entries: Mutex<[String: Data]>
    private let onWrite: @Sendable (StateStoreError?) -> Void

    /// Loads `path` if it exists; a file that cannot be parsed is an error (it is not silently
    /// reset, which would recount or skip queries). `onWrite` is called after each attempt to write
    /// the file: with nil when it was written, with the error when it was not.
    public init(path: String?, onWrite: @escaping @Sendable (StateStoreError?) -> Void = { _ in }) throws {
        self.path = path
        self.onWrite = onWrite
        var loaded: [String: Data] = [:]
        if let path, let data = FileManager.default.contents(atPath: path), !data.isEmpty {
            guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
                throw StateStoreError("the state file \(path) is not a JSON object; move it away to start afresh")
            }
            for (key, value) in object {
                loaded[key] = try? JSONSerialization.data(withJSONObject: value, options: [.fragmentsAllowed])
            }
        }
        entries = Mutex(loaded)
    }

    /// The saved value for `key`, nil when there is none or it no longer decodes.
    public func load<Value: Decodable>(_ type: Value.Type, key: String) -> Value? {
        guard let data = entries.withLock({ $0[key] }) else { return nil }
        return try? JSONDecoder().decode(type, from: data)
    }

    /// Saves `value` under `key` and writes the file; returns whether the file was written (a
    /// failed write also goes to `onWrite`), and throws only when `value` cannot be encoded.
    @discardableResult
    public func save<Value: Encodable>(_ value: Value, key: String) throws -> Bool {
        let data = try JSONEncoder().encode(value)
        let snapshot = entries.withLock { entries in
            entries[key] = data
            return entries
        }
        guard let path else { return true }
        var object: [String: Any] = [:]
        for (key, value) in snapshot { object[key] = try JSONSerialization.jsonObject(with: value, options: [.fragmentsAllowed]) }
        let file = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .prettyPrinted])
        do {
            try file.write(to: URL(fileURLWithPath: path), options: .atomic)
            onWrite(nil)
            return true
        } catch {
            onWrite(StateStoreError("cannot write the state file \(path): \(error.localizedDescription)"))
            return false
        }
    }
}

/// The state file could not be read or written.
public struct StateStoreError: Error, CustomStringConvertible, Sendable {
    public let description: String

    init(_ description: String) { self.description = description }
}
