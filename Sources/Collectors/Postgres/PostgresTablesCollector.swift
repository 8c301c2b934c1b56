public import QueryMetrics

/// Rows and bytes of every user table in the connected PostgreSQL database, from
/// `pg_stat_user_tables` and `pg_total_relation_size`.
public struct PostgresTablesCollector: Collector {
    /// Which tables to report.
    public struct Options: Sendable, Equatable {
        /// Schemas to report, as PostgreSQL regular expressions matched against the whole name.
        public var includeSchemas: [String]
        /// Schemas to leave out, matched the same way; they win over `includeSchemas`.
        public var excludeSchemas: [String]
        /// At most this many tables, the largest first, so a warehouse with a hundred thousand
        /// tables cannot flood Prometheus.
        public var maxTables: Int

        public init(includeSchemas: [String] = [".*"], excludeSchemas: [String] = [], maxTables: Int = 5000) {
            self.includeSchemas = includeSchemas
            self.excludeSchemas = excludeSchemas
            self.maxTables = maxTables
        }
    }

    public let name = "tables"
    private let options: Options
    private let rows: GaugeFamily
    private let sizeBytes: GaugeFamily
    private let tracker: SeriesTracker

    public init(options: Options, metrics: MetricCatalog) {
        self.options = options
        self.rows = metrics.tableRows
        self.sizeBytes = metrics.tableSizeBytes
        self.tracker = SeriesTracker([metrics.tableRows, metrics.tableSizeBytes])
    }

    static let sql = """
        SELECT current_database() AS database, schemaname AS schema, relname AS "table",
               n_live_tup AS rows, pg_total_relation_size(relid) AS size_bytes,
               count(*) OVER () AS matching
        FROM pg_stat_user_tables
        WHERE schemaname ~ $1 AND ($2::text IS NULL OR schemaname !~ $2)
        ORDER BY pg_total_relation_size(relid) DESC NULLS LAST, schemaname, relname
        LIMIT $3
        """

    public func collect(_ context: CollectionContext) async throws {
        let result = try await context.query(
            Self.sql,
            [Self.anchored(options.includeSchemas), options.excludeSchemas.isEmpty ? nil : Self.anchored(options.excludeSchemas), String(options.maxTables)])
        var seen = Set<[String]>()
        var matching: Int64 = 0
        for row in result.rows {
            // A table dropped between the two catalog reads has no size: skip it this time.
            guard let size = try row.optionalDouble("size_bytes") else { continue }
            let labels = [context.warehouse, try row.string("database"), try row.string("schema"), try row.string("table")]
            rows.set(try row.double("rows"), labels)
            sizeBytes.set(size, labels)
            seen.insert(labels)
            matching = try row.int64("matching")
        }
        tracker.replace(with: seen)
        if matching > options.maxTables {
            context.logger.warning(
                "reporting only the largest tables; raise tables.max_tables to see the rest",
                metadata: ["tables": "\(matching)", "max_tables": "\(options.maxTables)"])
        }
    }

    /// One regular expression that matches a whole schema name against any of the patterns.
    static func anchored(_ patterns: [String]) -> String {
        "^(?:" + patterns.map { "(?:\($0))" }.joined(separator: "|") + ")$"
    }
}
