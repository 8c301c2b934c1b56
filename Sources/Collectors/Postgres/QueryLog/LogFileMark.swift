/// How far the `query_log` collector has read one log file, and how it finds that file again: by
/// its identity (inode and first bytes) rather than its name, with a check of the bytes before the
/// offset that tells a file truncated, rewritten or recreated in place (`copytruncate`,
/// `log_truncate_on_rotation`, an inode reused) from the one read.
///
/// Decoding refuses values no tailer could have written (a negative offset, a fingerprint longer
/// than the tailer takes), so a corrupted state file is reported rather than followed.
public struct LogFileMark: Codable, Equatable, Sendable {
    /// The file's name when last read; the file is followed through renames by its inode and head.
    public var file: String
    /// The file's inode number when last read.
    public var inode: UInt64
    /// After the last complete record read.
    public var offset: Int
    /// FNV-1a of the first ``LogTailer/headLength`` bytes (or fewer, if the file was shorter).
    public var head: UInt64
    /// The number of bytes ``head`` covers.
    public var headLength: Int
    /// The file's modification time when last read. Only a position saved before ``start`` was
    /// kept is placed by it.
    public var modified: Double
    /// When the file began, in seconds of the server's wall clock as if it were UTC (its first
    /// record's time, else the time in its name): where it falls in the order the server wrote the
    /// files. Absent in state files written before it was kept.
    public var start: Double?
    /// FNV-1a of the ``tailLength`` bytes just before ``offset``: that the point reached still
    /// holds the bytes read, even in a file rewritten with the same first bytes. Absent in state
    /// files written before it was kept.
    public var tail: UInt64?
    /// The number of bytes ``tail`` covers: `min(offset, LogTailer.tailLength)`.
    public var tailLength: Int?

    init(
        file: String, inode: UInt64, offset: Int, head: UInt64, headLength: Int, modified: Double, start: Double? = nil,
        tail: UInt64? = nil, tailLength: Int? = nil
    ) {
        self.file = file
        self.inode = inode
        self.offset = offset
        self.head = head
        self.headLength = headLength
        self.modified = modified
        self.start = start
        self.tail = tail
        self.tailLength = tailLength
    }

    enum CodingKeys: String, CodingKey {
        case file, inode, offset, head, headLength, modified, start, tail, tailLength
    }

    public init(from decoder: any Decoder) throws {
        let values = try decoder.container(keyedBy: CodingKeys.self)
        // Foundation's decoder reports a number out of an integer's range as invalid JSON, with no
        // field: say which field and what it held.
        func integer<Value: FixedWidthInteger & Decodable>(_ key: CodingKeys, _ type: Value.Type) throws -> Value? {
            do {
                return try values.decodeIfPresent(Value.self, forKey: key)
            } catch let error as DecodingError {
                throw error
            } catch {
                let held = (try? values.decode(Double.self, forKey: key)).map { "\($0)" } ?? "its value"
                throw DecodingError.dataCorruptedError(
                    forKey: key, in: values, debugDescription: "\(key.stringValue) \(held) is not a whole number from \(Value.min) to \(Value.max)")
            }
        }
        func required<Value>(_ key: CodingKeys, _ value: Value?) throws -> Value {
            guard let value else {
                throw DecodingError.keyNotFound(key, .init(codingPath: values.codingPath, debugDescription: "\(key.stringValue) is missing"))
            }
            return value
        }
        file = try values.decode(String.self, forKey: .file)
        inode = try required(.inode, try integer(.inode, UInt64.self))
        offset = try required(.offset, try integer(.offset, Int.self))
        head = try required(.head, try integer(.head, UInt64.self))
        headLength = try required(.headLength, try integer(.headLength, Int.self))
        modified = try values.decode(Double.self, forKey: .modified)
        start = try values.decodeIfPresent(Double.self, forKey: .start)
        tail = try integer(.tail, UInt64.self)
        tailLength = try integer(.tailLength, Int.self)
        guard offset >= 0 else {
            throw DecodingError.dataCorruptedError(forKey: .offset, in: values, debugDescription: "offset \(offset) is negative")
        }
        guard (0...LogTailer.headLength).contains(headLength) else {
            throw DecodingError.dataCorruptedError(
                forKey: .headLength, in: values, debugDescription: "headLength \(headLength) is not between 0 and \(LogTailer.headLength)")
        }
        if let tailLength, !(0...min(offset, LogTailer.tailLength)).contains(tailLength) || tail == nil {
            throw DecodingError.dataCorruptedError(
                forKey: .tailLength, in: values,
                debugDescription: "tailLength \(tailLength) is not between 0 and \(min(offset, LogTailer.tailLength)), or has no tail")
        }
        if let start, !start.isFinite {
            throw DecodingError.dataCorruptedError(forKey: .start, in: values, debugDescription: "start \(start) is not a finite time")
        }
    }
}
