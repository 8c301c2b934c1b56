public import QueryMetrics
import WarehouseClient

/// Every user table of the connected Redshift database with at least one row, from
/// `SVV_TABLE_INFO` (superusers, or a user granted SELECT on it): rows (the estimate that leaves
/// out deleted rows), bytes (1 MB blocks), and the health of its layout: unsorted rows, stale
/// statistics and row skew across slices, as ratios. Schemas and the cap are the `tables` options,
/// as for PostgreSQL.
public final class RedshiftTablesCollector: Collector {
    /// Which tables to report.
    public struct Options: Sendable, Equatable {
        /// Schemas to report, as regular expressions matched against the whole name.
        public var includeSchemas: [String]
        /// Schemas to leave out, matched the same way; they win over `includeSchemas`.
        public var excludeSchemas: [String]
        /// At most this many tables, the largest first.
        public var maxTables: Int

        public init(includeSchemas: [String] = [".*"], excludeSchemas: [String] = [], maxTables: Int = 5000) {
            self.includeSchemas = includeSchemas
            self.excludeSchemas = excludeSchemas
            self.maxTables = maxTables
        }
    }

    public let name = "tables"
    private let options: Options
    private let metrics: MetricCatalog
    private let cap: TablesCap

    public init(options: Options, metrics: MetricCatalog) {
        self.options = options
        self.metrics = metrics
        self.cap = TablesCap(maxTables: options.maxTables)
    }

    static let sql = """
        SELECT trim(database) AS database, trim(schema) AS schema, trim("table") AS "table",
               coalesce(estimated_visible_rows, tbl_rows)::float8 AS rows, (size * 1048576)::float8 AS size_bytes,
               unsorted::float8 AS unsorted, stats_off::float8 AS stats_off, skew_rows::float8 AS skew,
               count(*) OVER () AS matching
        FROM svv_table_info
        WHERE schema ~ $1 AND ($2::text IS NULL OR schema !~ $2)
        ORDER BY size DESC, schema, "table"
        LIMIT $3
        """

    public func collect(_ context: CollectionContext) async throws {
        let result = try await RedshiftSQL.needing(RedshiftSQL.tableInfo) {
            try await context.query(Self.sql, SchemaFilter.parameters(include: options.includeSchemas, exclude: options.excludeSchemas, limit: options.maxTables))
        }
        var tables = GaugeSnapshot([
            metrics.tableRows, metrics.tableSizeBytes, metrics.tableUnsortedRatio, metrics.tableStatsOffRatio, metrics.tableSkewRowsRatio,
        ])
        var matching: Int64 = 0
        for row in result.rows {
            let labels = [context.warehouse, try row.string("database"), try row.string("schema"), try row.string("table")]
            tables.set(metrics.tableRows, labels, try row.double("rows"))
            tables.set(metrics.tableSizeBytes, labels, try row.double("size_bytes"))
            tables.set(metrics.tableUnsortedRatio, labels, try row.optionalDouble("unsorted").map { $0 / 100 })
            tables.set(metrics.tableStatsOffRatio, labels, try row.optionalDouble("stats_off").map { $0 / 100 })
            tables.set(metrics.tableSkewRowsRatio, labels, try row.optionalDouble("skew"))
            matching = try row.int64("matching")
        }
        tables.replace(owner: [context.warehouse])
        cap.note(matching: matching, context.logger)
    }
}
