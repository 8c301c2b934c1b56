/// Why a data check could not produce its values: the table or column is missing, a result
/// column is not a number, two rows carry the same labels, too many rows.
public struct DataCheckError: Error, Sendable, CustomStringConvertible {
    public let message: String

    init(_ message: String) {
        self.message = message
    }

    public var description: String { message }
}
