/// Where the `query_log` collector has read up to, as the state file keeps it: a ``LogFileMark``
/// for each file of the log directory it follows.
///
/// The newest file's mark is at the top level of the entry (`file`, `inode`, `offset`, …), where
/// state files written before the other files were followed hold their one position, so those
/// are read as they were meant.
public struct LogCursor: Codable, Equatable, Sendable {
    /// The mark of the newest file the server began.
    public var current: LogFileMark
    /// The marks of the other files followed, in the order the server wrote them: at most
    /// ``LogTailer/maximumMarks`` in all.
    public var others: [LogFileMark]
    /// Files that began at this time or before and have no mark are history (they were there
    /// before the exporter's first start, or were read and left behind by newer files): not read.
    public var floor: Double?

    init(current: LogFileMark, others: [LogFileMark] = [], floor: Double? = nil) {
        self.current = current
        self.others = others
        self.floor = floor
    }

    /// Every mark, oldest first.
    var marks: [LogFileMark] { others + [current] }

    enum CodingKeys: String, CodingKey {
        case others, floor
    }

    public init(from decoder: any Decoder) throws {
        current = try LogFileMark(from: decoder)
        let values = try decoder.container(keyedBy: CodingKeys.self)
        others = try values.decodeIfPresent([LogFileMark].self, forKey: .others) ?? []
        floor = try values.decodeIfPresent(Double.self, forKey: .floor)
        if let floor, !floor.isFinite {
            throw DecodingError.dataCorruptedError(forKey: .floor, in: values, debugDescription: "floor \(floor) is not a finite time")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        try current.encode(to: encoder)
        var values = encoder.container(keyedBy: CodingKeys.self)
        if !others.isEmpty { try values.encode(others, forKey: .others) }
        try values.encodeIfPresent(floor, forKey: .floor)
    }
}
