@testable import Collectors
import Foundation
import PropertyBased
import TestSupport
import Testing

/// Generated log records for each query_log parser: text the server could write must read back
/// exactly (round trips through the server's own escaping), and any bytes at all must neither crash
/// a parser nor give a duration that is not a time. `scripts/fuzz` runs these with many more cases.
@Suite struct LogParserFuzzTests {
    /// Characters that matter to the formats, and some that test the decoding.
    static let characters: [Character] = Array("abc SELECT*()'\"\\,;:{}[]\n\r\t/-@") + ["\u{0}", "\u{1}", "\u{1F}", "é", "😀", "\u{FFFD}", "\u{7F}"]
    static let text = Gen.element(of: characters).map { $0! }.array(of: 0...40).map { String($0) }

    /// Bytes that steer the parsers into their states, and some that are not UTF-8.
    static let fragments: [[UInt8]] = [
        "{", "}", "[", "]", "\"", "\\", "\\u00", "\\ud83d", ":", ",", "\n", "\n\t", "\t", " ", "1", "-", "e", ".",
        "\"user\":", "\"message\":", "\"error_severity\":\"LOG\"", "\"statement\":", "duration: ", " ms  ", "statement: ", "execute x: ",
        "nan", "inf", "\"\"", ",,", " LOG:  ", " ERROR:  ", " STATEMENT:  ", " [", "] ", "@", "[7]", "57014", "SELECT 1",
    ].map { Array($0.utf8) } + [[0x00], [0xFF], [0xC3], [0xE2, 0x82], [0x80]]
    static let soup = Gen.element(of: fragments).map { $0 ?? [] }.array(of: 0...80).map { $0.flatMap { $0 } }

    /// PostgreSQL's `escape_json`.
    static func jsonString(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20: out += String(format: "\\u%04x", scalar.value)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }

    /// PostgreSQL's `appendCSVLiteral`.
    static func csvField(_ text: String) -> String {
        "\"" + text.replacing("\"", with: "\"\"") + "\""
    }

    @Test func jsonlogReadsBackWhatTheServerEscaped() async {
        await propertyCheck(count: FuzzScale.iterations(1500), input: Self.text, Self.text, Self.text) { user, app, statement in
            let line = #"{"timestamp":"2026-11-21 10:00:00.000 UTC","user":\#(Self.jsonString(user)),"dbname":"db","pid":7,"#
                + #""error_severity":"LOG","message":\#(Self.jsonString("duration: 0.25 ms  statement: " + statement)),"#
                + #""application_name":\#(Self.jsonString(app)),"query_id":-12}"#
            let entry = Array(line.utf8).withUnsafeBufferPointer { JSONLogLine.entry($0) }
            #expect(entry?.user == user && entry?.applicationName == app, "\(line)")
            #expect(entry.flatMap(LogEvent.from) == .finished(statement: statement, milliseconds: 0.25), "\(line)")
        }
    }

    @Test func csvlogRecordsSplitAndReadBackWhatTheServerQuoted() async {
        await propertyCheck(count: FuzzScale.iterations(1500), input: Self.text, Self.text, Self.text) { user, app, statement in
            var columns = Array(repeating: "", count: 26)
            columns[0] = "2026-11-21 10:00:00.000 UTC"
            columns[1] = Self.csvField(user)
            columns[2] = Self.csvField("db")
            columns[11] = "ERROR"
            columns[12] = "42601"
            columns[13] = Self.csvField("syntax error at or near \"" + statement + "\"")
            columns[19] = Self.csvField(statement)
            columns[22] = Self.csvField(app)
            let bytes = Array((columns.joined(separator: ",") + "\n").utf8)
            var records: [LogEntry?] = []
            let consumed = bytes.withUnsafeBufferPointer {
                RecordSplitter.records(in: $0, format: .csvlog) { records.append(CSVLogRecord.entry($0)) }
            }
            #expect(consumed == bytes.count && records.count == 1)
            let entry = records.first ?? nil
            #expect(entry?.user == user && entry?.applicationName == app && entry?.statement == statement)
            // An error with no statement is about no statement: no event.
            let expected: LogEvent? = statement.isEmpty ? nil : .failed(statement: statement, sqlState: "42601", aborted: false)
            #expect(entry.flatMap(LogEvent.from) == expected)
        }
    }

    @Test func stderrContinuationLinesReadBackAsTheStatement() async {
        let lines = Gen.element(of: Array("abc SELECT*()'\",;:{}[]/-@é😀")).map { $0! }.array(of: 0...20).map { String($0) }.array(of: 1...6)
        await propertyCheck(count: FuzzScale.iterations(1500), input: lines) { lines in
            let statement = lines.joined(separator: "\n")
            let record = "2026-11-21 10:00:00.000 UTC [42] etl@db [worker] 00000 LOG:  duration: 9.5 ms  statement: " + lines.joined(separator: "\n\t")
            var chunk = Array((record + "\n").utf8)
            chunk += Array("2026-11-21 10:00:00.000 UTC [42] etl@db [worker] 00000 LOG:  duration: 1 ms  statement: SELECT 2\n".utf8)
            var reader = StderrLogReader()
            var events: [LogEvent?] = []
            let consumed = chunk.withUnsafeBufferPointer {
                RecordSplitter.records(in: $0, format: .stderr) { events.append(reader.entry($0).flatMap(LogEvent.from)) }
            }
            #expect(consumed == chunk.count)
            #expect(events == [.finished(statement: statement, milliseconds: 9.5), .finished(statement: "SELECT 2", milliseconds: 1)], "\(record)")
        }
    }

    /// Any bytes: no crash; records are non-empty, in order and inside the chunk; no duration is
    /// negative or not a number.
    @Test(arguments: [LogFormat.jsonlog, .csvlog, .stderr])
    func anyBytesNeverCrashAndGiveNoImpossibleDuration(_ format: LogFormat) async {
        await propertyCheck(count: FuzzScale.iterations(1500), input: Self.soup) { bytes in
            var reader = StderrLogReader()
            bytes.withUnsafeBufferPointer { chunk in
                var end = 0
                let consumed = RecordSplitter.records(in: chunk, format: format) { record in
                    let start = record.baseAddress! - chunk.baseAddress!
                    #expect(!record.isEmpty && start >= end && start + record.count <= chunk.count)
                    end = start + record.count
                    let entry: LogEntry? = switch format {
                    case .jsonlog: JSONLogLine.entry(record)
                    case .csvlog: CSVLogRecord.entry(record)
                    case .stderr: reader.entry(record)
                    }
                    if case .finished(_, let milliseconds, _) = entry.flatMap(LogEvent.from) {
                        #expect(milliseconds.isFinite && milliseconds >= 0)
                    }
                }
                #expect(consumed >= end && consumed <= chunk.count)
            }
            // The whole soup as one record, as the tailer hands over a file's last line.
            bytes.withUnsafeBufferPointer { record in
                _ = JSONLogLine.entry(record)
                _ = CSVLogRecord.entry(record)
                _ = reader.entry(record)
            }
        }
    }
}
