/// A statement's shape as text a person can read: the tokens the ``Fingerprint`` hashes, in
/// order — unquoted words lowercased, every literal and parameter `?`, lists of literals `(?)`,
/// comments gone — so it shows what a fingerprint stands for without the values a literal may
/// hold (a secret, an e-mail address).
///
/// One blank separates tokens, except inside parentheses and brackets, around `.` and `:`, before
/// `,` and `;`, between the bytes of an operator (`>=`, `||`, `->>`), and before the `(` of a call,
/// so `count(*)` and `a.b >= ?` read as written. Two bytes that would start a comment (`--`, `/*`)
/// are never joined, so valid UTF-8 text lexes back to the same fingerprint.
///
/// At most `limit` bytes are kept: the text is cut on a character boundary and ends with `…`, and
/// ``isCut`` tells the reader to stop, so a sample costs the same whatever the statement's length.
struct ShapeText: ShapeWriter {
    let limit: Int
    private(set) var bytes: [UInt8] = []
    private(set) var isCut = false
    private var previous = Previous.start

    private enum Previous: Equatable {
        case start, name, keyword
        case symbol(UInt8)
    }

    /// A byte that joins the bytes beside it into one operator: `<>=!|~&^#@*+-/%`.
    private static func isOperator(_ byte: UInt8) -> Bool {
        switch byte {
        case 0x3C, 0x3E, 0x3D, 0x21, 0x7C, 0x7E, 0x26, 0x5E, 0x23, 0x40, 0x2A, 0x2B, 0x2D, 0x2F, 0x25: true
        default: false
        }
    }
    private static let ellipsis = Array("…".utf8)

    init(limit: Int) {
        self.limit = max(limit, Self.ellipsis.count)
    }

    var text: String {
        let text = String(decoding: bytes, as: UTF8.self)
        guard text.utf8.count > limit else { return text }
        // Invalid UTF-8 became U+FFFD, three bytes where there was one: cut the repaired text.
        var repaired = ShapeText(limit: limit)
        for byte in text.utf8 { repaired.append(byte) }
        return String(decoding: repaired.bytes, as: UTF8.self)
    }

    mutating func word(_ bytes: Slice<UnsafeBufferPointer<UInt8>>, folded: Bool, isKeyword: Bool) {
        guard !isCut else { return }
        if previous != .start && !Self.joins(previous, nil) { append(0x20) }
        for byte in bytes { append(folded ? ByteClass.lowercased(byte) : byte) }
        previous = isKeyword ? .keyword : .name
    }

    mutating func symbol(_ byte: UInt8) {
        guard !isCut else { return }
        if previous != .start && !Self.joins(previous, byte) { append(0x20) }
        append(byte)
        previous = .symbol(byte)
    }

    /// Whether the token after `previous` (a word when `next` is nil) follows it without a blank.
    private static func joins(_ previous: Previous, _ next: UInt8?) -> Bool {
        if case .symbol(let last) = previous {
            if last == 0x28 || last == 0x5B || last == 0x2E || last == 0x3A { return true }  // ( [ . :
            // A `-` or `+` after an operator is more likely a sign (`= -x`); never `--` or `/*`.
            if let next, isOperator(last), isOperator(next) {
                return next != 0x2D && next != 0x2B && !(last == 0x2F && next == 0x2A)
            }
        }
        guard let next else { return false }
        switch next {
        case 0x29, 0x5D, 0x2C, 0x3B, 0x2E, 0x3A: return true  // ) ] , ; . :
        case 0x28, 0x5B: return previous == .name  // a call, a column list, a subscript
        default: return false
        }
    }

    private mutating func append(_ byte: UInt8) {
        guard !isCut else { return }
        guard bytes.count < limit else { return cut() }
        bytes.append(byte)
    }

    /// Ends the text with `…` within `limit`, on a character boundary.
    private mutating func cut() {
        var end = limit - Self.ellipsis.count
        while end > 0 && bytes[end] & 0xC0 == 0x80 { end -= 1 }
        bytes.removeSubrange(end...)
        bytes += Self.ellipsis
        isCut = true
    }
}
