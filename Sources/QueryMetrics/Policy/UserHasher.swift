/// Replaces a user name by a keyed hash (SipHash-2-4 keyed from the salt): stable across
/// restarts and across exporters that share the salt, so dashboards and alerts keep working, and
/// not reversible by guessing e-mail addresses without the salt.
struct UserHasher: Sendable {
    private let key0: UInt64
    private let key1: UInt64

    init(salt: String) {
        // Two independent 64-bit halves of the key, derived from the salt with FNV-1a.
        var first: UInt64 = 0xCBF2_9CE4_8422_2325
        var second: UInt64 = 0x8422_2325_CBF2_9CE4
        for byte in salt.utf8 {
            first = (first ^ UInt64(byte)) &* 0x0000_0100_0000_01B3
            second = (second ^ UInt64(byte)) &* 0x0000_0100_0000_01B3
            second = second.rotateLeft(17)
        }
        key0 = first
        key1 = second
    }

    /// `u` and 16 hex digits.
    func hash(_ user: String) -> String {
        var sipHash = SipHash24(key0: key0, key1: key1)
        let digits = String(sipHash.hash(Array(user.utf8)), radix: 16)
        return "u" + String(repeating: "0", count: 16 - digits.count) + digits
    }
}

/// SipHash-2-4 (Aumasson and Bernstein), the keyed hash Swift's own `Hasher` is built on; written
/// out because `Hasher` is seeded per process and this value must be stable.
struct SipHash24 {
    private var v0: UInt64
    private var v1: UInt64
    private var v2: UInt64
    private var v3: UInt64

    init(key0: UInt64, key1: UInt64) {
        v0 = key0 ^ 0x736F_6D65_7073_6575
        v1 = key1 ^ 0x646F_7261_6E64_6F6D
        v2 = key0 ^ 0x6C79_6765_6E65_7261
        v3 = key1 ^ 0x7465_6462_7974_6573
    }

    private mutating func round() {
        v0 = v0 &+ v1; v1 = v1.rotateLeft(13); v1 ^= v0; v0 = v0.rotateLeft(32)
        v2 = v2 &+ v3; v3 = v3.rotateLeft(16); v3 ^= v2
        v0 = v0 &+ v3; v3 = v3.rotateLeft(21); v3 ^= v0
        v2 = v2 &+ v1; v1 = v1.rotateLeft(17); v1 ^= v2; v2 = v2.rotateLeft(32)
    }

    private mutating func compress(_ word: UInt64) {
        v3 ^= word
        round(); round()
        v0 ^= word
    }

    mutating func hash(_ bytes: [UInt8]) -> UInt64 {
        var index = 0
        while index + 8 <= bytes.count {
            var word: UInt64 = 0
            for offset in 0..<8 { word |= UInt64(bytes[index + offset]) << (8 * UInt64(offset)) }
            compress(word)
            index += 8
        }
        var last = UInt64(bytes.count & 0xFF) << 56
        for offset in 0..<(bytes.count - index) { last |= UInt64(bytes[index + offset]) << (8 * UInt64(offset)) }
        compress(last)
        v2 ^= 0xFF
        round(); round(); round(); round()
        return v0 ^ v1 ^ v2 ^ v3
    }
}

extension UInt64 {
    @inline(__always)
    func rotateLeft(_ count: UInt64) -> UInt64 { (self << count) | (self >> (64 - count)) }
}
