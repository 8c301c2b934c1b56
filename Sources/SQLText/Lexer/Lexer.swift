/// A one-pass, byte-level SQL lexer for PostgreSQL and Redshift text.
///
/// It never trusts the input: invalid UTF-8, NUL bytes and unterminated literals or comments are
/// tokens like any other, and every byte is looked at a bounded number of times, so the time is
/// linear in the length of the text. Two entry points share the literal rules: ``next()`` returns
/// every token, ``nextComment()`` skips straight to the next comment (annotation extraction needs
/// nothing else).
struct Lexer {
    let bytes: UnsafeBufferPointer<UInt8>
    let dialect: SQLDialect
    private(set) var position = 0
    /// ``nextComment()`` ran into the end of the text inside a literal or quoted identifier.
    private(set) var endedInsideLiteral = false
    private let classes: UnsafeBufferPointer<UInt8>

    /// Dollar-quote tags longer than PostgreSQL's identifier limit are not tags; the bound keeps the
    /// search for the closing tag linear.
    static let maximumTagLength = 63

    init(_ bytes: UnsafeBufferPointer<UInt8>, dialect: SQLDialect, classes: UnsafeBufferPointer<UInt8>) {
        self.bytes = bytes
        self.dialect = dialect
        self.classes = classes
    }

    /// Runs `body` with a lexer over `bytes`; the class table stays pinned for the lexer's lifetime.
    static func with<Result>(
        _ bytes: UnsafeBufferPointer<UInt8>, dialect: SQLDialect, _ body: (inout Lexer) -> Result
    ) -> Result {
        ByteClass.table.withUnsafeBufferPointer { classes in
            var lexer = Lexer(bytes, dialect: dialect, classes: classes)
            return body(&lexer)
        }
    }

    @inline(__always)
    private func byte(_ index: Int) -> UInt8 { bytes[index] }

    @inline(__always)
    private func has(_ bits: UInt8, at index: Int) -> Bool {
        index < bytes.count && classes[Int(bytes[index])] & bits != 0
    }

    /// The next comment, skipping every other token without building it.
    mutating func nextComment() -> Token? {
        let count = bytes.count
        var index = position
        while index < count {
            let current = bytes[index]
            if classes[Int(current)] & ByteClass.special == 0 {
                index += 1
                continue
            }
            switch current {
            case 0x2D:  // -
                if index + 1 < count, bytes[index + 1] == 0x2D {
                    let token = lineComment(from: index)
                    position = token.end
                    return token
                }
                index += 1
            case 0x2F:  // /
                if index + 1 < count, bytes[index + 1] == 0x2A {
                    let token = blockComment(from: index)
                    position = token.end
                    return token
                }
                index += 1
            case 0x27:  // '
                let skipped = stringEnd(from: index, backslashEscapes: backslashEscapes(quoteAt: index))
                index = skipped.end
                endedInsideLiteral = skipped.unterminated
            case 0x22:  // "
                let skipped = quotedIdentifierEnd(from: index)
                index = skipped.end
                endedInsideLiteral = skipped.unterminated
            default:  // $
                if let skipped = dollarQuoteEnd(from: index) {
                    index = skipped.end
                    endedInsideLiteral = skipped.unterminated
                } else {
                    index += 1
                }
            }
        }
        position = count
        return nil
    }

    /// The next token, or nil at the end of the text.
    mutating func next() -> Token? {
        let count = bytes.count
        var index = position
        while index < count, classes[Int(bytes[index])] & ByteClass.space != 0 { index += 1 }
        guard index < count else {
            position = count
            return nil
        }
        let token = token(at: index)
        position = token.end
        return token
    }

    private func token(at start: Int) -> Token {
        let current = byte(start)
        let bits = classes[Int(current)]
        if bits & ByteClass.identifierStart != 0 { return word(from: start) }
        if bits & ByteClass.digit != 0 { return number(from: start) }
        let nextByte: UInt8 = start + 1 < bytes.count ? byte(start + 1) : 0
        switch current {
        case 0x2D where nextByte == 0x2D: return lineComment(from: start)
        case 0x2F where nextByte == 0x2A: return blockComment(from: start)
        case 0x27:
            let (end, unterminated) = stringEnd(from: start, backslashEscapes: backslashEscapes(quoteAt: start))
            return Token(kind: .string, start: start, end: end, unterminated: unterminated)
        case 0x22:
            let (end, unterminated) = quotedIdentifierEnd(from: start)
            return Token(kind: .quotedIdentifier, start: start, end: end, unterminated: unterminated)
        case 0x24:  // $
            if has(ByteClass.digit, at: start + 1) {
                var end = start + 1
                while has(ByteClass.digit, at: end) { end += 1 }
                return Token(kind: .parameter, start: start, end: end)
            }
            if let (end, unterminated) = dollarQuoteEnd(from: start) {
                return Token(kind: .string, start: start, end: end, unterminated: unterminated)
            }
        case 0x2E where has(ByteClass.digit, at: start + 1):
            return number(from: start)
        case 0x3F:  // ?
            return Token(kind: .parameter, start: start, end: start + 1)
        case 0x25:  // %s and %(name)s, as Python drivers write them
            if nextByte == 0x73 { return Token(kind: .parameter, start: start, end: start + 2) }
            if nextByte == 0x28, let end = pythonNamedParameterEnd(from: start + 2) {
                return Token(kind: .parameter, start: start, end: end)
            }
        default:
            break
        }
        return Token(kind: .punctuation, start: start, end: start + 1)
    }

