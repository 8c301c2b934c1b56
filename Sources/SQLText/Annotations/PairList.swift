/// Readers for the `key … value` list annotations. Each accepts a body only when all of it has
/// the list's shape, so a comment of prose is never mistaken for one.
enum PairList {
    typealias Bytes = UnsafeBufferPointer<UInt8>

    /// sqlcommenter and Datadog: `key='value',key='value'`, keys and values URL-encoded, `\'`
    /// escaping a quote. Some libraries leave a number unquoted (OpenTelemetry's
    /// `dbapi_threadsafety=2`), so a bare value is accepted too, but a list with no quoted value
    /// at all is left to ``equalsSeparated(_:)``. Nil unless every element has that shape; an
    /// element cut off by the end of the text ends the list and marks it truncated.
    static func quoted(_ body: Bytes) -> (attributes: [Attribute], truncated: Bool)? {
        var list = AttributeList()
        var index = 0
        let count = body.count
        var sawQuote = false
        while true {
            while index < count, body[index] == 0x20 || body[index] == 0x2C { index += 1 }
            if index >= count { break }
            let keyStart = index
            while index < count, body[index] != 0x3D, body[index] != 0x2C, body[index] > 0x20 { index += 1 }
            guard index < count else { return list.isEmpty || !sawQuote ? nil : (list.attributes, true) }
            guard body[index] == 0x3D, index > keyStart else { return nil }
            let key = body[keyStart..<index]
            index += 1
            guard index < count else { return sawQuote ? (list.attributes, true) : nil }
            guard body[index] == 0x27 else {
                let valueStart = index
                while index < count, body[index] > 0x20, body[index] != 0x2C, body[index] != 0x27 { index += 1 }
                guard index > valueStart, index == count || body[index] != 0x27 else { return nil }
                list.append(key: urlDecoded(key), value: urlDecoded(body[valueStart..<index]))
                continue
            }
            sawQuote = true
            let (value, closed) = quotedValue(body, at: &index)
            guard closed else { return (list.attributes, true) }
            list.append(key: urlDecoded(key), value: urlDecoded(value))
        }
        return list.isEmpty || !sawQuote ? nil : (list.attributes, false)
    }

    /// Redash: `Key Name: value, Key: value`, keys with blanks, a blank after each colon. Nil
    /// unless every element is a pair.
    static func colonSeparated(_ body: Bytes) -> [Attribute]? {
        var list = AttributeList()
        for element in body.split(separator: 0x2C, omittingEmptySubsequences: true) {
            guard let colon = element.firstIndex(of: 0x3A) else { return nil }
            let key = trimmed(element[element.startIndex..<colon])
            guard !key.isEmpty else { return nil }
            list.append(key: key, value: trimmed(element[(colon + 1)..<element.endIndex]))
        }
        return list.isEmpty ? nil : list.attributes
    }

    /// marginalia and Rails' legacy query log tags: `key:value,key:value`, the key a word with
    /// no blank, the value right after the colon. A value may hold blanks, colons, quotes and
    /// backticks (marginalia's `line:` is a path, a line number and a method), or be
    /// single-quoted with `\'` escapes (its `quote_values: :single`). Nil unless every element is
    /// such a pair; a lone pair whose value has blanks reads as prose (`todo:fix this later`),
    /// not a list.
    static func marginalia(_ body: Bytes) -> [Attribute]? {
        var list = AttributeList()
        var index = 0
        let count = body.count
        var pairs = 0
        var blankInValue = false
        while index < count {
            let keyStart = index
            while index < count, isKeyByte(body[index]) { index += 1 }
            guard index > keyStart, index < count, body[index] == 0x3A else { return nil }
            let key = body[keyStart..<index]
            index += 1
            guard index < count, body[index] > 0x20 else { return nil }
            if body[index] == 0x27 {
                let (value, closed) = quotedValue(body, at: &index)
                guard closed, index == count || body[index] == 0x2C else { return nil }
                list.append(key: key, value: value)
            } else {
                let valueStart = index
                while index < count, body[index] != 0x2C {
                    if body[index] <= 0x20 { blankInValue = true }
                    index += 1
                }
                list.append(key: key, value: trimmed(body[valueStart..<index]))
            }
            pairs += 1
            // The comma, and the blanks a hand-written list may put after it.
            if index < count { index += 1 }
            while index < count, body[index] <= 0x20 { index += 1 }
        }
        guard pairs > 0, pairs > 1 || !blankInValue else { return nil }
        return list.attributes
    }

