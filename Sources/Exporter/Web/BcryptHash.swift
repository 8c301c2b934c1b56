import CCrypt

/// bcrypt hashes as htpasswd, Go and Python write them (`$2y$`, `$2b$`, `$2a$`), checked with the
/// system's libxcrypt.
enum BcryptHash {
    /// For error messages, which must never show the hash itself.
    static let shape = "$2y$, $2b$ or $2a$, a two-digit cost, $ and 53 characters"

    static func isWellFormed(_ hash: String) -> Bool {
        let bytes = Array(hash.utf8)
        guard bytes.count == 60, bytes[0] == UInt8(ascii: "$"), bytes[1] == UInt8(ascii: "2"),
            [UInt8(ascii: "a"), UInt8(ascii: "b"), UInt8(ascii: "y")].contains(bytes[2]), bytes[3] == UInt8(ascii: "$"),
            bytes[4...5].allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }), bytes[6] == UInt8(ascii: "$")
        else { return false }
        let cost = Int(bytes[4] - UInt8(ascii: "0")) * 10 + Int(bytes[5] - UInt8(ascii: "0"))
        return (4...31).contains(cost) && bytes[7...].allSatisfy(isBase64Character)
    }

    /// Whether `password` hashes to `hash`, compared in time that does not depend on where they differ.
    static func matches(password: String, hash: String) -> Bool {
        // C strings end at NUL: "secret\0anything" must not pass as "secret".
        guard !password.utf8.contains(0) else { return false }
        let size = MemoryLayout<crypt_data>.size
        let data = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: MemoryLayout<crypt_data>.alignment)
        defer {
            data.initializeMemory(as: UInt8.self, repeating: 0, count: size)  // the scratch holds key material
            data.deallocate()
        }
        data.initializeMemory(as: UInt8.self, repeating: 0, count: size)
        guard let result = crypt_rn(password, hash, data, Int32(size)) else { return false }
        return constantTimeEqual(Array(String(cString: result).utf8), Array(hash.utf8))
    }

    static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for index in a.indices { difference |= a[index] ^ b[index] }
        return difference == 0
    }

    private static func isBase64Character(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "."), UInt8(ascii: "/"), UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "a")...UInt8(ascii: "z"):
            true
        default: false
        }
    }
}
