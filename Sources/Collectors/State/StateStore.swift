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
///
/// What it cannot use is never a crash: a file that is not a JSON object stops the start with an
/// error naming it; an empty file, and an entry that no longer decodes (a value out of range, a
/// field missing), go to `onWarning` naming the file and the entry, and that collector starts
/// without its position.
public final class StateStore: Sendable {
    public let path: String?
    /// The entries, and how many copies of them saves have taken.
    private let entries: Mutex<(values: [String: Data], copies: UInt64)>
    /// Which copy the file holds: a save writes its copy only when no later one is written, so
    /// collectors saving from their own tasks never put an older copy over a newer one. A lock of
    /// its own, so that a `load`, or a save's update of the entries, never waits for the disk.
    private let written = Mutex<UInt64>(0)
    private let onWrite: @Sendable (StateStoreError?) -> Void
    private let onWarning: @Sendable (String) -> Void
    /// Held as long as this store lives, when it was asked to be the file's only writer.
    private let lock: StateFileLock?

    /// Loads `path` if it exists; a file that cannot be parsed is an error (it is not silently
    /// reset, which would recount or skip queries).
    ///
    /// - Parameters:
    ///   - exclusive: take ``StateFileLock`` beside the file first, and throw when another process
    ///     holds it: two processes writing one state file would each overwrite the other's
    ///     positions. A lock that cannot be taken for another reason (the folder cannot be written,
    ///     so neither can the state) is a warning.
    ///   - onWrite: called after each attempt to write the file: with nil when it was written, with
    ///     the error when it was not.
    ///   - onWarning: called with a message naming the file (and the entry) for what is dropped.
    public init(
        path: String?, exclusive: Bool = false, onWrite: @escaping @Sendable (StateStoreError?) -> Void = { _ in },
        onWarning: @escaping @Sendable (String) -> Void = { _ in }
    ) throws {
        self.path = path
        self.onWrite = onWrite
        self.onWarning = onWarning
        var lock: StateFileLock?
        if exclusive, let path {
            do {
                lock = try StateFileLock(statePath: path)
            } catch {
                switch error {
                case .held(let message): throw StateStoreError(message)
                case .unavailable(let message): onWarning(message)
                }
            }
        }
        self.lock = lock
        var loaded: [String: Data] = [:]
        if let path, let data = FileManager.default.contents(atPath: path) {
            if data.isEmpty {
                onWarning("the state file \(path) is empty: starting without saved positions")
            } else {
                guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
                    throw StateStoreError("the state file \(path) is not a JSON object; move it away to start afresh")
                }
                for (key, value) in object {
                    loaded[key] = try? JSONSerialization.data(withJSONObject: value, options: [.fragmentsAllowed])
                }
            }
        }
        entries = Mutex((loaded, 0))
    }

    /// The saved value for `key`, nil when there is none. An entry that no longer decodes is
    /// dropped with a warning naming the file, the entry and what is wrong with it, once: the next
    /// save writes the file without it.
    public func load<Value: Decodable>(_ type: Value.Type, key: String) -> Value? {
        guard let data = entries.withLock({ $0.values[key] }) else { return nil }
        do {
            return try JSONDecoder().decode(type, from: data)
        } catch {
            entries.withLock { $0.values[key] = nil }
            onWarning(
                "the state file \(path ?? "(in memory)") has an entry \"\(key)\" that cannot be read (\(Self.describe(error))): "
                    + "it is dropped, and that collector starts without its saved position")
            return nil
        }
    }

    /// Saves `value` under `key` and writes the file; returns whether the file holds it, written
    /// by this save or by a later one (a failed write also goes to `onWrite`), and throws only
    /// when `value` cannot be encoded.
    @discardableResult
    public func save<Value: Encodable>(_ value: Value, key: String) throws -> Bool {
        let data = try JSONEncoder().encode(value)
        let (snapshot, copy) = entries.withLock { entries in
            entries.values[key] = data
            entries.copies += 1
            return entries
        }
        guard let path else { return true }
        let failure: StateStoreError?? = written.withLock { written in
            // A later copy, which holds this value too, is in the file already.
            guard copy > written else { return .none }
            do {
                try Self.file(snapshot).write(to: URL(fileURLWithPath: path), options: .atomic)
                written = copy
                return .some(nil)
            } catch {
                return .some(StateStoreError("cannot write the state file \(path): \(error.localizedDescription)"))
            }
        }
        guard let failure else { return true }
        onWrite(failure)
        return failure == nil
    }

    /// The file's bytes: one JSON object, an entry a line in the order of its key, each value as
    /// it was encoded. A history cursor is saved with every page it reads, and may remember
    /// 10,000 query ids: splicing each entry's own bytes in costs a save the encoding of the one
    /// value that changed, where parsing every entry back to serialise the whole object again
    /// took some 90 ms a save.
    static func file(_ entries: [String: Data]) throws -> Data {
        let keys = JSONEncoder()
        keys.outputFormatting = .withoutEscapingSlashes
        var file = Data("{".utf8)
        for (index, key) in entries.keys.sorted().enumerated() {
            file.append(contentsOf: (index == 0 ? "\n  " : ",\n  ").utf8)
            file.append(try keys.encode(key))
            file.append(contentsOf: ": ".utf8)
            file.append(entries[key]!)
        }
        file.append(contentsOf: (entries.isEmpty ? "}\n" : "\n}\n").utf8)
        return file
    }

    /// What a decoding error says about the entry: the field and the problem, without Swift's
    /// type names where a plain word does.
    static func describe(_ error: any Error) -> String {
        func field(_ path: [any CodingKey]) -> String {
            path.isEmpty ? "the entry" : path.map { $0.intValue.map(String.init) ?? $0.stringValue }.joined(separator: ".")
        }
        switch error {
        case DecodingError.keyNotFound(let key, let context):
            return "\(field(context.codingPath + [key])) is missing"
        case DecodingError.valueNotFound(_, let context):
            return "\(field(context.codingPath)) is null"
        case DecodingError.typeMismatch(_, let context), DecodingError.dataCorrupted(let context):
            return "\(field(context.codingPath)): \(context.debugDescription)"
        default:
            return "\(error)"
        }
    }
}

/// The state file could not be read or written.
public struct StateStoreError: Error, CustomStringConvertible, Sendable {
    public let description: String

    init(_ description: String) { self.description = description }
}
