/// A stable 64-bit id of a statement's shape: the same for the statement with other literals,
/// parameters, comments, spacing or keyword case, and different for a different statement.
public struct Fingerprint: Hashable, Sendable, CustomStringConvertible {
    public let value: UInt64

    public init(_ value: UInt64) { self.value = value }

    /// Sixteen lowercase hex digits, the form used in labels and in `annotate` output.
    public var description: String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }
}
