@testable import Collectors
import Testing

extension StderrLogReader {
    /// The entry `record` completes, for tests that hand the reader one record at a time and
    /// expect at most one entry back: a second is an issue of the test.
    mutating func entry(_ record: UnsafeBufferPointer<UInt8>) -> LogEntry? {
        var completed: [LogEntry] = []
        entries(record) { completed.append($0) }
        if completed.count > 1 { Issue.record("one record completed \(completed.count) entries: \(completed)") }
        return completed.last
    }
}
