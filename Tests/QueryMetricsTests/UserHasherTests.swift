@testable import QueryMetrics
import Testing

@Suite struct UserHasherTests {
    /// Reference vectors of SipHash-2-4 (Aumasson and Bernstein, appendix A): key 00 01 … 0f,
    /// messages 00 01 … of growing length.
    @Test(arguments: [
        (0, UInt64(0x726F_DB47_DD0E_0E31)),
        (1, 0x74F8_39C5_93DC_67FD),
        (15, 0xA129_CA61_49BE_45E5),
    ])
    func sipHashMatchesTheReferenceVectors(_ vector: (length: Int, expected: UInt64)) {
        var hash = SipHash24(key0: 0x0706_0504_0302_0100, key1: 0x0F0E_0D0C_0B0A_0908)
        #expect(hash.hash((0..<vector.length).map { UInt8($0) }) == vector.expected)
    }

    @Test func aUsersHashIsPinned() {
        // A label value: it must not change between releases, or every hashed user's history breaks.
        // The pin was computed by an independent implementation (Python) of the same derivation.
        let hasher = UserHasher(salt: "s3cret")
        #expect(hasher.hash("ana@corp.com") == Self.pinned)
        #expect(UserHasher(salt: "s3cret!").hash("ana@corp.com") != Self.pinned)
    }

    static let pinned = "u6790ce7644b92308"
}
