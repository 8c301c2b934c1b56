/// Readers for the `key … value` list annotations. Each accepts a body only when all of it has
/// the list's shape, so a comment of prose is never mistaken for one.
enum PairList {
    typealias Bytes = UnsafeBufferPointer<UInt8>

    /// sqlcommenter and Datadog: `key='value',key='value'`, keys and values URL-encoded, `\'`
    /// escaping a quote. Nil unless every element has that shape; an element cut off by the end of
    /// the text ends the list and marks it truncated.
    static func quoted(_ body: Bytes) -> (attributes: [Attribute], truncated: Bool)? {
        var list = AttributeList()
        var index = 0
        let count = body.count
        while true {
            while index < count, body[index] == 0x20 || body[index] == 0x2C { index += 1 }
            if index >= count { break }
            let keyStart = index
            while index < count, body[index] != 0x3D, body[index] != 0x2C, body[index] > 0x20 { index += 1 }
            guard index < count else { return list.isEmpty ? nil : (list.attributes, true) }
            guard body[index] == 0x3D, index > keyStart else { return nil }
            let key = body[keyStart..<index]
            index += 1
            guard index < count else { return (list.attributes, true) }
            guard body[index] == 0x27 else { return nil }
            index += 1
            var value: [UInt8] = []
            var closed = false
            while index < count {
                let byte = body[index]
                if byte == 0x5C, index + 1 < count {
                    value.append(body[index + 1])
                    index += 2
                } else if byte == 0x27 {
                    closed = true
                    index += 1
                    break
                } else {
                    value.append(byte)
                    index += 1
                }
            }
            guard closed else { return (list.attributes, true) }
            list.append(key: urlDecoded(key), value: urlDecoded(value))
        }
        return list.isEmpty ? nil : (list.attributes, false)
    }

    /// marginalia: `key:value,key:value` with no blanks. Redash (`keysWithSpaces`):
    /// `Key Name: value, Key: value`. Nil unless every element is a pair.
    static func colonSeparated(_ body: Bytes, keysWithSpaces: Bool) -> [Attribute]? {
        var list = AttributeList()
        for element in body.split(separator: 0x2C, omittingEmptySubsequences: true) {
            guard let colon = element.firstIndex(of: 0x3A) else { return nil }
            let key = trimmed(element[element.startIndex..<colon])
            let value = trimmed(element[(colon + 1)..<element.endIndex])
            guard !key.isEmpty else { return nil }
            if !keysWithSpaces {
                guard !value.isEmpty, !element.contains(where: { $0 <= 0x20 }), key.allSatisfy(isKeyByte) else { return nil }
            }
            list.append(key: key, value: value)
        }
        return list.isEmpty ? nil : list.attributes
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

    /// `%XX` → byte; malformed escapes are kept as written.
    static func urlDecoded(_ bytes: some Collection<UInt8>) -> [UInt8] {
        let input = Array(bytes)
        guard input.contains(0x25) else { return input }
        var output: [UInt8] = []
        output.reserveCapacity(input.count)
        var index = 0
        while index < input.count {
            if input[index] == 0x25, index + 2 < input.count, let high = hexValue(input[index + 1]), let low = hexValue(input[index + 2]) {
                output.append(high << 4 | low)
                index += 3
            } else {
                output.append(input[index])
                index += 1
            }
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
}
