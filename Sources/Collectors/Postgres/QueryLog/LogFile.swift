/// One non-empty log file as listed, with what identifies it beyond its name and where it falls in
/// the order the server wrote the files.
struct LogFile {
    var name: String
    var inode: UInt64
    var size: Int
    var modified: Double
    /// FNV-1a of the first ``headLength`` bytes, `min(size, LogTailer.headLength)`; nil when the
    /// file could not be read (reading it then fails with the reason).
    var head: UInt64?
    var headLength: Int
    /// When the server began it (``LogFileStart``), or its modification time when neither its
    /// first bytes nor its name hold a time.
    var start: Double
    /// Its size or its modification or status-change time moved since the directory was last
    /// listed (or it was not there): it may have been written, truncated, renamed or touched.
    var changed: Bool

    /// The order the server wrote the files in: by start, then by name.
    func isBefore(_ other: LogFile) -> Bool {
        (start, name) < (other.start, other.name)
    }

    /// What a copy (`copytruncate`, `cp`) shares with its original: the same first bytes, which
    /// tell one stream from another since a server's first record carries its time to the
    /// millisecond and its process id, and the same start, since files whose first bytes hold no
    /// time (stderr files that begin with the same unprefixed lines) can share their first bytes.
    /// Nil when the file could not be read.
    var copyKey: CopyKey? {
        head.map { CopyKey(head: $0, headLength: headLength, start: start) }
    }

    struct CopyKey: Hashable {
        var head: UInt64
        var headLength: Int
        var start: Double
    }

    /// FNV-1a, the fingerprint of a file's first bytes and of the bytes before a cursor's offset.
    static func fingerprint(_ bytes: some Sequence<UInt8>) -> UInt64 {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in bytes { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
        return hash
    }
}
