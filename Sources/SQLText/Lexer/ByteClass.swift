/// Byte classes for the lexer: one table lookup per byte instead of a chain of comparisons.
enum ByteClass {
    static let identifierStart: UInt8 = 1
    static let identifierPart: UInt8 = 2
    static let space: UInt8 = 4
    static let digit: UInt8 = 8
    /// A byte that may begin a comment or a literal: `'`, `"`, `$`, `-`, `/`.
    static let special: UInt8 = 16

    static let table: [UInt8] = {
        var table = [UInt8](repeating: 0, count: 256)
        for byte in 0..<256 {
            var bits: UInt8 = 0
            let isLetter = (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
            // Bytes of multi-byte UTF-8 sequences (and invalid bytes) are identifier characters, as in PostgreSQL.
            if isLetter || byte == 0x5F || byte >= 0x80 { bits |= identifierStart | identifierPart }
            if byte >= 0x30 && byte <= 0x39 { bits |= digit | identifierPart }
            if byte == 0x24 { bits |= identifierPart }
            // Control bytes, NUL among them, separate tokens like blanks do.
            if byte <= 0x20 || byte == 0x7F { bits |= space }
            if byte == 0x27 || byte == 0x22 || byte == 0x24 || byte == 0x2D || byte == 0x2F { bits |= special }
            table[byte] = bits
        }
        return table
    }()

    @inline(__always)
    static func lowercased(_ byte: UInt8) -> UInt8 {
        byte &- 0x41 < 26 ? byte | 0x20 : byte
    }
}
