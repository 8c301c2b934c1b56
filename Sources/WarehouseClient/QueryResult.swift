/// The rows of one statement, in libpq's text format or decoded from a ClickHouse response.
public struct QueryResult: Sendable {
    /// Column names in the order the server sent them.
    public let columns: [String]
    /// Each column's type, as the server's type OID (`pg_type.oid`: 20 is bigint, 1700 numeric…);
    /// 0 for ClickHouse, whose text formats name no types.
    public let columnTypes: [UInt32]
    /// Each column's type as ClickHouse names it (`Nullable(Float64)`); "" for libpq's results.
    public let columnTypeNames: [String]
    /// For a command, the row count it reports (`INSERT 0 5` gives 5).
    public let affectedRows: Int?
    private let buffer: ResultBuffer

    init(_ buffer: ResultBuffer, affectedRows: Int?) {
        self.buffer = buffer
        self.columns = buffer.columns
        self.columnTypes = buffer.columnTypes
        self.columnTypeNames = buffer.columnTypeNames
        self.affectedRows = affectedRows
    }

    /// A ClickHouse response.
    init(_ response: TabSeparated) {
        self.init(ResultBuffer(response), affectedRows: nil)
    }

    /// Where `column` is in ``columns``, for reading many rows by position (``Row/int64(at:)``)
    /// rather than looking the name up in each; throws when there is no such column.
    public func position(of column: String) throws(WarehouseError) -> Int {
        try Row.position(of: column, in: buffer)
    }

    public var count: Int { buffer.rowCount }

    /// The bytes of the response the rows came in (a ClickHouse response's body); nil for libpq's
    /// results, whose size libpq does not report.
    public var byteCount: Int? { buffer.byteCount }

    /// The rows, each able to look its values up by column name.
    public var rows: [Row] {
        (0..<count).map { Row(buffer: buffer, row: $0) }
    }
}
