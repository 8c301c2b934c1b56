public import SQLText
import QueryMetrics

/// A named check on the data, as configured: a query of the user's own, or one of the built-in
/// kinds that answer the usual questions (are all rows copied? does this join multiply rows? are
/// there too many NULLs?).
public struct DataCheckSpec: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        /// Value columns (numeric) and label columns, one series per row and value column.
        case query(sql: String, labels: [String])
        /// Two queries whose row counts must differ by at most `maxDifference`.
        case rowCountMatch(source: String, target: String, maxDifference: Double)
        /// `left LEFT JOIN right ON condition` (aliases `l` and `r`) must return at most
        /// `maxFanout` times the rows of `left`.
        case joinFanout(left: TableName, right: TableName, on: String, maxFanout: Double)
        /// The share of NULLs in a column (of the rows `filter` keeps) must be at most `maxRatio`.
        case nullRatio(table: TableName, column: String, filter: String?, maxRatio: Double)
    }

    /// The `check` label: letters, digits and `_`, unique per warehouse.
    public var name: String
    public var kind: Kind
    public var interval: Duration = .seconds(300)
    public var timeout: Duration = .seconds(60)
    /// A query returning more rows than this fails instead of flooding the exposition.
    public var maxRows = 1000

    public init(name: String, kind: Kind) {
        self.name = name
        self.kind = kind
    }

    /// Label names a check cannot use for its own columns: the exposition sets them.
    public static let reservedLabels: Set<String> = ["warehouse", "check", "column"]

    /// Whether `name` can be a check's name or a label column's name: what Prometheus takes as a
    /// label name, so a check's name reads the same wherever it appears.
    public static func isValidName(_ name: String) -> Bool {
        MetricFamily.isValidLabelName(name)
    }
}
