import Foundation

/// Follows the server log files of one format in a directory: reads every complete record once,
/// across rotation (a new file), truncation (the same file, shorter or rewritten) and restarts
/// (the cursor saved in the state file).
///
/// Files are taken in order of modification time, then name. A record still being written (no
/// newline yet) is left for the next read; a partial record at the end of a file the server has
/// moved on from is abandoned, since it will never be finished.
struct LogTailer {
    let directory: String
    let format: LogFormat
    /// Bytes read per system call; a record longer than this is skipped (and reported).
    var chunkSize = 4 << 20
    static let headLength = 256

    private(set) var cursor: LogCursor?
    /// The first read found no log file.
    private var emptyAtStart = false

    init(directory: String, format: LogFormat, cursor: LogCursor?) {
        self.directory = directory
        self.format = format
        self.cursor = cursor
    }

    struct File {
        var name: String
        var inode: UInt64
        var size: Int
        var modified: Double
    }

    /// Reads what was written since the cursor, calling `body` with each complete record.
    /// Returns the number of records and of bytes skipped as unreadable. The first read with no
    /// cursor starts at the end of the newest file: history before the exporter is not replayed
    /// (with no file yet, the first file that appears is read from its start).
    mutating func read(_ body: (UnsafeBufferPointer<UInt8>) -> Void) throws -> (records: Int, skippedBytes: Int) {
        let files = try listFiles()
        guard let newest = files.last else {
            emptyAtStart = cursor == nil
            return (0, 0)
        }
        // A directory that was empty at the first read had no history: its first file is new.
        guard var current = try cursor ?? (emptyAtStart ? cursorAtStart(of: files[0]) : nil) else {
            cursor = try cursorAtEnd(of: newest)
            return (0, 0)
        }
        var records = 0
        var skipped = 0
        var pending: [File]
        if let index = files.firstIndex(where: { $0.name == current.file && $0.inode == current.inode }) {
            let file = files[index]
            let rewritten = file.size < current.offset ? true : try head(of: file, length: current.headLength) != current.head
            if rewritten { current.offset = 0 }  // truncated, or rewritten under the same name and inode
            pending = [file] + files[(index + 1)...]
        } else {
            // The file is gone (or replaced by another inode): read everything written after it.
            pending = files.filter { $0.modified > current.modified || ($0.modified == current.modified && $0.name > current.file) }
            current.offset = 0
            if let first = pending.first { current = try cursorAtStart(of: first) }
        }
        for (position, file) in pending.enumerated() {
            if file.name != current.file || file.inode != current.inode { current = try cursorAtStart(of: file) }
            let isLast = position == pending.count - 1
            var offset = current.offset
            do {
                let result = try readRecords(of: file, at: &offset, abandonPartial: !isLast, body)
                records += result.records
                skipped += result.skippedBytes
            } catch {
                // What was read before the failure was observed: keep the cursor past it.
                current.offset = offset
                cursor = current
                throw error
            }
            current.offset = offset
            current.modified = file.modified
            if current.headLength < Self.headLength && file.size > current.headLength {
                current.headLength = min(file.size, Self.headLength)
                current.head = try head(of: file, length: current.headLength)
            }
            cursor = current
        }
        return (records, skipped)
    }

    private func listFiles() throws -> [File] {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory)
        } catch {
            throw QueryLogError("cannot list the log directory \(directory): \(error.localizedDescription)")
        }
        var files: [File] = []
        for name in names where name.hasSuffix(format.fileExtension) {
            var info = stat()
            guard stat(path(name), &info) == 0, info.st_mode & S_IFMT == S_IFREG else { continue }
            let modified = Double(info.st_mtim.tv_sec) + Double(info.st_mtim.tv_nsec) / 1e9
            files.append(File(name: name, inode: UInt64(info.st_ino), size: Int(info.st_size), modified: modified))
        }
        return files.sorted { ($0.modified, $0.name) < ($1.modified, $1.name) }
    }

    private func path(_ name: String) -> String { directory + "/" + name }

    private func cursorAtEnd(of file: File) throws -> LogCursor {
        let headLength = min(file.size, Self.headLength)
        return LogCursor(
            file: file.name, inode: file.inode, offset: file.size, head: try head(of: file, length: headLength),
            headLength: headLength, modified: file.modified)
    }

    private func cursorAtStart(of file: File) throws -> LogCursor {
        let headLength = min(file.size, Self.headLength)
        return LogCursor(
            file: file.name, inode: file.inode, offset: 0, head: try head(of: file, length: headLength),
            headLength: headLength, modified: file.modified)
    }

    private func head(of file: File, length: Int) throws -> UInt64 {
        guard length > 0 else { return 0 }
        let handle = try open(file)
        defer { try? handle.close() }
        let bytes = try handle.read(upToCount: length) ?? Data()
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in bytes { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
        return hash
    }

    private func open(_ file: File) throws -> FileHandle {
        guard let handle = FileHandle(forReadingAtPath: path(file.name)) else {
            throw QueryLogError("cannot read the log file \(path(file.name)): permission denied or gone")
        }
        return handle
    }

    /// Reads `file` from `position` to its end in chunks, leaving `position` after the last complete
    /// record handed to `body` (or after everything, when an unfinished tail is abandoned). It is
    /// written back even when reading fails part way (as `inout` arguments are), so the caller
    /// knows how far the records went.
    private func readRecords(
        of file: File, at position: inout Int, abandonPartial: Bool, _ body: (UnsafeBufferPointer<UInt8>) -> Void
    ) throws -> (records: Int, skippedBytes: Int) {
        let handle = try open(file)
        defer { try? handle.close() }
        var records = 0
        var skipped = 0
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
            } else if data.count < chunkSize {
                break
            }
        }
        if abandonPartial {
            let size = try handle.seekToEnd()
            skipped += Int(size) - position
            position = Int(size)
        }
        return (records, skipped)
    }
}

/// The `query_log` collector cannot do its work: a setting or a permission is missing.
public struct QueryLogError: Error, CustomStringConvertible, Sendable {
    public let description: String

    init(_ description: String) { self.description = description }
}
