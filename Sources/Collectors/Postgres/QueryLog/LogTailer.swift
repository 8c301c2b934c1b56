import Foundation

/// Follows the server log files of one format in a directory: reads every complete record once,
/// across rotation (a new file), renames (`dateext`: the same file under a new name), copies,
/// truncation and rewriting in place (`copytruncate`, `truncate`, `log_truncate_on_rotation`, a
/// file deleted and recreated, its inode possibly reused), a server appending again to an older
/// file (started on a day whose `%a` file is there), and restarts (the marks saved in the state
/// file).
///
/// Each file is followed by a ``LogFileMark``: found again by its identity, not its name (the
/// inode holding the same first bytes and the same bytes before the offset reached, or, for a
/// copy, another inode holding them), and read on from its offset. A file without a mark is new
/// and read from its start, unless it began before the files followed (``LogCursor/floor``).
/// Files are taken in the order the server wrote them (``LogFile/isBefore(_:)``: the time of their
/// first record or in their name), not by modification time, which a clock stepped back or
/// `touch` moves. A record still being written (no newline yet) is left for the next read; a
/// partial record at the end of a file the server has moved on from (an older file that stopped
/// changing) is abandoned, since it will never be finished.
struct LogTailer {
    let format: LogFormat
    /// Bytes read per system call; a record longer than this is skipped (and reported). The
    /// position is handed to the checkpoint after each, so a crash counts at most one chunk twice.
    var chunkSize = 4 << 20
    static let headLength = 256
    /// Bytes before the offset whose fingerprint is kept with it.
    static let tailLength = 256
    /// Files followed at most, the newest: enough for any cycle of reused names but `%j`'s, and a
    /// state file of a few kilobytes however many files the directory keeps.
    static let maximumMarks = 64

    /// The files followed, oldest first; nil before the first read.
    private var marks: [LogFileMark]?
    private var floor: Double?
    /// The marks were matched to the files at the last read (they were not just loaded), so a
    /// file unchanged since needs no check.
    private var matched = false
    private var directory: LogDirectory

    init(directory: String, format: LogFormat, cursor: LogCursor?) {
        self.format = format
        self.directory = LogDirectory(path: directory, format: format)
        marks = cursor?.marks
        floor = cursor?.floor
    }

    /// The position to save: nil until a file has been seen.
    var cursor: LogCursor? {
        guard let marks, let current = marks.last else { return nil }
        return LogCursor(current: current, others: Array(marks.dropLast()), floor: floor)
    }

    /// One file listed and its mark.
    private struct Entry {
        var file: LogFile
        var mark: LogFileMark
    }

    /// Reads what was written since the marks, calling `body` with each complete record, and
    /// `checkpoint` with the position after each chunk whose records `body` has had (and after
    /// the first read marks the files). Returns the number of records and of bytes skipped as
    /// unreadable. The first read marks every file at its end: history before the exporter is not
    /// replayed (in a directory with no file yet, the files that appear are new).
    mutating func read(
        checkpoint: (LogCursor) throws -> Void = { _ in }, _ body: (UnsafeBufferPointer<UInt8>) -> Void
    ) throws -> (records: Int, skippedBytes: Int) {
        let files = try directory.list()
        guard let known = marks else {
            let (kept, floor) = Self.capped(try files.map { Entry(file: $0, mark: try endMark(of: $0)) }, floor: nil)
            (marks, self.floor, matched) = (kept, floor, true)
            if let cursor { try checkpoint(cursor) }
            return (0, 0)
        }
        var entries = try self.entries(files, known)
        let floor = self.floor
        defer {
            let kept = Self.capped(entries, floor: floor)
            (marks, self.floor, matched) = (kept.marks, kept.floor, true)
        }
        var records = 0
        var skipped = 0
        var saved = cursor
        for index in entries.indices where entries[index].file.size > entries[index].mark.offset {
            let file = entries[index].file
            // A file the server still writes may end in a record it is writing; an older one that
            // stopped changing never finishes one.
            let abandon = file.inode != files.last?.inode && !file.changed
            let result = try readRecords(of: file, from: entries[index].mark, abandonPartial: abandon, body) { reached in
                entries[index].mark = reached
                let (kept, capFloor) = Self.capped(entries, floor: floor)
                let position = kept.last.map { LogCursor(current: $0, others: Array(kept.dropLast()), floor: capFloor) }
                if let position, position != saved {
                    saved = position
                    try checkpoint(position)
                }
            }
            records += result.records
            skipped += result.skippedBytes
        }
        return (records, skipped)
    }

