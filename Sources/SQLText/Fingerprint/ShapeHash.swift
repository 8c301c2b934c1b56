/// The ``Fingerprint``'s hash: 64-bit FNV-1a over the normalised tokens with a 0 byte after each,
/// so `ab` and `a b` differ.
struct ShapeHash: ShapeWriter {
    private(set) var value: UInt64 = 0xCBF2_9CE4_8422_2325

    @inline(__always)
    mutating func word(_ bytes: Slice<UnsafeBufferPointer<UInt8>>, folded: Bool, isKeyword: Bool) {
        if folded {
            for byte in bytes { mix(ByteClass.lowercased(byte)) }
        } else {
            for byte in bytes { mix(byte) }
        }
        mix(0)
    }

    @inline(__always)
    mutating func symbol(_ byte: UInt8) {
        mix(byte)
        mix(0)
    }

    @inline(__always)
    private mutating func mix(_ byte: UInt8) {
        value = (value ^ UInt64(byte)) &* 0x0000_0100_0000_01B3
    }
}
