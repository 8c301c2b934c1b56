/// Folds a token stream into a statement's shape, written to `Writer`: a ``ShapeHash`` for the
/// ``Fingerprint``, a ``ShapeText`` for a sample a person can read.
///
/// Comments are never fed. Words are written lowercased (PostgreSQL folds unquoted names too);
/// literals and parameters become `?`; a parenthesised list of nothing but literals becomes `(?)`,
/// and a run of such lists `(?), (?), …` one `(?)`, which collapses both `IN (…)` and multi-row
/// `VALUES`; a sign in front of a number or parameter belongs to the literal.
struct Fingerprinter<Writer: ShapeWriter> {
    private(set) var writer: Writer

    /// A `(` not yet written, because the literals after it may still collapse.
    private var groupOpen = false
    private var groupLiterals = 0
    private var groupCommas = 0
    /// The last thing written was a collapsed `(?)`.
    private var afterCollapsed = false
    /// A `,` after a collapsed group, held back until we know whether another group follows.
    private var commaHeld = false
    /// The open group started right after a held comma: if it collapses too, both vanish.
    private var groupMergesWithPrevious = false
    /// A `-` or `+` held back in case a number follows.
    private var signHeld: UInt8 = 0
    /// The last written token can end an operand, so a following `-` is an operator, not a sign.
    private var lastEndsOperand = false
    /// A `;` held back: a trailing one does not change the shape.
    private var semicolonHeld = false

    init(writer: Writer) {
        self.writer = writer
    }

    mutating func feed(_ token: Token, keyword: Keyword, in bytes: UnsafeBufferPointer<UInt8>) {
        let isLiteral = token.kind == .string || token.kind == .number || token.kind == .parameter
        let punctuation: UInt8 = token.kind == .punctuation ? bytes[token.start] : 0
        if punctuation == 0x3B {
            semicolonHeld = true
            return
        }
        if semicolonHeld {
            semicolonHeld = false
            finish()
            afterCollapsed = false
            emitPunctuation(0x3B)
        }

        if signHeld != 0 {
            let sign = signHeld
            signHeld = 0
            if token.kind != .number && token.kind != .parameter { emitPunctuation(sign) }
        } else if (punctuation == 0x2D || punctuation == 0x2B) && !lastEndsOperand && !groupOpen {
            signHeld = punctuation
            return
        }

        if groupOpen {
            if isLiteral || punctuation == 0x2D || punctuation == 0x2B {
                if isLiteral { groupLiterals += 1 }
                return
            }
            if punctuation == 0x2C {
                groupCommas += 1
                return
            }
            if punctuation == 0x29 && groupLiterals == 0 && groupCommas == 0 {
                flushGroup()  // `now()` stays an empty call, not a list
                emitPunctuation(0x29)
                return
            }
            if punctuation == 0x29 {
                groupOpen = false
                if groupMergesWithPrevious {
                    groupMergesWithPrevious = false
                } else {
                    emit(0x28); emit(0x3F); emit(0x29)
                }
                afterCollapsed = true
                lastEndsOperand = true
                return
            }
            flushGroup()
        }

        if commaHeld {
            commaHeld = false
            if punctuation == 0x28 {
                openGroup(mergingWithPrevious: true)
                return
            }
            emitPunctuation(0x2C)
        }
        if afterCollapsed && punctuation == 0x2C {
            commaHeld = true
            return
        }
        afterCollapsed = false

        if punctuation == 0x28 {
            openGroup(mergingWithPrevious: false)
            return
        }
        switch token.kind {
        case .word:
            writer.word(bytes[token.start..<token.end], folded: true, isKeyword: keyword != .other)
            lastEndsOperand = keyword == .other || keyword == .null || keyword == .true || keyword == .false
        case .quotedIdentifier:
            writer.word(bytes[token.start..<token.end], folded: false, isKeyword: false)
            lastEndsOperand = true
        case .string, .number, .parameter:
            emit(0x3F)
            lastEndsOperand = true
        case .punctuation:
            emitPunctuation(punctuation)
        case .blockComment, .lineComment:
            break
        }
    }

    private mutating func openGroup(mergingWithPrevious: Bool) {
        groupOpen = true
        groupLiterals = 0
        groupCommas = 0
        groupMergesWithPrevious = mergingWithPrevious
    }

    /// The group turned out to hold more than literals: write what was held back.
    private mutating func flushGroup() {
        groupOpen = false
        if groupMergesWithPrevious {
            groupMergesWithPrevious = false
            emit(0x2C)
        }
        emit(0x28)
        for index in 0..<max(groupLiterals, groupCommas) {
            if index < groupLiterals { emit(0x3F) }
            if index < groupCommas { emit(0x2C) }
        }
        lastEndsOperand = groupLiterals > groupCommas
    }

    private mutating func emitPunctuation(_ byte: UInt8) {
        emit(byte)
        lastEndsOperand = byte == 0x29 || byte == 0x5D
    }

    @inline(__always)
    private mutating func emit(_ byte: UInt8) {
        writer.symbol(byte)
    }

    /// Writes whatever is still held back at the end of the text.
    mutating func finish() {
        if signHeld != 0 {
            emit(signHeld)
            signHeld = 0
        }
        if groupOpen { flushGroup() }
        if commaHeld {
            commaHeld = false
            emit(0x2C)
        }
    }
}

extension Fingerprinter where Writer == ShapeHash {
    init() {
        self.init(writer: ShapeHash())
    }

    var fingerprint: Fingerprint { Fingerprint(writer.value) }
}
