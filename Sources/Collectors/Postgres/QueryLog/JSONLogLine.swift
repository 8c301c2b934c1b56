/// Reads one `jsonlog` line: a flat JSON object of strings and numbers. Only the fields of
/// ``LogEntry`` are decoded; others are skipped without building them.
enum JSONLogLine {
    static func entry(_ line: UnsafeBufferPointer<UInt8>) -> LogEntry? {
        var reader = Reader(bytes: line)
        return reader.object()
    }

    private struct Reader {
        let bytes: UnsafeBufferPointer<UInt8>
        var index = 0

        mutating func object() -> LogEntry? {
            skipSpace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: "{") else { return nil }
            index += 1
            var entry = LogEntry()
            while true {
                skipSpace()
                guard index < bytes.count else { return nil }
                if bytes[index] == UInt8(ascii: "}") { return entry }
                if bytes[index] == UInt8(ascii: ",") { index += 1; continue }
                guard let keyRange = rawString() else { return nil }
                skipSpace()
                guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { return nil }
                index += 1
                skipSpace()
                guard index < bytes.count else { return nil }
                let field = JSONLogLine.field(bytes[keyRange])
                if bytes[index] == UInt8(ascii: "\"") {
                    guard let valueRange = rawString() else { return nil }
                    if let field { entry[keyPath: field] = decoded(valueRange) }
                } else {
                    let start = index
                    guard skipValue() else { return nil }
                    // PostgreSQL writes the process id and the line number as numbers.
                    if let field, field == \LogEntry.processID || field == \LogEntry.lineNumber {
                        entry[keyPath: field] = String(decoding: bytes[start..<index], as: UTF8.self)
                    }
                }
            }
        }

        /// Steps over a number, literal, object or array. PostgreSQL writes none nested, but a line
        /// that does is skipped whole, iteratively: 10,000 levels cost no stack.
        mutating func skipValue() -> Bool {
            let start = index
            var depth = 0
            while index < bytes.count {
                switch bytes[index] {
                case UInt8(ascii: "\""):
                    guard rawString() != nil else { return false }
                    continue
                case UInt8(ascii: "{"), UInt8(ascii: "["):
                    depth += 1
                case UInt8(ascii: "}"), UInt8(ascii: "]"):
                    if depth == 0 { return index > start }
                    depth -= 1
                case UInt8(ascii: ","):
                    if depth == 0 { return index > start }
                default:
                    break
                }
                index += 1
            }
            return depth == 0
        }

        mutating func skipSpace() {
            while index < bytes.count, bytes[index] <= 0x20 { index += 1 }
        }

        /// The raw (still escaped) contents of a string starting at `index`.
        mutating func rawString() -> Range<Int>? {
            guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { return nil }
            let start = index + 1
            var position = start
            while position < bytes.count {
                switch bytes[position] {
                case UInt8(ascii: "\""):
                    index = position + 1
                    return start..<position
                case UInt8(ascii: "\\"):
                    position += 2
                default:
                    position += 1
                }
            }
            return nil
        }

        /// A JSON string's contents with its escapes decoded; invalid escapes become U+FFFD.
        func decoded(_ range: Range<Int>) -> String {
            let raw = bytes[range]
            guard raw.contains(UInt8(ascii: "\\")) else { return String(decoding: raw, as: UTF8.self) }
            var output: [UInt8] = []
            output.reserveCapacity(raw.count)
            var position = range.lowerBound
            while position < range.upperBound {
                let byte = bytes[position]
                guard byte == UInt8(ascii: "\\"), position + 1 < range.upperBound else {
                    output.append(byte)
                    position += 1
                    continue
                }
                let escaped = bytes[position + 1]
                position += 2
                switch escaped {
                case UInt8(ascii: "n"): output.append(0x0A)
                case UInt8(ascii: "t"): output.append(0x09)
                case UInt8(ascii: "r"): output.append(0x0D)
                case UInt8(ascii: "b"): output.append(0x08)
                case UInt8(ascii: "f"): output.append(0x0C)
                case UInt8(ascii: "u"):
                    var scalar: UInt32 = 0
                    var digits = 0
                    while digits < 4, position < range.upperBound, let digit = hexValue(bytes[position]) {
                        scalar = scalar << 4 | UInt32(digit)
                        digits += 1
                        position += 1
                    }
                    let character = digits == 4 ? Unicode.Scalar(scalar).map(Character.init) ?? "\u{FFFD}" : "\u{FFFD}"
                    output += Array(String(character).utf8)
                default: output.append(escaped)
                }
            }
            return String(decoding: output, as: UTF8.self)
        }

        func hexValue(_ byte: UInt8) -> UInt8? {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
            default: nil
            }
        }
    }

    /// The entry field a jsonlog key fills, for the keys the collector reads.
    static func field(_ key: UnsafeBufferPointer<UInt8>.SubSequence) -> WritableKeyPath<LogEntry, String>? {
        switch key.count {
        case 4 where key.elementsEqual("user".utf8): \.user
        case 9 where key.elementsEqual("timestamp".utf8): \.timestamp
        case 6 where key.elementsEqual("dbname".utf8): \.database
        case 16 where key.elementsEqual("application_name".utf8): \.applicationName
        case 14 where key.elementsEqual("error_severity".utf8): \.severity
        case 10 where key.elementsEqual("state_code".utf8): \.sqlState
        case 7 where key.elementsEqual("message".utf8): \.message
        case 9 where key.elementsEqual("statement".utf8): \.statement
        case 3 where key.elementsEqual("pid".utf8): \.processID
        case 10 where key.elementsEqual("session_id".utf8): \.sessionID
        case 8 where key.elementsEqual("line_num".utf8): \.lineNumber
        default: nil
        }
    }
}
