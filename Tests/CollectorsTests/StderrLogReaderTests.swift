@testable import Collectors
import Testing

/// The plain stderr format's records of one process, in the order the server writes them: which
/// entries they complete, with which statement.
@Suite struct StderrLogReaderTests {
    static func record(_ severity: String, _ message: String, pid: Int = 42) -> [UInt8] {
        Array("2026-11-21 10:00:00.000 UTC [\(pid)] etl@db [worker] 00000 \(severity):  \(message)".utf8)
    }

    static let file = #"temporary file: path "base/pgsql_tmp/pgsql_tmp42.0", size 2800000"#

    /// Feeds `records` (nil: the end of a read) and returns each completed entry as
    /// "severity message | statement".
    static func read(_ records: [[UInt8]?]) -> [String] {
        var reader = StderrLogReader()
        var out: [String] = []
        let add = { (entry: LogEntry) in out.append("\(entry.severity) \(entry.message) | \(entry.statement)") }
        for record in records {
            if let record { record.withUnsafeBufferPointer { reader.entries($0, add) } } else { reader.releaseTemporaryFiles(add) }
        }
        return out
    }

    @Test func aTemporaryFileTakesTheStatementThatFollowsIt() {
        #expect(Self.read([Self.record("LOG", Self.file), Self.record("STATEMENT", "SELECT 1")]) == ["LOG \(Self.file) | SELECT 1"])
    }

    /// The extended protocol logs no statement: the process's next record lets the file go first.
    @Test func aTemporaryFileWithoutAStatementGoesBeforeTheProcesssNextRecord() {
        let other = Self.record("LOG", Self.file, pid: 7)
        #expect(Self.read([
            Self.record("LOG", Self.file), other, Self.record("ERROR", "division by zero"), Self.record("CONTEXT", "SQL function"),
            Self.record("STATEMENT", "SELECT 1/0"), Self.record("LOG", "duration: 1 ms  statement: SELECT 2"),
        ]) == [
            "LOG \(Self.file) | ", "ERROR division by zero | SELECT 1/0", "LOG duration: 1 ms  statement: SELECT 2 | ",
        ])
    }

    /// At the end of a read a file waits one more read for its statement, then goes without one;
    /// an error without a statement never goes.
    @Test func theEndOfAReadLetsAFileGoAfterOneReadOfGrace() {
        #expect(Self.read([Self.record("LOG", Self.file), nil, Self.record("STATEMENT", "SELECT 1")]) == ["LOG \(Self.file) | SELECT 1"])
        #expect(Self.read([Self.record("LOG", Self.file), nil, nil, Self.record("STATEMENT", "SELECT 1")]) == ["LOG \(Self.file) | "])
        #expect(Self.read([Self.record("ERROR", "division by zero"), nil, nil]) == [])
    }
}
