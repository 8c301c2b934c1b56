import Foundation
public import QueryMetrics
import Synchronization
import WarehouseClient

/// Every data table of a ClickHouse server, from `system.tables` (rows and bytes on disk, which
/// the server keeps exact for MergeTree and in-memory engines), `system.parts` (the active parts
/// of a MergeTree table's fullest partition: inserts into a partition fail past
/// `parts_to_throw_insert`, "too many parts") and `system.mutations` (a MergeTree table's
/// `ALTER TABLE … UPDATE` and `DELETE` not yet applied, and those whose last attempt failed: a
/// failing mutation is retried for ever and holds back every mutation after it, so an ETL job's
/// delete is silently never applied). ClickHouse has databases and no schemas:
/// a table's database is both its `database` and its `schema` label, so the table families join
/// with the read and write edges, which name tables `database.table`.
///
/// When a table last changed is when the exporter saw its row count move; at its first sight, the
/// newest active part's time, which a merge also moves.
public final class ClickHouseTablesCollector: ClickHouseCollector {
    /// Which tables to report: `includeSchemas` and `excludeSchemas` match database names (RE2,
    /// the whole name), and the server's own databases are never reported.
    public struct Options: Sendable, Equatable {
        public var includeSchemas: [String]
        public var excludeSchemas: [String]
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
    /// Each table's row count at the last run, and when it was last seen to change.
    private let previous = Mutex<[[String]: (rows: Double?, modified: Double?)]>([:])
    /// Whether the statement reads `system.mutations`: until the server refuses it (a user the
    /// documented grants predate, or a server older than its columns); the tables are then
    /// reported without their mutations until the exporter restarts.
    private let readsMutations = Mutex(true)

    public init(options: Options, metrics: MetricCatalog) {
        self.options = options
        self.metrics = metrics
        self.cap = TablesCap(maxTables: options.maxTables)
    }

    /// Views, dictionaries and the like hold no data of their own; a Distributed table's is on
    /// its shards, and the server reports no size for it.
    func sql(mutations: Bool) -> String {
        var filter = """
            NOT is_temporary AND database NOT IN ('system', 'INFORMATION_SCHEMA', 'information_schema')
              AND engine NOT IN ('View', 'MaterializedView', 'LiveView', 'WindowView', 'Dictionary')
              AND total_bytes IS NOT NULL AND match(database, \(ClickHouseSQL.literal(SchemaFilter.anchored(options.includeSchemas))))
            """
        if !options.excludeSchemas.isEmpty {
            filter += " AND NOT match(database, \(ClickHouseSQL.literal(SchemaFilter.anchored(options.excludeSchemas))))"
        }
        return """
            SELECT t.database AS database, t.name AS table, t.total_rows AS rows, t.total_bytes AS size_bytes,
                   endsWith(t.engine, 'MergeTree') AS merge_tree, ifNull(p.parts, 0) AS parts, ifNull(p.modified, 0) AS modified,
                   \(mutations ? "ifNull(m.pending, 0) AS mutations_pending, ifNull(m.failing, 0) AS mutations_failing," : "")
                   (SELECT count() FROM system.tables WHERE \(filter)) AS matching
            FROM (SELECT database, name, engine, total_rows, total_bytes FROM system.tables WHERE \(filter)) AS t
            LEFT JOIN (
                SELECT database, table, max(parts) AS parts, max(modified) AS modified
                FROM (
                    SELECT database, table, partition_id, count() AS parts, toUnixTimestamp(max(modification_time)) AS modified
                    FROM system.parts WHERE active GROUP BY database, table, partition_id
                )
                GROUP BY database, table
            ) AS p ON t.database = p.database AND t.name = p.table
            \(mutations ? Self.mutationsJoin : "")
            ORDER BY size_bytes DESC, database, table
            LIMIT \(options.maxTables)
            """
    }

    /// The unfinished mutations of each table, and those whose last attempt failed.
    private static let mutationsJoin = """
        LEFT JOIN (
            SELECT database, table, count() AS pending, countIf(latest_fail_reason != '') AS failing
            FROM system.mutations WHERE NOT is_done GROUP BY database, table
        ) AS m ON t.database = m.database AND t.name = m.table
        """

    public func collect(_ context: ClickHouseContext) async throws {
        var mutations = readsMutations.withLock { $0 }
        let rows: [Row]
        do {
            rows = try await context.query(sql(mutations: mutations)).rows
        } catch let error as WarehouseError
            where mutations && [ClickHouseCode.accessDenied, ClickHouseCode.unknownIdentifier].contains(error.clickHouseCode)
        {
            mutations = false
            readsMutations.withLock { $0 = false }
            context.logger.warning(
                """
                tables: system.mutations cannot be read, so tables are reported without their mutations \
                (GRANT SELECT ON system.mutations, then restart the exporter)
                """, metadata: ["error": "\(error)"])
            rows = try await context.query(sql(mutations: false)).rows
        }
        let families = [
            metrics.tableRows, metrics.tableSizeBytes, metrics.tableParts, metrics.tableMutationsPending, metrics.tableMutationsFailing,
            metrics.tableLastModified,
        ]
        var tables = GaugeSnapshot(families)
        var seen: [[String]: (rows: Double?, modified: Double?)] = [:]
        let previous = self.previous.withLock { $0 }
        let now = Date().timeIntervalSince1970
        for row in rows {
            let database = try row.string("database")
            let labels = [context.warehouse, database, database, try row.string("table")]
            // An engine that cannot count its rows quickly gives none: no series, rather than 0.
            let count = try row.optionalDouble("rows")
            let newestPart = try row.double("modified")
            let modified: Double? =
                if let before = previous[labels] { before.rows == count ? before.modified : now }
                else { newestPart > 0 ? newestPart : nil }
            seen[labels] = (count, modified)
            tables.set(metrics.tableRows, labels, count)
            tables.set(metrics.tableSizeBytes, labels, try row.double("size_bytes"))
            if try row.int64("merge_tree") == 1 {
                tables.set(metrics.tableParts, labels, try row.double("parts"))
                // Without system.mutations, no series: none says 0 for what is unknown.
                if mutations {
                    tables.set(metrics.tableMutationsPending, labels, try row.double("mutations_pending"))
                    tables.set(metrics.tableMutationsFailing, labels, try row.double("mutations_failing"))
                }
            }
            tables.set(metrics.tableLastModified, labels, modified)
        }
        self.previous.withLock { $0 = seen }
        tables.replace(owner: [context.warehouse])
        cap.note(matching: try rows.first?.int64("matching") ?? 0, context.logger)
    }
}
