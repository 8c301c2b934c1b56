import Foundation
public import QueryMetrics
import SQLText
import Synchronization
import WarehouseClient

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
        /// Other databases of the server to read too, besides the DSN's; `*` for every database
        /// that accepts connections.
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
    private let tracker: SeriesTracker
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

    static let databasesSQL = "SELECT datname FROM pg_database WHERE datallowconn AND NOT datistemplate ORDER BY datname"

    /// Reads the DSN's database and each other configured one. A database that cannot be read
    /// fails the run after the others are reported, and keeps the series it had.
    public func collect(_ context: CollectionContext) async throws {
        var results = [try await readTables(context.connection, context)]
        var failures: [String] = []
        for database in try await otherDatabases(context) {
            do {
                guard let settings = context.settings else { break }
                var other = settings
                other.database = database
                let connection = try await Connection.connect(other)
                defer { connection.close() }
                results.append(try await readTables(connection, context))
            } catch {
                failures.append("database \(database): \(error)")
            }
        }
        let matching = results.map(\.matching).max() ?? 0
        try report(results.flatMap(\.rows), context, keepingOthers: !failures.isEmpty)
        if matching > options.maxTables {
            context.logger.warning(
                "reporting only the largest tables; raise tables.max_tables to see the rest",
                metadata: ["tables": "\(matching)", "max_tables": "\(options.maxTables)"])
        }
        if !failures.isEmpty { throw WarehouseError(.query, failures.joined(separator: "; ")) }
    }

    private func otherDatabases(_ context: CollectionContext) async throws -> [String] {
        guard !options.databases.isEmpty else { return [] }
        let current = try await context.query("SELECT current_database() AS name").rows.first?.string("name")
        var names = options.databases
        if names.contains("*") {
            names = try await context.query(Self.databasesSQL).rows.map { try $0.string("datname") }
        }
        return names.filter { $0 != current }
    }

    private func readTables(_ connection: Connection, _ context: CollectionContext) async throws -> (rows: [Row], matching: Int64) {
        let result = try await connection.query(Self.sql, SchemaFilter.parameters(options), timeout: context.queryTimeout)
        return (result.rows, try result.rows.first?.int64("matching") ?? 0)
    }

    private func report(_ tableRows: [Row], _ context: CollectionContext, keepingOthers: Bool) throws {
        var seen = Set<[String]>()
        var counts: [[String]: [Double]] = [:]
        let now = Date().timeIntervalSince1970
        let previous = self.previous.withLock { $0 }
        for row in tableRows {
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

            let current = [try row.double("inserted"), try row.double("updated"), try row.double("deleted")]
            counts[labels] = current
            // The first run only sets the baseline; a count that went down means the statistics
            // were reset, and starts a new baseline.
            guard let before = previous[labels], zip(current, before).allSatisfy({ $0 >= $1 }) else { continue }
            var changed = false
            for (index, operation) in Self.operations.enumerated() where current[index] > before[index] {
                metrics.queries.observe(
                    RowsWritten(table: TableName(schema: schema, name: table), operation: operation, rows: current[index] - before[index]),
                    warehouse: context.warehouse)
                changed = true
            }
            if changed { metrics.tableLastModified.set(now, labels) }
        }
        self.previous.withLock { $0.merge(counts) { $1 } }
        // With a database unreadable, its tables are not gone: keep their series this time.
        guard !keepingOthers else { return }
        self.previous.withLock { $0 = counts }
        tracker.replace(with: seen)
    }

}
