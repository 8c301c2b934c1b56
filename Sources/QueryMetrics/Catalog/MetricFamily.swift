/// What a metric family is, declared once: its name, help text, type and labels. Every family the
/// exporter serves is declared in ``MetricFamily``'s catalog (`MetricFamily+Catalog.swift`), and
/// the stores that hold its series take their names and labels from there.
public struct MetricFamily: Sendable, Hashable {
    /// The family's type, as the exposition's `# TYPE` line says it.
    public enum Kind: String, Sendable {
        case gauge, counter, histogram
    }

    public let name: String
    public let help: String
    public let kind: Kind
    /// Label names before the context labels.
    public let leading: [String]
    /// The context dimensions the family can carry, in order; those the label policy turns off are
    /// left out (see ``labelNames(_:)``).
    public let context: [LabelPolicy.Dimension]
    /// Context dimensions carried whatever the policy says.
    public let alwaysContext: Set<LabelPolicy.Dimension>
    /// Label names after the context labels.
    public let trailing: [String]

    init(
        _ name: String, _ kind: Kind, help: String, labels leading: [String] = [], context: [LabelPolicy.Dimension] = [],
        always alwaysContext: Set<LabelPolicy.Dimension> = [], then trailing: [String] = []
    ) {
        precondition(Self.isValidName(name), "invalid metric name \(name)")
        precondition(kind != .counter || name.hasSuffix("_total"), "counter \(name) must end in _total")
        self.name = name
        self.help = help
        self.kind = kind
        self.leading = leading
        self.context = context
        self.alwaysContext = alwaysContext
        self.trailing = trailing
    }

    /// The context dimensions the family carries under `dimensions` (the policy's, `user` already
    /// removed when the policy drops it).
    public func dimensions(_ dimensions: Set<LabelPolicy.Dimension>) -> [LabelPolicy.Dimension] {
        context.filter { dimensions.contains($0) || alwaysContext.contains($0) }
    }

    /// Every label name of the family under `dimensions`, in the order series carry them.
    public func labelNames(_ dimensions: Set<LabelPolicy.Dimension>) -> [String] {
        leading + self.dimensions(dimensions).map(\.rawValue) + trailing
    }

    /// The label names of a family without context labels.
    public var labelNames: [String] { labelNames([]) }

    static func isValidName(_ name: String) -> Bool {
        guard let first = name.utf8.first, !(UInt8(ascii: "0")...UInt8(ascii: "9")).contains(first) else { return false }
        return name.utf8.allSatisfy { $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: ":") || isAlphanumeric($0) }
    }

    /// Whether Prometheus accepts `name` as a label name (and not as one of its own, `__…`).
    public static func isValidLabelName(_ name: String) -> Bool {
        guard let first = name.utf8.first, !(UInt8(ascii: "0")...UInt8(ascii: "9")).contains(first), !name.hasPrefix("__")
        else { return false }
        return name.utf8.allSatisfy { $0 == UInt8(ascii: "_") || isAlphanumeric($0) }
    }

    private static func isAlphanumeric(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
            || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
    }
}