    /// `key=value` separated by commas or blanks. Nil unless every element is a pair with an
    /// identifier key.
    static func equalsSeparated(_ body: Bytes) -> [Attribute]? {
        var list = AttributeList()
        for element in body.split(whereSeparator: { $0 == 0x2C || $0 <= 0x20 }) {
            guard let equals = element.firstIndex(of: 0x3D) else { return nil }
            let key = element[element.startIndex..<equals]
            let value = unquoted(element[(equals + 1)..<element.endIndex])
            guard !key.isEmpty, !value.isEmpty, key.allSatisfy(isKeyByte) else { return nil }
            list.append(key: key, value: value)
        }
        return list.isEmpty ? nil : list.attributes
    }

    /// Metabase: `userID: 12 queryType: MBQL queryHash: 9f…`, a blank-separated run of `key:` and
    /// value words.
    static func metabase(_ body: Bytes.SubSequence) -> [Attribute] {
        var list = AttributeList()
        var key: Bytes.SubSequence?
        for word in body.split(whereSeparator: { $0 <= 0x20 }) {
            if let pending = key {
                list.append(key: pending, value: word)
                key = nil
            } else if word.last == 0x3A, word.count > 1 {
                key = word.dropLast()
            }
        }
        return list.attributes
    }

    private static func isKeyByte(_ byte: UInt8) -> Bool {
        ByteClass.table[Int(byte)] & ByteClass.identifierPart != 0 || byte == 0x2E || byte == 0x2D
    }

    static func trimmed(_ bytes: Bytes.SubSequence) -> Bytes.SubSequence {
        var slice = bytes
        while let first = slice.first, first <= 0x20 { slice = slice.dropFirst() }
        while let last = slice.last, last <= 0x20 { slice = slice.dropLast() }
        return slice
    }

    private static func unquoted(_ bytes: Bytes.SubSequence) -> Bytes.SubSequence {
        if bytes.count >= 2, let first = bytes.first, first == 0x22 || first == 0x27, bytes.last == first {
            return bytes.dropFirst().dropLast()
        }
        return bytes
    }

    /// sqlcommenter's encoding undone: `%XX` → byte, and `%%XX` too (Python libraries double
    /// every `%` because the comment passes through a DB-API format string, and the driver
    /// undoes that only when the statement has parameters); `+` → blank (Java's `URLEncoder`
    /// and Go's `url.QueryEscape`; every encoder writes a real `+` as `%2B`). Malformed escapes
    /// are kept as written.
    static func urlDecoded(_ bytes: some Collection<UInt8>) -> [UInt8] {
        let input = Array(bytes)
        guard input.contains(where: { $0 == 0x25 || $0 == 0x2B }) else { return input }
        var output: [UInt8] = []
        output.reserveCapacity(input.count)
        var index = 0
        while index < input.count {
            let byte = input[index]
            if byte == 0x2B {
                output.append(0x20)
                index += 1
                continue
            }
            if byte == 0x25 {
                let digits = index + 1 < input.count && input[index + 1] == 0x25 ? index + 2 : index + 1
                if digits + 1 < input.count, let high = hexValue(input[digits]), let low = hexValue(input[digits + 1]) {
                    output.append(high << 4 | low)
                    index = digits + 2
                    continue
                }
            }
            output.append(byte)
            index += 1
        }
        return output
    }

    static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case 0x30...0x39: byte - 0x30
        case 0x41...0x46: byte - 0x37
        case 0x61...0x66: byte - 0x57
        default: nil
        }
    }

    /// The single-quoted value starting at `index` (its opening quote), with `\` escaping the
    /// next byte; `index` ends past the closing quote. Not closed when the text ends first.
    private static func quotedValue(_ body: Bytes, at index: inout Int) -> (value: [UInt8], closed: Bool) {
        var value: [UInt8] = []
        index += 1
        while index < body.count {
            let byte = body[index]
            if byte == 0x5C, index + 1 < body.count {
                value.append(body[index + 1])
                index += 2
            } else if byte == 0x27 {
                index += 1
                return (value, true)
            } else {
                value.append(byte)
                index += 1
            }
        }
        return (value, false)
    }
}
