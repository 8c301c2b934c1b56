/// Reads the plain `stderr` log format, written with the documented prefix
/// `log_line_prefix = '%m [%p] %q%u@%d [%a] %e '`: a record is a line and the lines after it that
/// start with a tab (PostgreSQL's continuation lines). The statement of an error, and of a
/// temporary file's removal, comes in a record of its own (`STATEMENT:`) from the same process, so
/// those entries are held until it arrives.
struct StderrLogReader {
    /// Entries waiting for their `STATEMENT:` record, by process id; bounded.
    private var pending: [Substring: Held] = [:]
    private struct Held {
        var entry: LogEntry
        /// Reads that ended while it waited.
        var reads = 0
        /// A held `LOG` entry is a temporary file's; every other one an error's.
        var isTemporaryFile: Bool { entry.severity == "LOG" }
    }
    static let maximumPending = 10_000
    static let severities = ["LOG", "ERROR", "FATAL", "PANIC", "STATEMENT", "DETAIL", "HINT", "CONTEXT", "WARNING", "NOTICE", "INFO"]

    /// Hands `body` the entries `record` completes, in order: a `LOG` entry at once; an error when
    /// its statement arrives; a temporary file's removal when its statement arrives, or, when the
    /// process's next record is another (the extended protocol logs none), without one.
    mutating func entries(_ record: UnsafeBufferPointer<UInt8>, _ body: (LogEntry) -> Void) {
        let text = Self.joined(record)
        guard let (prefix, severity, message) = Self.split(text), let pid = Self.pid(prefix) else { return }
        var entry = LogEntry()
        entry.severity = String(severity)
        entry.message = String(message)
        entry.processID = String(pid)
        Self.session(prefix, into: &entry)
        switch severity {
        case "STATEMENT":
            guard var held = pending.removeValue(forKey: pid)?.entry else { return }
            held.statement = entry.message
            body(held)
        case "DETAIL", "HINT", "CONTEXT":
            return  // between an error and its statement
        default:
            // An error that no statement followed is no statement's; a temporary file still counts.
            if let held = pending.removeValue(forKey: pid), held.isTemporaryFile { body(held.entry) }
            let waits = ["ERROR", "FATAL", "PANIC"].contains(severity) || (severity == "LOG" && LogEvent.isTemporaryFile(message))
            guard waits else { return body(entry) }
            if pending.count >= Self.maximumPending {
                for held in pending.values where held.isTemporaryFile { body(held.entry) }
                pending.removeAll()
            }
            pending[pid] = Held(entry: entry)
        }
    }

    /// For the end of a read: hands `body`, without a statement, the temporary files that have
    /// waited since the end of the read before. The last file of a session that ended has no
    /// record after it to let it go; one read of grace lets a `STATEMENT:` that the server's
    /// writes split from its file's line arrive first.
    mutating func releaseTemporaryFiles(_ body: (LogEntry) -> Void) {
        for (pid, held) in pending where held.isTemporaryFile {
            if held.reads > 0 {
                pending[pid] = nil
                body(held.entry)
            } else {
                pending[pid]?.reads = 1
            }
        }
    }

    /// The record's text with PostgreSQL's continuation tabs removed.
    static func joined(_ record: UnsafeBufferPointer<UInt8>) -> Substring {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(record.count)
        var index = 0
        while index < record.count {
            let byte = record[index]
            bytes.append(byte)
            index += byte == 0x0A && index + 1 < record.count && record[index + 1] == 0x09 ? 2 : 1
        }
        return Substring(String(decoding: bytes, as: UTF8.self))
    }

    /// Prefix, severity and message: the severity is the first `WORD:  ` of the known ones.
    static func split(_ text: Substring) -> (Substring, Substring, Substring)? {
        var best: (Range<Substring.Index>, Substring)?
        for severity in severities {
            if let range = text.firstRange(of: " " + severity + ":  "), best == nil || range.lowerBound < best!.0.lowerBound {
                best = (range, text[text.index(after: range.lowerBound)..<text.index(range.upperBound, offsetBy: -3)])
            }
        }
        guard let (range, severity) = best else { return nil }
        return (text[..<range.lowerBound], severity, text[range.upperBound...])
    }

    /// The process id between `[` and `]` after the timestamp.
    static func pid(_ prefix: Substring) -> Substring? {
        guard let open = prefix.firstIndex(of: "["), let close = prefix[open...].firstIndex(of: "]") else { return nil }
        return prefix[prefix.index(after: open)..<close]
    }

    /// `user@db [app] SQLSTATE` after the process id (absent for background processes).
    static func session(_ prefix: Substring, into entry: inout LogEntry) {
        guard let open = prefix.firstIndex(of: "["), let close = prefix[open...].firstIndex(of: "]") else { return }
        var stamp = prefix[..<open]
        while stamp.last == " " { stamp.removeLast() }
        entry.timestamp = String(stamp)
        var rest = prefix[prefix.index(after: close)...].drop { $0 == " " }
        guard let at = rest.firstIndex(of: "@"), let appOpen = rest[at...].firstRange(of: " [") else { return }
        entry.user = String(rest[..<at])
        entry.database = String(rest[rest.index(after: at)..<appOpen.lowerBound])
        rest = rest[appOpen.upperBound...]
        // The app name may hold "] ": the SQLSTATE is the last word, the app what comes before it.
        guard let space = rest.lastIndex(of: " "), rest[..<space].hasSuffix("]") else { return }
        entry.applicationName = String(rest[..<rest.index(before: space)])
        entry.sqlState = String(rest[rest.index(after: space)...])
    }
}
