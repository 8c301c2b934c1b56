import Foundation

/// The log files of one format in a directory, each with its identity and start (``LogFile``), in
/// the order the server wrote them.
///
/// A file's first bytes are read again only when its size, modification time or status-change
/// time moved (a write, a truncation, `touch`, a rename), so the files the server has moved on
/// from cost one `stat` each per run.
struct LogDirectory {
    let path: String
    let format: LogFormat
    /// Bytes read from a file's start to find its first record's time: a jsonlog line's time is
    /// in its first 40 bytes, but a stderr file may begin with lines the server did not prefix.
    static let probeLength = 4096

    /// What was read of each file, by inode, and the stat it was read at.
    private var probes: [UInt64: Probe] = [:]

    private struct Probe {
        var stamp: Stamp
        var head: UInt64?
        var headLength: Int
        var start: Double
    }

    /// What changes whenever a file's first bytes may have: its size, and its modification and
    /// status-change times in nanoseconds.
    private struct Stamp: Equatable {
        var size: Int
        var modified: Int64
        var changed: Int64

        init(_ info: stat) {
            size = Int(info.st_size)
            modified = Int64(info.st_mtim.tv_sec) * 1_000_000_000 + Int64(info.st_mtim.tv_nsec)
            changed = Int64(info.st_ctim.tv_sec) * 1_000_000_000 + Int64(info.st_ctim.tv_nsec)
        }
    }

    init(path: String, format: LogFormat) {
        self.path = path
        self.format = format
    }

    /// The non-empty regular files with the format's extension, in the order the server wrote
    /// them. An empty file has nothing to read and no record to place it by: it is listed once
    /// the server has written to it.
    mutating func list() throws -> [LogFile] {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: path)
        } catch {
            throw QueryLogError("cannot list the log directory \(path): \(error.localizedDescription)")
        }
        var files: [LogFile] = []
        var seen: [UInt64: Probe] = [:]
        for name in names where name.hasSuffix(format.fileExtension) {
            var info = stat()
            guard stat(filePath(name), &info) == 0, info.st_mode & S_IFMT == S_IFREG, info.st_size > 0 else { continue }
            let inode = UInt64(info.st_ino)
            let probe: Probe
            let changed: Bool
            if let known = probes[inode], known.stamp == Stamp(info) {
                (probe, changed) = (known, false)
            } else {
                (probe, changed) = (self.probe(name, info), true)
            }
            seen[inode] = probe
            files.append(
                LogFile(
                    name: name, inode: inode, size: probe.stamp.size, modified: Double(probe.stamp.modified) / 1e9, head: probe.head,
                    headLength: probe.headLength, start: probe.start, changed: changed))
        }
        probes = seen  // files gone are forgotten
        return files.sorted { $0.isBefore($1) }
    }

    func filePath(_ name: String) -> String { path + "/" + name }

    /// Opens `file` for reading. Throws when it cannot be read, or when its name now leads to
    /// another file (renamed or replaced since it was listed: the next run lists it again).
    func open(_ file: LogFile) throws -> FileHandle {
        guard let handle = FileHandle(forReadingAtPath: filePath(file.name)) else {
            throw QueryLogError("cannot read the log file \(filePath(file.name)): permission denied or gone")
        }
        var info = stat()
        guard fstat(handle.fileDescriptor, &info) == 0, UInt64(info.st_ino) == file.inode else {
            try? handle.close()
            throw QueryLogError("the log file \(filePath(file.name)) was replaced while it was read; it is read again at the next run")
        }
        return handle
    }

    /// The fingerprint of the bytes of `file` in `range`; nil when they are not all there any more.
    func fingerprint(of file: LogFile, _ range: Range<Int>) throws -> UInt64? {
        guard range.lowerBound >= 0 else { return nil }
        let handle = try open(file)
        defer { try? handle.close() }
        try handle.seek(toOffset: UInt64(range.lowerBound))
        let bytes = try handle.read(upToCount: range.count) ?? Data()
        return bytes.count == range.count ? LogFile.fingerprint(bytes) : nil
    }

    /// Reads the first bytes of `name`, listed with `listed`: its fingerprint and its start. What
    /// is read is described by the open file's own stat, so a file replaced in between is
    /// described as it was read.
    private func probe(_ name: String, _ listed: stat) -> Probe {
        let fallback = LogFileStart.nameTime(name) ?? Double(Stamp(listed).modified) / 1e9
        guard let handle = FileHandle(forReadingAtPath: filePath(name)) else {
            return Probe(stamp: Stamp(listed), head: nil, headLength: 0, start: fallback)
        }
        defer { try? handle.close() }
        var info = stat()
        guard fstat(handle.fileDescriptor, &info) == 0, info.st_ino == listed.st_ino,
              let bytes = try? handle.read(upToCount: Self.probeLength) ?? Data()
        else {
            return Probe(stamp: Stamp(listed), head: nil, headLength: 0, start: fallback)
        }
        let headLength = min(bytes.count, LogTailer.headLength)
        let start = bytes.withUnsafeBytes { LogFileStart.recordTime($0.bindMemory(to: UInt8.self)) } ?? fallback
        // The size read under: a file that grew since `fstat` is read again at the next run.
        var stamp = Stamp(info)
        stamp.size = max(stamp.size, bytes.count)
        return Probe(stamp: stamp, head: LogFile.fingerprint(bytes.prefix(headLength)), headLength: headLength, start: start)
    }
}
