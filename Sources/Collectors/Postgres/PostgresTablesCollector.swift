import Foundation
public import QueryMetrics
import Synchronization

/// Every user table of the connected PostgreSQL database, from `pg_stat_user_tables` and
/// `pg_total_relation_size`: rows, bytes, dead rows, last vacuum and analyze, and, from how the
/// cumulative insert/update/delete counts move between runs, rows written by operation and when
/// the table last changed.
public final class PostgresTablesCollector: Collector {
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
    private let metrics: MetricCatalog
    private let tracker: SeriesTracker
    private let writtenTracker: SeriesTracker
    /// Each table's cumulative inserted, updated and deleted rows at the last run.
    private let previous = Mutex<[[String]: [Double]]>([:])
    static let operations = ["insert", "update", "delete"]

    public init(options: Options, metrics: MetricCatalog) {
        self.options = options
        self.metrics = metrics
        self.tracker = SeriesTracker(gauges: [
            metrics.tableRows, metrics.tableSizeBytes, metrics.tableDeadRows, metrics.tableLastModified,
            metrics.tableLastVacuum, metrics.tableLastAnalyze,
        ])
        self.writtenTracker = SeriesTracker(counters: [metrics.tableRowsWritten])
    }

    static let sql = """
        SELECT current_database() AS database, schemaname AS schema, relname AS "table",
               n_live_tup AS rows, pg_total_relation_size(relid) AS size_bytes, n_dead_tup AS dead_rows,
               n_tup_ins AS inserted, n_tup_upd AS updated, n_tup_del AS deleted,
               extract(epoch FROM greatest(last_vacuum, last_autovacuum))::float8 AS last_vacuum,
               extract(epoch FROM greatest(last_analyze, last_autoanalyze))::float8 AS last_analyze,
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
        var seenWritten = Set<[String]>()
        var counts: [[String]: [Double]] = [:]
        var matching: Int64 = 0
        let now = Date().timeIntervalSince1970
        let previous = self.previous.withLock { $0 }
        for row in result.rows {
            // A table dropped between the two catalog reads has no size: skip it this time.
            guard let size = try row.optionalDouble("size_bytes") else { continue }
            let schema = try row.string("schema")
            let table = try row.string("table")
            let labels = [context.warehouse, try row.string("database"), schema, table]
            metrics.tableRows.set(try row.double("rows"), labels)
            metrics.tableSizeBytes.set(size, labels)
            metrics.tableDeadRows.set(try row.double("dead_rows"), labels)
            if let vacuumed = try row.optionalDouble("last_vacuum") { metrics.tableLastVacuum.set(vacuumed, labels) }
            if let analyzed = try row.optionalDouble("last_analyze") { metrics.tableLastAnalyze.set(analyzed, labels) }
            seen.insert(labels)
            matching = try row.int64("matching")

            let current = [try row.double("inserted"), try row.double("updated"), try row.double("deleted")]
            counts[labels] = current
            for operation in Self.operations { seenWritten.insert([context.warehouse, schema, table, operation]) }
            // The first run only sets the baseline; a count that went down means the statistics
            // were reset, and starts a new baseline.
            guard let before = previous[labels], zip(current, before).allSatisfy({ $0 >= $1 }) else { continue }
            var changed = false
            for (index, operation) in Self.operations.enumerated() where current[index] > before[index] {
                metrics.tableRowsWritten.increment(by: current[index] - before[index], [context.warehouse, schema, table, operation])
                changed = true
            }
            if changed { metrics.tableLastModified.set(now, labels) }
        }
        self.previous.withLock { $0 = counts }
        tracker.replace(with: seen)
        writtenTracker.replace(with: seenWritten)
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
