/// Collects attributes with the bounds that keep hostile annotations cheap: at most
/// ``maximumCount`` pairs, keys of ``maximumKeyLength`` bytes and values of ``maximumValueLength``
/// bytes, cut on a character boundary.
struct AttributeList {
    static let maximumCount = 64
    static let maximumKeyLength = 128
    static let maximumValueLength = 1024

    private(set) var attributes: [Attribute] = []

    var isFull: Bool { attributes.count >= Self.maximumCount }
    var isEmpty: Bool { attributes.isEmpty }

    mutating func append(key: some Collection<UInt8>, value: some Collection<UInt8>) {
        guard !isFull, !key.isEmpty else { return }
        // Room for a typical annotation's keys at once: grown one by one, the list was copied at
        // its first, second and third (a third of the allocations of reading a query's comments).
        if attributes.isEmpty { attributes.reserveCapacity(8) }
        attributes.append(Attribute(key: Self.text(key, limit: Self.maximumKeyLength), value: Self.text(value, limit: Self.maximumValueLength)))
    }

    mutating func append(key: String, value: String) {
        append(key: Array(key.utf8), value: Array(value.utf8))
    }

    /// UTF-8 text of at most `limit` bytes: a cut never splits a character, and invalid bytes
    /// become U+FFFD.
    static func text(_ bytes: some Collection<UInt8>, limit: Int) -> String {
        guard bytes.count > limit else { return String(decoding: bytes, as: UTF8.self) }
        let head = Array(bytes.prefix(limit + 1))
        var cut = limit
        // Back up to the lead byte of a character the limit falls inside (at most three steps).
        while cut > limit - 3, cut > 0, head[cut] & 0xC0 == 0x80 { cut -= 1 }
        if head[cut] & 0xC0 != 0xC0 { cut = limit }
        return String(decoding: head[..<cut], as: UTF8.self)
    }
}
