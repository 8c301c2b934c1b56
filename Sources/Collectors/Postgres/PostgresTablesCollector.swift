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
    /// Each table's cumulative inserted, updated and deleted rows at the last run, and when they
    /// were last seen to change.
    private let previous = Mutex<[[String]: Counts]>([:])
    private let cap: TablesCap
    static let operations = ["insert", "update", "delete"]

    private struct Counts {
        var rows: [Double]
        var modified: Double?
    }

    public init(options: Options, metrics: MetricCatalog) {
        self.options = options
        self.metrics = metrics
        self.cap = TablesCap(maxTables: options.maxTables)
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

    static let databasesSQL = "SELECT datname AS name FROM pg_database WHERE datallowconn AND NOT datistemplate ORDER BY datname"

    /// Reads the DSN's database and each other configured one. A database that cannot be read
    /// fails the run after the others are reported, and keeps the series it had.
    public func collect(_ context: CollectionContext) async throws {
        let parameters = SchemaFilter.parameters(include: options.includeSchemas, exclude: options.excludeSchemas, limit: options.maxTables)
        let (reads, failures) = try await OtherDatabases(names: options.databases, listSQL: Self.databasesSQL).read(context) { connection in
            try await connection.query(Self.sql, parameters, timeout: context.queryTimeout)
        }
        let results = try reads.map { read in
            Tables(database: read.database, rows: read.result.rows, matching: try read.result.rows.first?.int64("matching") ?? 0)
        }
        let matching = results.map(\.matching).max() ?? 0
        try report(results, context, keepingOthers: !failures.isEmpty)
        cap.note(matching: Int64(matching), context.logger)
        if !failures.isEmpty { throw WarehouseError(.query, failures.joined(separator: "; ")) }
    }

    /// One database's tables, as one read saw them.
    private struct Tables {
        var database: String
        var rows: [Row]
        var matching: Int64
    }

    /// Replaces the tables' series with what the databases read now hold: every series of the
    /// warehouse when all were read; with a database unreadable, its tables are not gone, so only
    /// the series of the databases read are replaced.
    private func report(_ results: [Tables], _ context: CollectionContext, keepingOthers: Bool) throws {
        let families = [
            metrics.tableRows, metrics.tableSizeBytes, metrics.tableDeadRows, metrics.tableLastModified,
            metrics.tableLastVacuum, metrics.tableLastAnalyze,
        ]
        var everything = GaugeSnapshot(families)
        var snapshots: [(database: String, tables: GaugeSnapshot)] = []
        var counts: [[String]: Counts] = [:]
        let now = Date().timeIntervalSince1970
        let previous = self.previous.withLock { $0 }
        for result in results {
            var tables = GaugeSnapshot(families)
            for row in result.rows {
                // A table dropped between the two catalog reads has no size: skip it this time.
                guard let size = try row.optionalDouble("size_bytes") else { continue }
                let schema = try row.string("schema")
                let table = try row.string("table")
                let labels = [context.warehouse, try row.string("database"), schema, table]
                let current = [try row.double("inserted"), try row.double("updated"), try row.double("deleted")]
                let before = previous[labels]
                var modified = before?.modified
                // The first run only sets the baseline; a count that went down means the statistics
                // were reset, and starts a new baseline.
                if let before, zip(current, before.rows).allSatisfy({ $0 >= $1 }) {
                    for (index, operation) in Self.operations.enumerated() where current[index] > before.rows[index] {
                        metrics.queries.observe(
                            RowsWritten(table: TableName(schema: schema, name: table), operation: operation, rows: current[index] - before.rows[index]),
                            warehouse: context.warehouse)
                        modified = now
                    }
                }
                counts[labels] = Counts(rows: current, modified: modified)
                tables.set(metrics.tableRows, labels, try row.double("rows"))
                tables.set(metrics.tableSizeBytes, labels, size)
                tables.set(metrics.tableDeadRows, labels, try row.double("dead_rows"))
                tables.set(metrics.tableLastVacuum, labels, try row.optionalDouble("last_vacuum"))
                tables.set(metrics.tableLastAnalyze, labels, try row.optionalDouble("last_analyze"))
                tables.set(metrics.tableLastModified, labels, modified)
            }
            snapshots.append((result.database, tables))
            everything.add(tables)
        }
        if keepingOthers {
            self.previous.withLock { $0.merge(counts) { $1 } }
            GaugeSnapshot.replace(snapshots.map { ([context.warehouse, $0.database], $0.tables) })
        } else {
            self.previous.withLock { $0 = counts }
            everything.replace(owner: [context.warehouse])
        }
    }

}
