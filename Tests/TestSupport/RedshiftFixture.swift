public import Foundation
import WarehouseClient

/// A PostgreSQL schema that mirrors the Redshift system views the exporter reads, column for
/// column (docs.aws.amazon.com/redshift/latest/dg/SYS_QUERY_HISTORY.html and SYS_QUERY_TEXT):
/// `char` columns padded with blanks, durations in microseconds, timestamps without zone in UTC,
/// `query_text` cut at 4000 characters with the whole text in 4000-character chunks of
/// `sys_query_text`, newlines and backslashes stored escaped. `pg_user` is shadowed, since
/// Redshift's user ids are not this server's; connections reach it with
/// ``searchPath`` (the fixture before `pg_catalog`), so the exporter's unqualified SQL runs as is.
public struct RedshiftFixture: Sendable {
    public static let schema = "redshift_fixture"
    /// Append to a DSN: `options=-csearch_path=…`.
    public static let searchPath = " options='-csearch_path=\(schema),pg_catalog'"

    public let postgres: TestPostgres
    public let database: String

    public init(postgres: TestPostgres, database: String) async throws {
        self.postgres = postgres
        self.database = database
        let schemaFile = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../../fixtures/redshift/schema.sql").standardized.path
        try postgres.psql(file: schemaFile, database: database)
    }

