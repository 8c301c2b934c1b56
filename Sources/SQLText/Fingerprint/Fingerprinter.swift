/// Folds a token stream into a ``Fingerprint``.
///
/// Comments are never fed. Words are hashed lowercased (PostgreSQL folds unquoted names too);
/// literals and parameters become `?`; a parenthesised list of nothing but literals becomes `(?)`,
/// and a run of such lists `(?), (?), …` one `(?)`, which collapses both `IN (…)` and multi-row
/// `VALUES`; a sign in front of a number or parameter belongs to the literal. The hash is FNV-1a over the
/// normalised tokens with a separator after each, so `ab` and `a b` differ.
struct Fingerprinter {
    private var hash: UInt64 = 0xCBF2_9CE4_8422_2325

    /// A `(` not yet hashed, because the literals after it may still collapse.
    private var groupOpen = false
    private var groupLiterals = 0
    private var groupCommas = 0
    /// The last thing hashed was a collapsed `(?)`.
    private var afterCollapsed = false
    /// A `,` after a collapsed group, held back until we know whether another group follows.
    private var commaHeld = false
    /// The open group started right after a held comma: if it collapses too, both vanish.
    private var groupMergesWithPrevious = false
    /// A `-` or `+` held back in case a number follows.
    private var signHeld: UInt8 = 0
    /// The last hashed token can end an operand, so a following `-` is an operator, not a sign.
    private var lastEndsOperand = false
    /// A `;` held back: a trailing one does not change the shape.
    private var semicolonHeld = false

    var fingerprint: Fingerprint { Fingerprint(hash) }

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
            for index in token.start..<token.end { mix(ByteClass.lowercased(bytes[index])) }
            mix(0)
            lastEndsOperand = keyword == .other || keyword == .null || keyword == .true || keyword == .false
        case .quotedIdentifier:
            for index in token.start..<token.end { mix(bytes[index]) }
            mix(0)
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

    /// The group turned out to hold more than literals: hash what was held back.
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
        mix(byte)
        mix(0)
    }

    @inline(__always)
    private mutating func mix(_ byte: UInt8) {
        hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3
    }

    /// Hashes whatever is still held back at the end of the text.
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