    private func word(from start: Int) -> Token {
        // `E'…'` is one string token, so its prefix does not change a statement's fingerprint.
        if start + 1 < bytes.count, byte(start + 1) == 0x27, byte(start) | 0x20 == 0x65, backslashEscapes(quoteAt: start + 1) {
            let (end, unterminated) = stringEnd(from: start + 1, backslashEscapes: backslashEscapes(quoteAt: start + 1))
            return Token(kind: .string, start: start, end: end, unterminated: unterminated)
        }
        var end = start + 1
        while end < bytes.count, classes[Int(bytes[end])] & ByteClass.identifierPart != 0 { end += 1 }
        return Token(kind: .word, start: start, end: end)
    }

    private func number(from start: Int) -> Token {
        var end = start
        while end < bytes.count, has(ByteClass.digit, at: end) || byte(end) == 0x2E { end += 1 }
        if end < bytes.count, byte(end) | 0x20 == 0x65 {  // exponent
            var digits = end + 1
            if digits < bytes.count, byte(digits) == 0x2B || byte(digits) == 0x2D { digits += 1 }
            if has(ByteClass.digit, at: digits) {
                end = digits
                while has(ByteClass.digit, at: end) { end += 1 }
            }
        }
        return Token(kind: .number, start: start, end: end)
    }

    private func lineComment(from start: Int) -> Token {
        var end = start + 2
        while end < bytes.count, bytes[end] != 0x0A { end += 1 }
        return Token(kind: .lineComment, start: start, end: end)
    }

    /// PostgreSQL block comments nest: `/* a /* b */ c */` is one comment.
    private func blockComment(from start: Int) -> Token {
        var depth = 1
        var index = start + 2
        let count = bytes.count
        while index < count {
            let current = bytes[index]
            if current == 0x2A, index + 1 < count, bytes[index + 1] == 0x2F {
                depth -= 1
                index += 2
                if depth == 0 { return Token(kind: .blockComment, start: start, end: index) }
            } else if current == 0x2F, index + 1 < count, bytes[index + 1] == 0x2A {
                depth += 1
                index += 2
            } else {
                index += 1
            }
        }
        return Token(kind: .blockComment, start: start, end: count, unterminated: true)
    }

    /// Whether the `'` at `index` opens a literal in which a backslash escapes: always on Redshift,
    /// and on PostgreSQL for `E'…'` (an `e` that is not the end of a longer identifier).
    private func backslashEscapes(quoteAt index: Int) -> Bool {
        if dialect == .redshift { return true }
        guard index >= 1, byte(index - 1) | 0x20 == 0x65 else { return false }
        return index == 1 || classes[Int(byte(index - 2))] & ByteClass.identifierPart == 0
    }

    /// The end of the string literal opening at `start`: `''` is a quote, and so is `\'` when
    /// backslashes escape.
    func stringEnd(from start: Int, backslashEscapes: Bool) -> (end: Int, unterminated: Bool) {
        var index = start + 1
        let count = bytes.count
        while index < count {
            let current = bytes[index]
            if current == 0x27 {
                if index + 1 < count, bytes[index + 1] == 0x27 {
                    index += 2
                    continue
                }
                return (index + 1, false)
            }
            index += current == 0x5C && backslashEscapes ? 2 : 1
        }
        return (count, true)
    }

    private func quotedIdentifierEnd(from start: Int) -> (end: Int, unterminated: Bool) {
        var index = start + 1
        let count = bytes.count
        while index < count {
            if bytes[index] == 0x22 {
                if index + 1 < count, bytes[index + 1] == 0x22 {
                    index += 2
                    continue
                }
                return (index + 1, false)
            }
            index += 1
        }
        return (count, true)
    }

    /// The end of a `$tag$…$tag$` body opening at `start`, or nil when the `$` does not open one
    /// (it is inside an identifier such as `a$b`, or no valid tag follows).
    private func dollarQuoteEnd(from start: Int) -> (end: Int, unterminated: Bool)? {
        if start > 0, classes[Int(byte(start - 1))] & ByteClass.identifierPart != 0 { return nil }
        var tagEnd = start + 1
        if tagEnd < bytes.count, byte(tagEnd) != 0x24 {
            guard has(ByteClass.identifierStart, at: tagEnd) else { return nil }
            while tagEnd < bytes.count, byte(tagEnd) != 0x24 {
                guard has(ByteClass.identifierPart, at: tagEnd), tagEnd - start <= Self.maximumTagLength else { return nil }
                tagEnd += 1
            }
        }
        guard tagEnd < bytes.count else { return nil }
        let tagLength = tagEnd - start + 1  // both dollars included
        var index = tagEnd + 1
        let count = bytes.count
        while index < count {
            if bytes[index] == 0x24, index + tagLength <= count, matchesTag(at: index, tagStart: start, length: tagLength) {
                return (index + tagLength, false)
            }
            index += 1
        }
        return (count, true)
    }

    private func matchesTag(at index: Int, tagStart: Int, length: Int) -> Bool {
        for offset in 0..<length where bytes[index + offset] != bytes[tagStart + offset] { return false }
        return true
    }

    private func pythonNamedParameterEnd(from start: Int) -> Int? {
        var index = start + 1
        while index < bytes.count, index - start < 64 {
            if byte(index) == 0x29 { return index + 1 < bytes.count && byte(index + 1) == 0x73 ? index + 2 : nil }
            guard has(ByteClass.identifierPart, at: index) else { return nil }
            index += 1
        }
        return nil
    }
}
