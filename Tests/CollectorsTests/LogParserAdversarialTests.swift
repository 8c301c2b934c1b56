@testable import Collectors
import Foundation
import Testing

/// Server log records built to break the query_log parsers: huge statements, invalid UTF-8, NUL,
/// unterminated strings and quotes, deep nesting, a million keys or columns. The parsers answer
/// every one without crashing, in time linear in the record (no recursion, no rescanning), and
/// read the fields of a well-formed record whatever surrounds them.
@Suite struct LogParserAdversarialTests {
    static func json(_ record: [UInt8]) -> LogEntry? {
        record.withUnsafeBufferPointer { JSONLogLine.entry($0) }
    }

    static func csv(_ record: [UInt8]) -> LogEntry? {
        record.withUnsafeBufferPointer { CSVLogRecord.entry($0) }
    }

    static let fields = Array(#""user":"etl","dbname":"db","error_severity":"LOG","message":"duration: 2.5 ms  statement: SELECT 1","application_name":"worker"}"#.utf8)

    @Test func jsonlogWithAMegabyteStatementInvalidUTF8AndNUL() throws {
        let comment = String(repeating: "lorem ipsum ", count: 90_000)
        var line = Array(#"{"user":"etl","error_severity":"LOG","message":"duration: 1.000 ms  statement: /* "#.utf8)
        line += Array(comment.utf8) + [0xFF, 0xC0, 0x80] + Array(#" \u0000 */ SELECT 1","application_name":"a\u0000b"}"#.utf8)
        #expect(line.count > 1_000_000)
        let entry = try #require(Self.json(line))
        #expect(entry.applicationName == "a\u{0}b")
        guard case .finished(let statement, let milliseconds, _) = try #require(LogEvent.from(entry)) else {
            Issue.record("not a finished statement: \(entry.message.prefix(80))")
            return
        }
        #expect(milliseconds == 1)
        #expect(statement.hasSuffix("\u{FFFD}\u{FFFD}\u{FFFD} \u{0} */ SELECT 1"))
        #expect(statement.utf8.count > 1_000_000)
    }

    @Test func jsonlogSkipsTenThousandLevelsOfNestingAndAMillionKeys() throws {
        let deep = String(repeating: #"{"a":["#, count: 10_000) + #""}]\"""# + String(repeating: "]}", count: 10_000)
        let nested = try #require(Self.json(Array(#"{"deep":\#(deep),"#.utf8) + Self.fields))
        #expect(nested.user == "etl" && nested.database == "db" && nested.applicationName == "worker")
        #expect(LogEvent.from(nested) == .finished(statement: "SELECT 1", milliseconds: 2.5))

        var many = Array("{".utf8)
        many.reserveCapacity(16_000_000)
        for key in 0..<1_000_000 { many += Array(#""k\#(key)":\#(key),"#.utf8) }
        let wide = try #require(Self.json(many + Self.fields))
        #expect(wide.user == "etl" && wide.applicationName == "worker")
    }

    @Test(arguments: [
        #"{"user":"etl","message":"never closed"#,
        #"{"user":"etl","message":"ends in a backslash\"#,
        #"{"user":"etl","deep":{"a":[1,2"#,
        #"{"user":"etl","deep":{"a":"}"}"#,
        #"{"user""#,
        #"{"user":}"#,
        "{", "", "not json", "[1,2,3]", #""just a string""#,
    ])
    func jsonlogCutOffOrMalformedIsNoEntry(_ line: String) {
        #expect(Self.json(Array(line.utf8)) == nil)
    }

    @Test func csvlogUnterminatedQuotesAndAMillionColumns() throws {
        // An unterminated quote runs to the end of the record: the record is still read.
        let open = Array(#"2026-11-21 10:00:00 UTC,"etl","db",1,,,1,,,,,LOG,00000,"duration: 1 ms  statement: SELECT 'x"#.utf8)
        #expect(Self.csv(open)?.user == "etl")
        // The splitter waits for the closing quote: nothing is complete yet.
        #expect(open.withUnsafeBufferPointer { RecordSplitter.records(in: $0, format: .csvlog) { _ in } } == 0)

        var wide = Array(#"2026-11-21 10:00:00 UTC,"etl","db",1,,,1,,,,,LOG,00000,"duration: 1 ms  statement: SELECT 1""#.utf8)
        wide.reserveCapacity(3_000_000)
        for _ in 0..<1_000_000 { wide += Array(",x".utf8) }
        let entry = try #require(Self.csv(wide))
        #expect(LogEvent.from(entry) == .finished(statement: "SELECT 1", milliseconds: 1))
        #expect(entry.applicationName == "x")  // column 22 of the million
    }

    @Test func stderrRecordOfAHundredThousandContinuationLines() throws {
        let body = (0..<100_000).map { "  , column_\($0)" }.joined(separator: "\n\t")
        let record = Array("2026-11-21 10:00:00.000 UTC [42] etl@db [worker] 00000 LOG:  duration: 3.0 ms  statement: SELECT 1\n\t\(body)".utf8)
        var reader = StderrLogReader()
        let entry = try #require(record.withUnsafeBufferPointer { reader.entry($0) })
        #expect(entry.user == "etl" && entry.applicationName == "worker")
        guard case .finished(let statement, _, _) = try #require(LogEvent.from(entry)) else { return }
        #expect(statement.hasPrefix("SELECT 1\n  , column_0\n  , column_1\n"))
        #expect(!statement.contains("\t"))
    }

    @Test func stderrErrorsWithoutTheirStatementsAreDroppedNotHoarded() {
        var reader = StderrLogReader()
        for pid in 0..<(StderrLogReader.maximumPending + 5) {
            let record = Array("2026-11-21 10:00:00.000 UTC [\(pid)] etl@db [w] 42601 ERROR:  syntax error".utf8)
            #expect(record.withUnsafeBufferPointer { reader.entry($0) } == nil)
        }
        // The pending errors were let go once there were too many: the first process's statement
        // finds nothing to complete, the last one's does.
        let statement = { (pid: Int) in Array("2026-11-21 10:00:00.000 UTC [\(pid)] etl@db [w] 42601 STATEMENT:  SELEC 1".utf8) }
        #expect(statement(0).withUnsafeBufferPointer { reader.entry($0) } == nil)
        let last = statement(StderrLogReader.maximumPending + 4).withUnsafeBufferPointer { reader.entry($0) }
        #expect(last?.statement == "SELEC 1" && last?.sqlState == "42601")
    }

    /// The process id tells the exporter's own statements from others', in every format; one that
    /// is not a number is no session at all, never another's.
    @Test func theServerProcessOfEachFormat() throws {
        #expect(try #require(Self.json(Array(#"{"pid":31337,"#.utf8) + Self.fields)).session == 31337)
        #expect(try #require(Self.json(Array(#"{"pid":"31337","#.utf8) + Self.fields)).session == 31337)
        for odd in ["1e3", "-", "{\"a\":1}", "99999999999999999999"] {
            #expect(try #require(Self.json(Array("{\"pid\":\(odd),".utf8) + Self.fields)).session == nil, "\(odd)")
        }
        #expect(Self.csv(Array(#"2026-11-21 10:00:00 UTC,"etl","db",4711,,,1,,,,,LOG,00000,"duration: 1 ms  statement: SELECT 1""#.utf8))?.session == 4711)
        var reader = StderrLogReader()
        let record = Array("2026-11-21 10:00:00.000 UTC [42] etl@db [worker] 00000 LOG:  duration: 3.0 ms  statement: SELECT 1".utf8)
        #expect(record.withUnsafeBufferPointer { reader.entry($0) }?.session == 42)
    }

    @Test(arguments: ["nan", "inf", "-1", "1e999", "-0.5", "", "1.5.5", "12 ms"])
    func aDurationThatIsNotATimeIsNoEvent(_ number: String) {
        var entry = LogEntry()
        entry.severity = "LOG"
        entry.message = "duration: \(number) ms  statement: SELECT 1"
        #expect(LogEvent.from(entry) == nil)
    }
}
