/// One raw key and value found in an annotation, as written (nested JSON keys joined with `.`).
public struct Attribute: Hashable, Sendable {
    public var key: String
    public var value: String

    public init(key: String, value: String) {
        self.key = key
        self.value = value
    }
}