    /// Each listed file with its mark: the mark it continues (its own, renamed or not, or one of a
    /// file it is a copy of), or a new one at its start (new) or end (a copy of a file followed);
    /// files that began before those followed have none. Marks of files gone are dropped.
    private mutating func entries(_ files: [LogFile], _ known: [LogFileMark]) throws -> [Entry] {
        var assigned: [String: LogFileMark] = [:]
        var unmatched: [LogFileMark] = []
        let byInode = Dictionary(grouping: files, by: \.inode)
        for mark in known {
            // Its inode, under its name first.
            let candidates = (byInode[mark.inode] ?? []).filter { assigned[$0.name] == nil }
                .sorted { $0.name == mark.file && $1.name != mark.file }
            if let file = try candidates.first(where: { try continues($0, mark) }) {
                assigned[file.name] = mark
            } else {
                unmatched.append(mark)
            }
        }
        // A copy under another inode (logrotate's copytruncate keeping the extension) holds the
        // bytes its truncated original no longer does.
        for mark in unmatched where mark.headLength > 0 {
            let copy = try files.first { file in
                try assigned[file.name] == nil && (mark.start == nil || file.start == mark.start) && continues(file, mark)
            }
            if let copy { assigned[copy.name] = mark }
        }
        var floor = self.floor
        var legacyGone: LogFileMark?
        if !matched, known.count == 1, let only = known.first, only.start == nil {
            // A position saved before files were followed by marks: the files the server began
            // after its file are new, the others history (by modification time if it is gone).
            if let file = files.first(where: { assigned[$0.name] != nil }) { floor = file.start } else { legacyGone = only }
        }
        var followed = Set(files.filter { assigned[$0.name] != nil }.compactMap(\.copyKey))
        for file in files where assigned[file.name] == nil {
            if let gone = legacyGone {
                guard (file.modified, file.name) > (gone.modified, gone.file) else { continue }
            } else if let floor, file.start <= floor {
                continue  // history: begun before the files followed
            }
            if let key = file.copyKey, followed.contains(key) {
                assigned[file.name] = try endMark(of: file)  // what it holds is read from the file it copies
            } else {
                assigned[file.name] = try startMark(of: file)  // new
                if let key = file.copyKey { followed.insert(key) }
            }
        }
        self.floor = floor
        return files.compactMap { file in
            guard var mark = assigned[file.name] else { return nil }
            mark.file = file.name
            mark.inode = file.inode
            mark.start = file.start
            mark.modified = file.modified
            if let head = file.head, file.headLength > mark.headLength {
                // The same first bytes, now more of them: a longer fingerprint for the next checks.
                mark.head = head
                mark.headLength = file.headLength
            }
            return Entry(file: file, mark: mark)
        }
    }

    /// Whether `file` holds what `mark` read: at least as many bytes, the same first bytes and the
    /// same bytes before the offset.
    private func continues(_ file: LogFile, _ mark: LogFileMark) throws -> Bool {
        guard file.size >= mark.offset, file.size >= mark.headLength else { return false }
        // Matched at the last read and not written, truncated, renamed or touched since.
        if matched && !file.changed && file.inode == mark.inode && file.name == mark.file { return true }
        let head = if mark.headLength == 0 { LogFile.fingerprint([]) }
            else if let head = file.head, file.headLength == mark.headLength { head }
            else { try directory.fingerprint(of: file, 0..<mark.headLength) }
        guard head == mark.head else { return false }
        if let tail = mark.tail, let length = mark.tailLength, length > 0 {
            return try directory.fingerprint(of: file, (mark.offset - length)..<mark.offset) == tail
        }
        return true
    }

