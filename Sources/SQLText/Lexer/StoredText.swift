/// Text as Redshift stores it in its system tables.
public enum StoredText {
    /// Undoes the escaping Redshift applies to stored query text (`\n`, `\r`, `\t`, `\\`), so the
    /// lexer sees line comments end where they ended in the original statement. Other backslashes
    /// are kept as they are.
    /// The text without the blanks a char(n) column pads it with, eight bytes at a time: a
    /// typical query's 4000-character stored text is nine tenths padding.
    public static func trimmingPadding(_ bytes: UnsafeBufferPointer<UInt8>) -> UnsafeBufferPointer<UInt8> {
        guard let base = bytes.baseAddress else { return bytes }
        var end = bytes.count
        let blanks = UInt64(0x2020_2020_2020_2020)
        while end >= 8 && UnsafeRawPointer(base + end - 8).loadUnaligned(as: UInt64.self) == blanks { end -= 8 }
        while end > 0 && base[end - 1] == 0x20 { end -= 1 }
        return UnsafeBufferPointer(start: base, count: end)
    }

    public static func unescapeRedshift(_ bytes: some Collection<UInt8>) -> [UInt8] {
        if let unescaped = bytes.withContiguousStorageIfAvailable(unescapeRedshift) { return unescaped }
        return Array(bytes).withUnsafeBufferPointer(unescapeRedshift)
    }

    /// ``unescapeRedshift(_:)`` over contiguous bytes: one pass, writing in place into a buffer
    /// of the input's size (the text only ever shrinks).
    static func unescapeRedshift(_ bytes: UnsafeBufferPointer<UInt8>) -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: bytes.count) { output, count in
            var read = 0
            var written = 0
            while read < bytes.count {
                let byte = bytes[read]
                read += 1
                guard byte == 0x5C, read < bytes.count else {
                    output[written] = byte
                    written += 1
                    continue
                }
                let escaped = bytes[read]
                read += 1
                switch escaped {
                case 0x6E: output[written] = 0x0A  // n
                case 0x72: output[written] = 0x0D  // r
                case 0x74: output[written] = 0x09  // t
                case 0x5C: output[written] = 0x5C
                default:
                    output[written] = 0x5C
                    written += 1
                    output[written] = escaped
                }
                written += 1
            }
            count = written
        }
    }
}
