/// Text as Redshift stores it in its system tables.
public enum StoredText {
    /// Undoes the escaping Redshift applies to stored query text (`\n`, `\r`, `\t`, `\\`), so the
    /// lexer sees line comments end where they ended in the original statement. Other backslashes
    /// are kept as they are.
    public static func unescapeRedshift(_ bytes: some Collection<UInt8>) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count)
        var escaped = false
        for byte in bytes {
            if escaped {
                escaped = false
                switch byte {
                case 0x6E: output.append(0x0A)  // n
                case 0x72: output.append(0x0D)  // r
                case 0x74: output.append(0x09)  // t
                case 0x5C: output.append(0x5C)
                default: output.append(0x5C); output.append(byte)
                }
            } else if byte == 0x5C {
                escaped = true
            } else {
                output.append(byte)
            }
        }
        if escaped { output.append(0x5C) }
        return output
    }
}
