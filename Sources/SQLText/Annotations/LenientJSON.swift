/// A forgiving JSON reader for annotations: trailing commas (the seed talk's Airflow example has
/// them), single-quoted strings, bare keys, raw newlines in strings, and text that stops in the
/// middle are all accepted. It flattens what it reads into attributes: nested keys joined with
/// `.`, arrays of scalars joined with `,`, nulls left out.
///
/// Nesting deeper than ``maximumDepth`` is skipped without recursion, so 10,000 levels cost
/// time linear in their length and no stack.
struct LenientJSON {
    static let maximumDepth = 8

    private let bytes: UnsafeBufferPointer<UInt8>
    private var index: Int
    private(set) var truncated = false
    private var list = AttributeList()

    /// Reads the object that opens at `start` (a `{`).
    static func attributes(in bytes: UnsafeBufferPointer<UInt8>, objectAt start: Int) -> (attributes: [Attribute], truncated: Bool, end: Int) {
        var reader = LenientJSON(bytes: bytes, index: start)
        reader.object(prefix: [], depth: 0)
        return (reader.list.attributes, reader.truncated, reader.index)
    }

    private init(bytes: UnsafeBufferPointer<UInt8>, index: Int) {
        self.bytes = bytes
        self.index = index
    }

    private var atEnd: Bool { index >= bytes.count }

    private mutating func skipSpace() {
        while index < bytes.count, bytes[index] <= 0x20 { index += 1 }
    }

    /// `{ key: value, … }` with the `{` at `index`.
    private mutating func object(prefix: [UInt8], depth: Int) {
        index += 1
        while true {
            // Past the attribute bound, the rest of the object is only skipped.
            if list.isFull { return _ = skipNested(openDepth: 1) }
            skipSpace()
            guard !atEnd else { return truncated = true }
            let byte = bytes[index]
            if byte == 0x7D { index += 1; return }  // }
            if byte == 0x2C { index += 1; continue }  // , (also trailing and doubled)
            guard let key = key() else { return }
            skipSpace()
            guard !atEnd else { return truncated = true }
            guard bytes[index] == 0x3A else { return }  // not JSON after all: stop here
            index += 1
            skipSpace()
            guard !atEnd else { return truncated = true }
            let path = prefix.isEmpty ? key : prefix + [0x2E] + key
            guard value(path: path, depth: depth) else { return }
        }
    }

    /// A value for `path`; false when the text stops making sense.
    private mutating func value(path: [UInt8], depth: Int) -> Bool {
        let byte = bytes[index]
        switch byte {
        case 0x7B:  // {
            if depth + 1 >= Self.maximumDepth { return skipNested() }
            object(prefix: path, depth: depth + 1)
            return !truncated
        case 0x5B:  // [
            return array(path: path)
        case 0x22, 0x27:
            guard let text = string() else { return false }
            list.append(key: path, value: text)
            return true
        default:
            let start = index
            while index < bytes.count, !Self.endsBareValue(bytes[index]) { index += 1 }
            guard index > start else { return false }
            if atEnd { truncated = true; return false }  // a number cut off may be missing digits
            let text = bytes[start..<index]
            if !text.elementsEqual("null".utf8) { list.append(key: path, value: text) }
            return true
        }
    }

    /// `[a, b, …]`: scalars joined with `,`; objects and arrays inside are skipped.
    private mutating func array(path: [UInt8]) -> Bool {
        index += 1
        var joined: [UInt8] = []
        var count = 0
        while true {
            skipSpace()
            guard !atEnd else { truncated = true; return false }
            let byte = bytes[index]
            if byte == 0x5D { index += 1; break }
            if byte == 0x2C { index += 1; continue }
            if byte == 0x7B || byte == 0x5B {
                guard skipNested() else { return false }
                continue
            }
            let item: [UInt8]
            if byte == 0x22 || byte == 0x27 {
                guard let text = string() else { return false }
                item = text
            } else {
                let start = index
                while index < bytes.count, !Self.endsBareValue(bytes[index]) { index += 1 }
                guard index > start, !atEnd else { truncated = atEnd; return false }
                item = Array(bytes[start..<index])
            }
            if joined.count < AttributeList.maximumValueLength {
                if count > 0 { joined.append(0x2C) }
                joined += item
            }
            count += 1
        }
        if count > 0 { list.append(key: path, value: joined) }
        return true
    }

    private static func endsBareValue(_ byte: UInt8) -> Bool {
        byte <= 0x20 || byte == 0x2C || byte == 0x7D || byte == 0x5D
    }

    private mutating func key() -> [UInt8]? {
        let byte = bytes[index]
        if byte == 0x22 || byte == 0x27 { return string() }
        let start = index
        while index < bytes.count, bytes[index] > 0x20, bytes[index] != 0x3A, bytes[index] != 0x7D, bytes[index] != 0x2C { index += 1 }
        return index > start ? Array(bytes[start..<index]) : nil
    }

    /// A quoted string with JSON escapes; nil (and truncated) when the text ends inside it.
    private mutating func string() -> [UInt8]? {
        let quote = bytes[index]
        index += 1
        var output: [UInt8] = []
        while index < bytes.count {
            let byte = bytes[index]
            if byte == quote {
                index += 1
                return output
            }
            if byte == 0x5C {
                guard index + 1 < bytes.count else { break }
                let escaped = bytes[index + 1]
                index += 2
                switch escaped {
                case 0x6E: output.append(0x0A)
                case 0x74: output.append(0x09)
                case 0x72: output.append(0x0D)
                case 0x62: output.append(0x08)
                case 0x66: output.append(0x0C)
                case 0x75: unicodeEscape(into: &output)
                default: output.append(escaped)
                }
                continue
            }
            if output.count <= AttributeList.maximumValueLength { output.append(byte) }
            index += 1
        }
        truncated = true
        return nil
    }

    /// `\uXXXX`, joining surrogate pairs; anything malformed becomes U+FFFD.
    private mutating func unicodeEscape(into output: inout [UInt8]) {
        guard var scalar = hex4() else { return output += [0xEF, 0xBF, 0xBD] }
        if scalar >= 0xD800 && scalar < 0xDC00, index + 1 < bytes.count, bytes[index] == 0x5C, bytes[index + 1] == 0x75 {
            let saved = index
            index += 2
            if let low = hex4(), low >= 0xDC00 && low < 0xE000 {
                scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
            } else {
                index = saved
            }
        }
        output += Array(String(Unicode.Scalar(scalar).map(Character.init) ?? "\u{FFFD}").utf8)
    }

    private mutating func hex4() -> UInt32? {
        guard index + 4 <= bytes.count else { return nil }
        var value: UInt32 = 0
        for offset in 0..<4 {
            guard let digit = PairList.hexValue(bytes[index + offset]) else { return nil }
            value = value << 4 | UInt32(digit)
        }
        index += 4
        return value
    }

    /// Skips a nested object or array by counting brackets outside strings; `openDepth` brackets
    /// are already open.
    private mutating func skipNested(openDepth: Int = 0) -> Bool {
        var depth = openDepth
        while index < bytes.count {
            let byte = bytes[index]
            switch byte {
            case 0x7B, 0x5B: depth += 1
            case 0x7D, 0x5D:
                depth -= 1
                if depth == 0 { index += 1; return true }
            case 0x22, 0x27:
                guard string() != nil else { return false }
                continue
            default: break
            }
            index += 1
        }
        truncated = true
        return false
    }
}
