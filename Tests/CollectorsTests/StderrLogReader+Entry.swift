@testable import Collectors

extension StderrLogReader {
    /// The last entry `record` completes, for tests that hand the reader one record at a time and
    /// expect at most one entry back.
    mutating func entry(_ record: UnsafeBufferPointer<UInt8>) -> LogEntry? {
        var last: LogEntry?
        entries(record) { last = $0 }
        return last
    }
}