    /// `date` less `seconds`, as the fixture's timestamps are written: UTC, microseconds.
    public static func timestamp(_ date: Date = Date(), minus seconds: Double = 0) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd HH:mm:ss.SSSSSS"
        return formatter.string(from: date.addingTimeInterval(-seconds))
    }

    /// A DSN that sees the fixture where Redshift's views would be.
    public var dsn: String { postgres.dsn(database: database) + Self.searchPath }

    /// One query as Redshift records it.
    public struct Query: Sendable {
        public var id: Int64
        public var userID: Int32 = 100
        public var label = "default"
        public var database = "dev"
        public var type = "SELECT"
        public var status = "success"
        /// When it ended, as `YYYY-MM-DD HH:MM:SS.ffffff` in UTC.
        public var end: String
        public var elapsedMicroseconds: Int64
        public var queueMicroseconds: Int64 = 0
        public var executionMicroseconds: Int64? = nil
        /// The WLM queue (`service_class_name`).
        public var queue = ""
        public var text: String
        /// What it did to tables: its scan, insert and delete steps.
        public var steps: [Step] = []

        public init(
            id: Int64, end: String, elapsedMicroseconds: Int64, text: String, type: String = "SELECT", status: String = "success",
            label: String = "default", queueMicroseconds: Int64 = 0, steps: [Step] = []
        ) {
            self.id = id
            self.end = end
            self.elapsedMicroseconds = elapsedMicroseconds
            self.text = text
            self.type = type
            self.status = status
            self.label = label
            self.queueMicroseconds = queueMicroseconds
            self.steps = steps
        }
    }

    /// One step of a query on a permanent table, by the table's id in SVV_TABLE_INFO.
    public struct Step: Sendable {
        public var name: String
        public var tableID: Int
        public var rows: Int64

        public init(_ name: String, table tableID: Int, rows: Int64) {
            self.name = name
            self.tableID = tableID
            self.rows = rows
        }
    }

    /// Stores `query` as Redshift's SYS views would: escaped text, cut at 4000 in the history,
    /// whole in chunks; each step's rows split over two segments, as Redshift reports them.
    public func insert(_ queries: Query...) async throws {
        let connection = try await Connection.connect(ConnectionSettings(dsn: postgres.dsn(database: database)))
        defer { connection.close() }
        for query in queries {
            let stored = Array(Self.escaped(query.text))
            let execution = query.executionMicroseconds ?? (query.elapsedMicroseconds - query.queueMicroseconds)
            _ = try await connection.query(
                """
                INSERT INTO \(Self.schema).sys_query_history
                    (user_id, query_id, query_label, database_name, query_type, status, start_time, end_time,
                     elapsed_time, queue_time, execution_time, query_text, service_class_name)
                VALUES ($1, $2, $3, $4, $5, $6, $7::timestamp - $8::bigint * interval '1 microsecond', $7::timestamp, $8, $9, $10, $11, $12)
                """,
                [String(query.userID), String(query.id), query.label, query.database, query.type, query.status, query.end,
                 String(query.elapsedMicroseconds), String(query.queueMicroseconds), String(execution),
                 String(stored.prefix(4000)), query.queue])
            for (sequence, chunk) in Self.chunks(stored, 4000).enumerated() {
                _ = try await connection.query(
                    "INSERT INTO \(Self.schema).sys_query_text (user_id, query_id, sequence, text) VALUES ($1, $2, $3, $4)",
                    [String(query.userID), String(query.id), String(sequence), chunk])
            }
            for (index, step) in query.steps.enumerated() {
                for (segment, rows) in [step.rows / 2, step.rows - step.rows / 2].enumerated() {
                    _ = try await connection.query(
                        """
                        INSERT INTO \(Self.schema).sys_query_detail (user_id, query_id, segment_id, step_id, step_name, table_id, table_name, output_rows)
                        VALUES ($1, $2, $3, $4, $5, $6::integer, (SELECT "table" FROM \(Self.schema).svv_table_info WHERE table_id::integer = $6::integer), $7)
                        """,
                        [String(query.userID), String(query.id), String(segment), String(index), step.name, String(step.tableID), String(rows)])
                }
            }
        }
    }

    /// Stores `query` as a cluster without SYS views would: STL_QUERY (text cut at 4000, `aborted`
    /// 1 for anything but success), STL_QUERYTEXT in 200-character chunks, STL_WLM_QUERY's queue
    /// and execution times (the queue split over two rows, as a query that hopped queues), and
    /// its steps in STL_SCAN, STL_INSERT and STL_DELETE over two slices.
    public func insertSTL(_ queries: Query...) async throws {
        let connection = try await Connection.connect(ConnectionSettings(dsn: postgres.dsn(database: database)))
        defer { connection.close() }
        for query in queries {
            let stored = Array(Self.escaped(query.text))
            let execution = query.executionMicroseconds ?? (query.elapsedMicroseconds - query.queueMicroseconds)
            _ = try await connection.query(
                """
                INSERT INTO \(Self.schema).stl_query (userid, query, label, database, querytxt, starttime, endtime, aborted)
                VALUES ($1, $2, $3, $4, $5, $6::timestamp - $7::bigint * interval '1 microsecond', $6::timestamp, $8)
                """,
                [String(query.userID), String(query.id), query.label, query.database, String(stored.prefix(4000)), query.end,
                 String(query.elapsedMicroseconds), query.status == "success" ? "0" : "1"])
            for (sequence, chunk) in Self.chunks(stored, 200).enumerated() {
                _ = try await connection.query(
                    "INSERT INTO \(Self.schema).stl_querytext (userid, query, sequence, text) VALUES ($1, $2, $3, $4)",
                    [String(query.userID), String(query.id), String(sequence), chunk])
            }
            for (hop, queued) in [query.queueMicroseconds / 2, query.queueMicroseconds - query.queueMicroseconds / 2].enumerated() {
                _ = try await connection.query(
                    """
                    INSERT INTO \(Self.schema).stl_wlm_query (userid, query, service_class, total_queue_time, total_exec_time, final_state)
                    VALUES ($1, $2, $3, $4, $5, 'Completed')
                    """,
                    [String(query.userID), String(query.id), String(6 + hop), String(queued), String(hop == 0 ? 0 : execution)])
            }
            for step in query.steps {
                let view = ["scan": "stl_scan", "insert": "stl_insert", "delete": "stl_delete"][step.name]!
                for (slice, rows) in [step.rows / 2, step.rows - step.rows / 2].enumerated() {
                    _ = try await connection.query(
                        "INSERT INTO \(Self.schema).\(view) (userid, query, slice, rows, tbl) VALUES ($1, $2, $3, $4, $5)",
                        [String(query.userID), String(query.id), String(slice), String(rows), String(step.tableID)])
                }
            }
        }
    }

    /// One action of a query monitoring rule, on an STL query id.
    public func insertRuleAction(query: Int64, rule: String, action: String, at time: String) async throws {
        _ = try await postgres.execute(
            "INSERT INTO \(Self.schema).stl_wlm_rule_action (userid, query, service_class, rule, action, recordtime) "
                + "VALUES (100, \(query), 6, '\(rule)', '\(action)', '\(time)')",
            database: database)
    }

    /// One period of SYS_SERVERLESS_USAGE: RPU-seconds charged from `start` to `end`.
    public func insertUsage(from start: String, to end: String, chargedSeconds: Int) async throws {
        _ = try await postgres.execute(
            "INSERT INTO \(Self.schema).sys_serverless_usage (start_time, end_time, compute_seconds, compute_capacity, charged_seconds) "
                + "VALUES ('\(start)', '\(end)', \(chargedSeconds), 8, \(chargedSeconds))",
            database: database)
    }

    /// One COPY as a cluster without SYS views records it: its rows committed over two slices in
    /// STL_LOAD_COMMITS at `end` (none when it loaded nothing), a row of STL_LOAD_ERRORS per
    /// rejected line a second before. Its statement goes in STL_QUERY with ``insertSTL(_:)``.
    public func insertSTLLoad(queryID: Int64, end: String, rows: Int64, errors: Int) async throws {
        var statements: [String] = []
        if rows > 0 {
            for (slice, part) in [rows / 2, rows - rows / 2].enumerated() {
                statements.append(
                    "INSERT INTO \(Self.schema).stl_load_commits (userid, query, slice, filename, lines_scanned, curtime, status) "
                        + "VALUES (100, \(queryID), \(slice), 's3://bucket/part-\(slice)', \(part), '\(end)', 1)")
            }
        }
        for line in 0..<errors {
            statements.append(
                "INSERT INTO \(Self.schema).stl_load_errors (userid, slice, tbl, starttime, query, line_number, err_code, err_reason) "
                    + "VALUES (100, 0, 1, '\(end)'::timestamp - interval '1 second', \(queryID), \(line + 1), 1214, 'Delimiter not found')")
        }
        for statement in statements { _ = try await postgres.execute(statement, database: database) }
    }

    /// Which views a test stores queries in.
    public enum Views: String, Sendable, CaseIterable {
        case sys
        case stl
    }

    /// Makes this a cluster without SYS views (`SYS_QUERY_HISTORY` gone) when `views` is STL.
    public func use(_ views: Views) async throws {
        guard views == .stl else { return }
        _ = try await postgres.execute("DROP TABLE \(Self.schema).sys_query_history", database: database)
    }

    /// Stores queries in the SYS views (``insert(_:)``) or the STL tables (``insertSTL(_:)``).
    public func store(_ queries: Query..., in views: Views) async throws {
        for query in queries {
            if views == .sys { try await insert(query) } else { try await insertSTL(query) }
        }
    }

    /// Text in the chunks of a text view: `size` characters each, at least one.
    static func chunks(_ text: [Character], _ size: Int) -> [String] {
        stride(from: 0, to: max(text.count, 1), by: size).map { String(text[$0..<min($0 + size, text.count)]) }
    }

    /// Redshift's stored form: backslashes doubled, newlines as `\n`.
    static func escaped(_ text: String) -> String {
        text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\n", with: "\\n")
    }

    /// One row of SVV_TABLE_INFO: sizes in 1 MB blocks, unsorted and stats_off in percent.
    public func insertTable(
        id: Int? = nil, schema: String, table: String, megabytes: Int, rows: Int, visibleRows: Int?, unsorted: Double?, statsOff: Double,
        skew: Double?
    ) async throws {
        let connection = try await Connection.connect(ConnectionSettings(dsn: postgres.dsn(database: database)))
        defer { connection.close() }
        _ = try await connection.query(
            """
            INSERT INTO \(Self.schema).svv_table_info
                (table_id, database, schema, "table", size, tbl_rows, estimated_visible_rows, unsorted, stats_off, skew_rows)
            VALUES ($9, 'dev', $1, $2, $3, $4, $5, $6, $7, $8)
            """,
            [schema, table, String(megabytes), String(rows), visibleRows.map(String.init), unsorted.map { "\($0)" }, "\(statsOff)",
             skew.map { "\($0)" }, id.map(String.init)])
    }

    /// One COPY of SYS_LOAD_HISTORY; its statement goes in the query history with ``insert(_:)``.
    public func insertLoad(queryID: Int64, table: String, end: String, rows: Int64, bytes: Int64, errors: Int64, status: String = "completed") async throws {
        let connection = try await Connection.connect(ConnectionSettings(dsn: postgres.dsn(database: database)))
        defer { connection.close() }
        _ = try await connection.query(
            """
            INSERT INTO \(Self.schema).sys_load_history (user_id, query_id, status, table_name, end_time, loaded_rows, loaded_bytes, error_count)
            VALUES (100, $1, $2, $3, $4::timestamp, $5, $6, $7)
            """,
            [String(queryID), status, table, end, String(rows), String(bytes), String(errors)])
    }
}
