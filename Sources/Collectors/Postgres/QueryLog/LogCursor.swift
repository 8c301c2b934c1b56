/// Where the `query_log` collector has read up to: a file, identified by name and inode, the
/// offset after the last complete record, and the hash of the file's first bytes, which tells a
/// file truncated and rewritten under the same name (`log_truncate_on_rotation`) from the one read.
public struct LogCursor: Codable, Equatable, Sendable {
    public var file: String
    public var inode: UInt64
    public var offset: Int
    /// FNV-1a of the first ``LogTailer/headLength`` bytes (or fewer, if the file was shorter).
    public var head: UInt64
    public var headLength: Int
    /// The file's modification time when last read, for finding the files written after it when
    /// it has been deleted.
    public var modified: Double
}
