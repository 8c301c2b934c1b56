import WarehouseClient

/// The columns of a server's `system.query_log`, probed from `system.columns` (they changed from
/// version to version: docs/clickhouse.md), and the statements the `query_log` collector reads
/// them with.
///
/// A finished query is a row of type QueryFinish (2), ExceptionBeforeStart (3) or
/// ExceptionWhileProcessing (4) with `is_initial_query = 1`: QueryStart rows and the sub-queries of
/// a distributed query are not queries of their own. Its key is its host, `query_id`, type and
/// `event_time_microseconds`, hashed to the 64-bit id the cursor keeps: `query_id` alone is not
/// unique, as clients choose it and may reuse it.
struct QueryLogColumns: Sendable, Equatable {
    /// The columns the collector cannot do without, and the version that brought the last of them
    /// (`event_time_microseconds`, 20.10).
    static let required = [
        "type", "event_date", "event_time", "event_time_microseconds", "query_duration_ms", "query", "is_initial_query", "user",
        "query_id", "exception_code", "current_database", "http_user_agent", "client_name",
    ]
    static let minimumVersion = "20.10"

    /// Whether `log_comment` exists (21.3 and later): its annotations count as the query's.
    let hasLogComment: Bool
    /// The host column (23.10 and later; `hostName()`, the server answering, before).
    let host: String
    /// Whether `tables` and `query_kind` exist: the tables a statement touched, as the server
    /// resolved them, in place of the names its text gives.
    let hasTables: Bool
    /// `system.query_log`, or every replica's of a cluster.
    let table: String
    /// The server's hash of the statement with its literals and comments left out
    /// (`normalized_query_hash`), which statements of one shape share; "0" where the table has no
    /// such column or no `tables` to tell apart the tables whose names it also leaves out.
    let shapeHash: String
    /// The CPU time the query's threads used, in microseconds: `ProfileEvents` became a map in
    /// 21.8; before, names and values were two arrays.
    let cpuMicroseconds: String
    /// The bytes the query's sorts, joins and aggregations wrote to temporary files, as they lie on
    /// disk (compressed); nil before `ProfileEvents` became a map, long before the server counted
    /// them (2022). A server between the two, which does not count them, reads as no spill.
    let spilledBytes: String?

    /// Columns as `system.columns` lists them; nil when there are none: the table does not exist
    /// until the server's first flush. Throws when a required column is missing, naming them.
    init?(names: Set<String>, serverVersion: String, cluster: String? = nil, source: String = "system.query_log") throws(WarehouseError) {
        guard !names.isEmpty else { return nil }
        let missing = Self.required.filter { !names.contains($0) }
        guard missing.isEmpty else {
            throw WarehouseError(
                .query,
                "system.query_log of this server (ClickHouse \(serverVersion)) has no column \(missing.joined(separator: ", ")): "
                    + "the query_log collector needs ClickHouse \(Self.minimumVersion) or later (docs/clickhouse.md)")
        }
        hasLogComment = names.contains("log_comment")
        host = names.contains("hostname") ? "hostname" : "hostName()"
        hasTables = names.contains("tables") && names.contains("query_kind")
        shapeHash = hasTables && names.contains("normalized_query_hash") ? "toInt64(normalized_query_hash)" : "0"
        table = ClickHouseCluster.table(source, on: cluster)
        cpuMicroseconds =
            if names.contains("ProfileEvents") { "ProfileEvents['OSCPUVirtualTimeMicroseconds']" }
            else if names.contains("ProfileEvents.Names") {
                "ProfileEvents.Values[indexOf(ProfileEvents.Names, 'OSCPUVirtualTimeMicroseconds')]"
            } else { "0" }
        spilledBytes = names.contains("ProfileEvents") ? "ProfileEvents['ExternalProcessingCompressedBytesTotal']" : nil
    }

    /// The columns of `source` (`database.table`).
    static func probeSQL(source: String = "system.query_log") -> String {
        let parts = source.split(separator: ".", maxSplits: 1).map(String.init)
        let (database, table) = parts.count == 2 ? (parts[0], parts[1]) : ("system", source)
        return "SELECT name FROM system.columns WHERE database = \(ClickHouseSQL.literal(database)) AND table = \(ClickHouseSQL.literal(table))"
    }

    /// The server's clock, in microseconds: where a first start begins reading.
    static let nowSQL = "SELECT toUnixTimestamp64Micro(now64(6)) AS now"

    private var id: String {
        "toInt64(cityHash64(\(host), query_id, toInt8(type), event_time_microseconds))"
    }

    /// Rows from `from` microseconds on, by `event_date` and `event_time` too, which the table is
    /// ordered by: without them every poll reads the whole table.
    private func since(_ from: Int64) -> String {
        let seconds = from / 1_000_000
        return """
            event_date >= toDate(toDateTime(\(seconds))) AND event_time >= toDateTime(\(seconds))
              AND toInt8(type) IN (2, 3, 4) AND is_initial_query = 1
            """
    }

    /// The ids and end times of one page after `position`, in the cursor's order; with `until`
    /// (microseconds), only rows that ended by then. The server sorts every row the page could
    /// take to find the first `limit`: without a bound, a page of a long backlog sorts the whole
    /// rest of it, and a backlog of N rows costs N² / `limit`.
    ///
    /// With `whole`, the page's rows come with every column a record needs, in one statement: for
    /// a page past every row counted before, whose rows are all new.
    func pageSQL(after position: QueryHistoryCursor.Position, until: Int64? = nil, limit: Int, whole: Bool = false) -> String {
        let time = position.time.microseconds
        let bound = until.map { " AND event_time <= toDateTime(\($0 / 1_000_000 + 1)) AND ended <= \($0)" } ?? ""
        return """
            SELECT \(whole ? recordColumns : "\(id) AS id, toUnixTimestamp64Micro(event_time_microseconds) AS ended")
            FROM \(table)
            WHERE \(since(time)) AND ended >= \(time) AND (ended > \(time) OR id > \(position.id))\(bound)
            ORDER BY ended, id
            LIMIT \(limit)
            """
    }

    /// Every column a record needs.
    private var recordColumns: String {
        """
        \(id) AS id, toUnixTimestamp64Micro(event_time_microseconds) AS ended, exception_code,
               query_duration_ms, user, current_database, query, \(hasLogComment ? "log_comment" : "''") AS comment,
               http_user_agent, client_name, query_id, read_rows, read_bytes, written_rows, written_bytes, memory_usage,
               \(cpuMicroseconds) AS cpu_microseconds, \(spilledBytes ?? "0") AS spilled_bytes,
               \(hasTables ? "arrayStringConcat(CAST(tables, 'Array(String)'), '\\n')" : "''") AS tables, \(hasTables ? "query_kind" : "''") AS query_kind,
               \(shapeHash) AS shape_hash
        """
    }

    /// The columns the records need, of the rows with `ids`, which ended between `low` and `high`.
    func rowsSQL(ids: [Int64], low: Int64, high: Int64) -> String {
        """
        SELECT \(recordColumns)
        FROM \(table)
        WHERE \(since(low)) AND event_time <= toDateTime(\(high / 1_000_000 + 1)) AND id IN (\(ids.map(String.init).joined(separator: ", ")))
        """
    }
}
