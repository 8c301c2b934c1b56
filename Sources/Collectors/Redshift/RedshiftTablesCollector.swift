public import QueryMetrics
import WarehouseClient

/// Every user table with at least one row of the connected Redshift database, and of the other
/// databases the options name, from `SVV_TABLE_INFO` (superusers, or a user granted SELECT on it),
/// which shows the connected database only: each other database is read on a connection of its
/// own. Rows (the estimate that leaves out deleted rows), bytes (1 MB blocks), and the health of
/// its layout: unsorted rows, stale statistics and row skew across slices, as ratios. Schemas, the
/// cap and the databases are the `tables` options, as for PostgreSQL.
public final class RedshiftTablesCollector: Collector {
    /// Which tables to report.
    public struct Options: Sendable, Equatable {
        /// Schemas to report, as regular expressions matched against the whole name.
        public var includeSchemas: [String]
        /// Schemas to leave out, matched the same way; they win over `includeSchemas`.
        public var excludeSchemas: [String]
        /// At most this many tables per database, the largest first.
        public var maxTables: Int
        /// Other databases of the cluster to read too, besides the DSN's; `*` for every local one
        /// (`SVV_REDSHIFT_DATABASES`: not those made from a datashare).
        public var databases: [String]

        public init(includeSchemas: [String] = [".*"], excludeSchemas: [String] = [], maxTables: Int = 5000, databases: [String] = []) {
            self.includeSchemas = includeSchemas
            self.excludeSchemas = excludeSchemas
            self.maxTables = maxTables
            self.databases = databases
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

    /// The cluster's own databases: a datashare's (`shared`) cannot hold SVV_TABLE_INFO's tables.
    static let databasesSQL = """
        SELECT trim(database_name) AS name FROM svv_redshift_databases WHERE trim(database_type) = 'local' ORDER BY 1
        """

    /// Reads the DSN's database and each other configured one. A database that cannot be read
    /// fails the run after the others are reported, and keeps the series it had.
    public func collect(_ context: CollectionContext) async throws {
        let parameters = SchemaFilter.parameters(include: options.includeSchemas, exclude: options.excludeSchemas, limit: options.maxTables)
        let (reads, failures) = try await RedshiftSQL.needing(RedshiftSQL.tableInfo) {
            try await OtherDatabases(names: options.databases, listSQL: Self.databasesSQL).read(context) { connection in
                try await connection.query(Self.sql, parameters, timeout: context.queryTimeout)
            }
        }
        let families = [
            metrics.tableRows, metrics.tableSizeBytes, metrics.tableUnsortedRatio, metrics.tableStatsOffRatio, metrics.tableSkewRowsRatio,
        ]
        var snapshots: [(owner: [String], snapshot: GaugeSnapshot)] = []
        var matching: Int64 = 0
        for read in reads {
            var tables = GaugeSnapshot(families)
            for row in read.result.rows {
                let labels = [context.warehouse, try row.string("database"), try row.string("schema"), try row.string("table")]
                tables.set(metrics.tableRows, labels, try row.double("rows"))
                tables.set(metrics.tableSizeBytes, labels, try row.double("size_bytes"))
                tables.set(metrics.tableUnsortedRatio, labels, try row.optionalDouble("unsorted").map { $0 / 100 })
                tables.set(metrics.tableStatsOffRatio, labels, try row.optionalDouble("stats_off").map { $0 / 100 })
                tables.set(metrics.tableSkewRowsRatio, labels, try row.optionalDouble("skew"))
                matching = max(matching, try row.int64("matching"))
            }
            snapshots.append(([context.warehouse, read.database], tables))
        }
        if failures.isEmpty {
            // Every database read: the warehouse's series are these, a database no longer read gone.
            var everything = GaugeSnapshot(families)
            for (_, tables) in snapshots { everything.add(tables) }
            everything.replace(owner: [context.warehouse])
        } else {
            // A database that could not be read keeps the series it had.
            GaugeSnapshot.replace(snapshots)
        }
        cap.note(matching: matching, context.logger)
        if !failures.isEmpty { throw WarehouseError(.query, failures.joined(separator: "; ")) }
    }
}
