/// A user rule that cannot be used, with a message for the configuration error.
public struct AnnotationRuleError: Error, CustomStringConvertible, Sendable {
    public let description: String

    public init(_ description: String) { self.description = description }
}
