/// Where a ``Fingerprinter`` puts a statement's normalised tokens, in order: into a hash for the
/// ``Fingerprint``, or into text a person can read (``ShapeText``). One protocol, so the text
/// shows exactly the shape the fingerprint hashes.
protocol ShapeWriter {
    /// A word: an unquoted one (`folded`, to be lowercased as PostgreSQL folds it) or a quoted
    /// identifier with its quotes. `isKeyword` tells a keyword from a name, for the text's spacing.
    mutating func word(_ bytes: Slice<UnsafeBufferPointer<UInt8>>, folded: Bool, isKeyword: Bool)
    /// One byte of punctuation, or `?` for a literal or parameter.
    mutating func symbol(_ byte: UInt8)
}
