/// The keywords the fingerprint and the table analysis act on. Any other word is an identifier.
enum Keyword: UInt8, CaseIterable {
    case other
    // Statements and the clauses that name tables.
    case select, from, join, into, update, delete, insert, merge, using, copy, to, truncate, table
    case create, alter, append, unload, with, recursive, `as`, materialized, not, only, lateral
    case `if`, exists, distinct, `is`, `for`, key, `do`, on, `in`, values, or, replace
    case temp, temporary, local, unlogged, global, external, view, of
    // Words that end a table reference (never an alias).
    case `where`, group, order, limit, offset, having, window, union, intersect, except
    case inner, left, right, full, outer, cross, natural, set, returning, tablesample, fetch
    case qualify, when, then, `else`, end, and, between, like, ilike, similar, top, all
    case null, `true`, `false`, `case`, partition, over, by, asc, desc, nulls

    /// The packed lowercase spelling → keyword, as an open-addressing table: a word is looked up
    /// with one multiply and, almost always, one probe.
    private static let slots: [(key: UInt64, keyword: Keyword)] = {
        var slots = [(key: UInt64, keyword: Keyword)](repeating: (0, .other), count: slotCount)
        for keyword in allCases where keyword != .other {
            let key = pack(Array(String(describing: keyword).utf8))!
            var slot = slotIndex(key)
            while slots[slot].keyword != .other { slot = (slot + 1) & (slotCount - 1) }
            slots[slot] = (key, keyword)
        }
        return slots
    }()

    private static let slotCount = 512

    @inline(__always)
    private static func slotIndex(_ key: UInt64) -> Int {
        Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> 55)
    }

    /// Up to 12 lowercased bytes and the length in one integer: 5 bits a letter. Nil for longer
    /// words and for bytes that are not ASCII letters or `_`, which no keyword has.
    @inline(__always)
    static func pack(_ word: some Collection<UInt8>) -> UInt64? {
        guard word.count <= 12 else { return nil }
        var key = UInt64(word.count)
        for byte in word {
            let lower = ByteClass.lowercased(byte)
            let code: UInt8
            if lower &- 0x61 < 26 { code = lower &- 0x60 } else if lower == 0x5F { code = 27 } else { return nil }
            key = key << 5 | UInt64(code)
        }
        return key
    }

    /// The keyword `word` spells, case-insensitively.
    static func lookup(_ word: UnsafeBufferPointer<UInt8>.SubSequence) -> Keyword {
        guard let key = pack(word) else { return .other }
        var slot = slotIndex(key)
        return slots.withUnsafeBufferPointer { slots in
            while true {
                let entry = slots[slot]
                if entry.keyword == .other { return .other }
                if entry.key == key { return entry.keyword }
                slot = (slot + 1) & (slotCount - 1)
            }
        }
    }
}
