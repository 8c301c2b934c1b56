/// The rows of one statement, in libpq's text format.
public struct QueryResult: Sendable {
    /// Column names in the order the server sent them.
    public let columns: [String]
    /// Each row's values in column order; `nil` is SQL NULL.
    public let values: [[String?]]
    /// For a command, the row count it reports (`INSERT 0 5` gives 5).
    public let affectedRows: Int?
    private let index: [String: Int]

    init(columns: [String], values: [[String?]], affectedRows: Int?) {
        self.columns = columns
        self.values = values
        self.affectedRows = affectedRows
        // The first of two equally named columns wins, as in a SQL client.
        self.index = Dictionary(columns.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
    }

    public var count: Int { values.count }

    /// The rows, each able to look its values up by column name.
    public var rows: [Row] {
        values.map { Row(values: $0, columns: columns, index: index) }
    }
}