    /// Keeps the marks of the newest ``maximumMarks`` files, and of any file not read to its end;
    /// the floor rises to the newest file whose mark is dropped.
    private static func capped(_ entries: [Entry], floor: Double?) -> (marks: [LogFileMark], floor: Double?) {
        var excess = entries.count - maximumMarks
        var floor = floor
        var marks: [LogFileMark] = []
        for entry in entries {
            if excess > 0 && entry.mark.offset >= entry.file.size {
                excess -= 1
                floor = max(floor ?? entry.file.start, entry.file.start)
            } else {
                marks.append(entry.mark)
            }
        }
        return (marks, floor)
    }

    private func startMark(of file: LogFile) throws -> LogFileMark {
        LogFileMark(
            file: file.name, inode: file.inode, offset: 0, head: try head(of: file), headLength: file.headLength, modified: file.modified,
            start: file.start, tail: LogFile.fingerprint([]), tailLength: 0)
    }

    private func endMark(of file: LogFile) throws -> LogFileMark {
        guard file.head != nil else {
            // Not readable (an old file left with another owner): history all the same, marked
            // without its bytes, so it is read (and its error reported) only if it grows.
            return LogFileMark(
                file: file.name, inode: file.inode, offset: file.size, head: LogFile.fingerprint([]), headLength: 0, modified: file.modified,
                start: file.start)
        }
        var mark = try startMark(of: file)
        let length = min(file.size, Self.tailLength)
        mark.offset = file.size
        // Without the bytes (the file shrank since it was listed), the next read checks the head only.
        mark.tail = try directory.fingerprint(of: file, (file.size - length)..<file.size)
        mark.tailLength = mark.tail == nil ? nil : length
        return mark
    }

    private func head(of file: LogFile) throws -> UInt64 {
        if let head = file.head { return head }
        // Not readable when listed: reading it now fails with the reason, or gives its bytes.
        return try directory.fingerprint(of: file, 0..<file.headLength) ?? 0
    }

    /// Reads `file` from `mark.offset` to its end in chunks, calling `reached` with the mark after
    /// each chunk's complete records went to `body` (and after everything, when an unfinished tail
    /// is abandoned), so that a failure or a crash loses or repeats no more than the chunk being
    /// read.
    private func readRecords(
        of file: LogFile, from mark: LogFileMark, abandonPartial: Bool, _ body: (UnsafeBufferPointer<UInt8>) -> Void,
        reached: (LogFileMark) throws -> Void
    ) throws -> (records: Int, skippedBytes: Int) {
        let handle = try directory.open(file)
        defer { try? handle.close() }
        var mark = mark
        var records = 0
        var skipped = 0
        var position = max(0, mark.offset)
        func advance(to offset: Int) throws {
            let length = min(offset, Self.tailLength)
            try handle.seek(toOffset: UInt64(offset - length))
            mark.offset = offset
            mark.modified = file.modified
            mark.tail = LogFile.fingerprint(try handle.read(upToCount: length) ?? Data())
            mark.tailLength = length
            try reached(mark)
        }
        while true {
            try handle.seek(toOffset: UInt64(position))
            guard let data = try handle.read(upToCount: chunkSize), !data.isEmpty else { break }
            let consumed = data.withUnsafeBytes { raw in
                RecordSplitter.records(in: raw.bindMemory(to: UInt8.self), format: format) { record in
                    records += 1
                    body(record)
                }
            }
            position += consumed
            if consumed == 0 {
                if data.count < chunkSize { break }  // an unfinished record at the end: wait for it
                position += data.count  // one record longer than a chunk: skip it whole
                skipped += data.count
            }
            try advance(to: position)
            if consumed > 0 && data.count < chunkSize { break }
        }
        if abandonPartial {
            let size = Int(try handle.seekToEnd())
            if size > position {
                skipped += size - position
                position = size
            }
        }
        if position != mark.offset { try advance(to: position) }
        return (records, skipped)
    }
}

/// The `query_log` collector cannot do its work: a setting or a permission is missing.
public struct QueryLogError: Error, CustomStringConvertible, Sendable {
    public let description: String

    init(_ description: String) { self.description = description }
}
