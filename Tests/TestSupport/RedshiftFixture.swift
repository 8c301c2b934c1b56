public import Foundation
import WarehouseClient

/// A PostgreSQL schema that mirrors the Redshift system views the exporter reads, column for
/// column as the Developer Guide documents them (fixtures/redshift/schema.sql names each page;
/// `RedshiftFixtureColumnsTests` compares the catalog with the pages' lists): `char` columns
/// padded with blanks, durations in microseconds, timestamps without zone in UTC, newlines and
/// backslashes stored escaped, `query_text` cut at 4000 bytes with the whole text in 4000-byte
/// chunks of `sys_query_text` (200-byte chunks of `stl_querytext`). `pg_user` is shadowed, since
/// Redshift's user ids are not this server's (user 1 is `rdsdb`, Redshift's internal user);
/// connections reach it with ``searchPath`` (the fixture before `pg_catalog`), so the exporter's
/// unqualified SQL runs as is.
///
/// Redshift's character(n) is n bytes; PostgreSQL's is n characters, and a UTF8 database cannot
/// hold half a character. In the usual (UTF8) database a text chunk therefore ends before a
/// multibyte character that Redshift would cut, which starts the next chunk instead; a fixture made
/// with ``byteExact(postgres:prefix:)`` lives in a SQL_ASCII database, where character(n) counts
/// bytes and the chunks hold exactly the bytes Redshift's do, a character's first bytes at the end
/// of one chunk and the rest at the start of the next.
public struct RedshiftFixture: Sendable {
    public static let schema = "redshift_fixture"
    /// Append to a DSN: `options=-csearch_path=…`.
    public static let searchPath = " options='-csearch_path=\(schema),pg_catalog'"
    /// `rdsdb`, whose system-generated queries the SYS and STL views show to a superuser or a
    /// user with SYSLOG ACCESS UNRESTRICTED (AWS's scripts leave them out with `userid > 1`).
    public static let internalUserID: Int32 = 1
    /// The `action` values STL_WLM_RULE_ACTION documents; `none` is a rule whose predicates were
    /// met while another rule's more severe action was taken.
    public static let ruleActions = ["log", "hop(reassign)", "hop(restart)", "abort", "change_query_priority", "none"]

    public let postgres: TestPostgres
    public let database: String

    public init(postgres: TestPostgres, database: String) async throws {
        self.postgres = postgres
        self.database = database
        let schemaFile = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../../fixtures/redshift/schema.sql").standardized.path
        try postgres.psql(file: schemaFile, database: database)
    }

    /// A fixture in a new SQL_ASCII database, where character(n) holds n bytes as on Redshift and
    /// a text chunk can end inside a multibyte character (see the type's comment).
    public static func byteExact(postgres: TestPostgres, prefix: String = "rsbytes") async throws -> RedshiftFixture {
        let name = "\(prefix)_\(UUID().uuidString.prefix(8).lowercased())"
        try await postgres.execute("CREATE DATABASE \(name) ENCODING 'SQL_ASCII' LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0")
        return try await RedshiftFixture(postgres: postgres, database: name)
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
        /// A duration column of SYS_QUERY_HISTORY (and the matching STL_WLM_QUERY total) that
        /// Redshift may leave NULL.
        public enum Timing: String, Sendable, Hashable {
            case elapsed, queue, execution
        }

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
        /// Durations stored as NULL (`start_time` is still `end` less `elapsedMicroseconds`).
        public var nullTimings: Set<Timing> = []
        /// The WLM queue (`service_class_name`).
        public var queue = ""
        public var text: String
        /// What it did to tables: its scan, insert and delete steps.
        public var steps: [Step] = []
        /// The server process of its session (`session_id`; STL's `pid`): the test connection's
        /// `backendPID` for a query of the exporter's own.
        public var session: Int64?

        public init(
            id: Int64, end: String, elapsedMicroseconds: Int64, text: String, type: String = "SELECT", status: String = "success",
            label: String = "default", queueMicroseconds: Int64 = 0, steps: [Step] = [], userID: Int32 = 100,
            executionMicroseconds: Int64? = nil, nullTimings: Set<Timing> = [], queue: String = "", session: Int64? = nil
        ) {
            self.session = session
            self.id = id
            self.end = end
            self.elapsedMicroseconds = elapsedMicroseconds
            self.text = text
            self.type = type
            self.status = status
            self.label = label
            self.queueMicroseconds = queueMicroseconds
            self.steps = steps
            self.userID = userID
            self.executionMicroseconds = executionMicroseconds
            self.nullTimings = nullTimings
            self.queue = queue
        }

        /// A statement Redshift runs itself as `rdsdb` (user 1) to watch the database, without an
        /// annotation or a query group.
        public static func systemGenerated(
            id: Int64, end: String, text: String = "SELECT count(*) FROM stv_sessions", type: String = "SELECT", steps: [Step] = []
        ) -> Query {
            Query(id: id, end: end, elapsedMicroseconds: 2_000, text: text, type: type, steps: steps, userID: RedshiftFixture.internalUserID)
        }
    }

    /// One step of a query on a permanent table, by the table's id in SVV_TABLE_INFO.
    public struct Step: Sendable {
        public var name: String
        public var tableID: Int
        /// `output_rows`: what the step gave on.
        public var rows: Int64
        /// `input_rows`: what it took in (a scan: the rows it read before its filter).
        public var inputRows: Int64
        /// The size of a row, for `input_bytes` and `output_bytes`.
        public var rowBytes: Int64
        /// `spilled_block_local_disk`, split over the step's segments as its rows are.
        public var spilledBlocks: Int64

        public init(_ name: String, table tableID: Int, rows: Int64, inputRows: Int64? = nil, rowBytes: Int64 = 100, spilledBlocks: Int64 = 0) {
            self.name = name
            self.tableID = tableID
            self.rows = rows
            self.inputRows = inputRows ?? rows
            self.rowBytes = rowBytes
            self.spilledBlocks = spilledBlocks
        }
    }

    /// Stores `query` as Redshift's SYS views would: escaped text, its first 4000 bytes in the
    /// history, the whole in 4000-byte chunks of SYS_QUERY_TEXT; each step's rows split over two
    /// segments, as step-level rows (`metrics_level` `step`) of SYS_QUERY_DETAIL, each with its
    /// table's id (the page documents `table_id` for scans only: ``insertDetail(queryID:userID:_:)``
    /// stores write steps without it, and rows of the other levels).
    public func insert(_ queries: Query...) async throws {
        let connection = try await connect()
        defer { connection.close() }
        let whole = try await Self.wholeCharactersOnly(connection)
        for query in queries {
            let chunks = Self.chunks(Array(Self.escaped(query.text).utf8), 4000, wholeCharacters: whole)
            let execution = query.executionMicroseconds ?? (query.elapsedMicroseconds - query.queueMicroseconds)
            func timing(_ column: Query.Timing, _ value: Int64) -> String? { query.nullTimings.contains(column) ? nil : String(value) }
            _ = try await connection.query(
                """
                INSERT INTO \(Self.schema).sys_query_history
                    (user_id, query_id, query_label, database_name, query_type, status, start_time, end_time,
                     elapsed_time, queue_time, execution_time, query_text, service_class_name, result_cache_query_id, username, session_id)
                VALUES ($1, $2, $3, $4, $5, $6, $7::timestamp - $8::bigint * interval '1 microsecond', $7::timestamp, $9, $10, $11,
                        \(Self.textFromHex("$12")), $13, 0, (SELECT usename FROM \(Self.schema).pg_user WHERE usesysid = $1::integer), $14)
                """,
                [String(query.userID), String(query.id), query.label, query.database, query.type, query.status, query.end,
                 String(query.elapsedMicroseconds), timing(.elapsed, query.elapsedMicroseconds), timing(.queue, query.queueMicroseconds),
                 timing(.execution, execution), Self.hex(chunks[0]), query.queue, query.session.map(String.init)])
            try await insertChunks(chunks, into: "sys_query_text", userColumn: "user_id", idColumn: "query_id", userID: query.userID, id: query.id, connection)
            for (index, step) in query.steps.enumerated() {
                let inputs = [step.inputRows / 2, step.inputRows - step.inputRows / 2]
                let spilled = [step.spilledBlocks / 2, step.spilledBlocks - step.spilledBlocks / 2]
                for (segment, rows) in [step.rows / 2, step.rows - step.rows / 2].enumerated() {
                    _ = try await connection.query(
                        """
                        INSERT INTO \(Self.schema).sys_query_detail
                            (user_id, query_id, child_query_sequence, stream_id, segment_id, step_id, step_name, table_id, table_name,
                             output_rows, input_rows, input_bytes, output_bytes, spilled_block_local_disk, metrics_level)
                        VALUES ($1, $2, 1, $3::integer, $3::integer, $4, $5, $6::integer,
                                (SELECT "table" FROM \(Self.schema).svv_table_info WHERE table_id::integer = $6::integer), $7, $8, $9, $10, $11,
                                'step')
                        """,
                        [String(query.userID), String(query.id), String(segment), String(index), step.name, String(step.tableID), String(rows),
                         String(inputs[segment]), String(inputs[segment] * step.rowBytes), String(rows * step.rowBytes), String(spilled[segment])])
                }
            }
        }
    }

    /// Stores `query` as a cluster without SYS views would: STL_QUERY (text cut at 4000 bytes,
    /// `aborted` 1 for anything but success), STL_QUERYTEXT in 200-byte chunks, STL_WLM_QUERY's
    /// queue and execution times (the queue split over two rows, as a query that hopped queues;
    /// NULL where `nullTimings` says so), its steps in STL_SCAN, STL_INSERT and STL_DELETE over
    /// two slices, and the blocks its steps spilled in SVL_QUERY_METRICS_SUMMARY.
    public func insertSTL(_ queries: Query...) async throws {
        let connection = try await connect()
        defer { connection.close() }
        let whole = try await Self.wholeCharactersOnly(connection)
        for query in queries {
            let stored = Array(Self.escaped(query.text).utf8)
            let execution = query.executionMicroseconds ?? (query.elapsedMicroseconds - query.queueMicroseconds)
            _ = try await connection.query(
                """
                INSERT INTO \(Self.schema).stl_query (userid, query, label, database, querytxt, starttime, endtime, aborted, pid)
                VALUES ($1, $2, $3, $4, \(Self.textFromHex("$5")), $6::timestamp - $7::bigint * interval '1 microsecond', $6::timestamp, $8, $9)
                """,
                [String(query.userID), String(query.id), query.label, query.database, Self.hex(Self.chunks(stored, 4000, wholeCharacters: whole)[0]),
                 query.end, String(query.elapsedMicroseconds), query.status == "success" ? "0" : "1", query.session.map(String.init)])
            try await insertChunks(
                Self.chunks(stored, 200, wholeCharacters: whole), into: "stl_querytext", userColumn: "userid", idColumn: "query",
                userID: query.userID, id: query.id, connection)
            for (hop, queued) in [query.queueMicroseconds / 2, query.queueMicroseconds - query.queueMicroseconds / 2].enumerated() {
                _ = try await connection.query(
                    """
                    INSERT INTO \(Self.schema).stl_wlm_query (userid, query, service_class, total_queue_time, total_exec_time, final_state)
                    VALUES ($1, $2, $3, $4, $5, 'Completed')
                    """,
                    [String(query.userID), String(query.id), String(6 + hop), query.nullTimings.contains(.queue) ? nil : String(queued),
                     query.nullTimings.contains(.execution) ? nil : String(hop == 0 ? 0 : execution)])
            }
            // The query's spill, a metric of its own in MB: its steps' spilled blocks of 1 MB.
            let spilled = query.steps.reduce(0) { $0 + $1.spilledBlocks }
            if spilled > 0 {
                _ = try await connection.query(
                    "INSERT INTO \(Self.schema).svl_query_metrics_summary (userid, query, service_class, query_temp_blocks_to_disk) VALUES ($1, $2, 6, $3)",
                    [String(query.userID), String(query.id), String(spilled)])
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

    /// A query still in SYS_QUERY_HISTORY's live states (`planning`, `queued`, `running`,
    /// `returning`) as the documented sample shows one: `end_time` already set, `elapsed`
    /// microseconds after `started`, with zero queue and execution time; its text as ``insert(_:)``
    /// stores it.
    public func insertRunning(
        id: Int64, started: String, text: String, status: String = "running", elapsedMicroseconds elapsed: Int64 = 61_321,
        userID: Int32 = 100, label: String = "default", queue: String = ""
    ) async throws {
        let connection = try await connect()
        defer { connection.close() }
        let chunks = Self.chunks(Array(Self.escaped(text).utf8), 4000, wholeCharacters: try await Self.wholeCharactersOnly(connection))
        _ = try await connection.query(
            """
            INSERT INTO \(Self.schema).sys_query_history
                (user_id, query_id, query_label, database_name, query_type, status, start_time, end_time, elapsed_time, queue_time,
                 execution_time, query_text, service_class_name, result_cache_query_id, username)
            VALUES ($1, $2, $3, 'dev', 'SELECT', $4, $5::timestamp, $5::timestamp + $6::bigint * interval '1 microsecond', $6, 0, 0,
                    \(Self.textFromHex("$7")), $8, 0, (SELECT usename FROM \(Self.schema).pg_user WHERE usesysid = $1::integer))
            """,
            [String(userID), String(id), label, status, started, String(elapsed), Self.hex(chunks[0]), queue])
        try await insertChunks(chunks, into: "sys_query_text", userColumn: "user_id", idColumn: "query_id", userID: userID, id: id, connection)
    }

    /// One row of SYS_QUERY_DETAIL at a metrics level; the levels above `step` carry -1 in the ids
    /// below them (the page's usage notes).
    public struct DetailRow: Sendable {
        /// `metrics_level`: `child query`, `stream`, `segment` or `step` (the page lists them
        /// capitalised, its usage notes in lower case; which Redshift stores is not documented).
        public var level: String
        public var childQuerySequence: Int32 = 1
        public var streamID: Int32
        public var segmentID: Int32
        public var stepID: Int32
        public var stepName: String
        /// The documented `table_id` is the table of a permanent table scan; nil leaves it NULL.
        public var tableID: Int?
        /// `table_name`; nil takes the name of `tableID` from SVV_TABLE_INFO.
        public var tableName: String?
        public var outputRows: Int64
        public var inputRows: Int64 = 0
        public var inputBytes: Int64 = 0
        public var outputBytes: Int64 = 0
        /// `spilled_block_local_disk` and `spilled_block_remote_disk`.
        public var spilledLocal: Int64 = 0
        public var spilledRemote: Int64 = 0

        public init(
            level: String, streamID: Int32, segmentID: Int32, stepID: Int32, stepName: String = "", tableID: Int? = nil, tableName: String? = nil,
            outputRows: Int64, childQuerySequence: Int32 = 1
        ) {
            self.level = level
            self.streamID = streamID
            self.segmentID = segmentID
            self.stepID = stepID
            self.stepName = stepName
            self.tableID = tableID
            self.tableName = tableName
            self.outputRows = outputRows
            self.childQuerySequence = childQuerySequence
        }

        /// One step of stream 0, segment 0 at each of the four levels, every level reporting the
        /// step's `rows`. The documented sample leaves `step_name` blank above the step level;
        /// `upperLevelsNameTheStep` repeats the step's name and table there too (the pages do not
        /// say what those columns hold), the case in which summing every level counts the rows
        /// four times.
        public static func levels(
            of stepName: String, step stepID: Int32 = 0, table tableID: Int?, rows: Int64, upperLevelsNameTheStep: Bool = false
        ) -> [DetailRow] {
            let name = upperLevelsNameTheStep ? stepName : ""
            let table = upperLevelsNameTheStep ? tableID : nil
            return [
                DetailRow(level: "child query", streamID: -1, segmentID: -1, stepID: -1, stepName: name, tableID: table, outputRows: rows),
                DetailRow(level: "stream", streamID: 0, segmentID: -1, stepID: -1, stepName: name, tableID: table, outputRows: rows),
                DetailRow(level: "segment", streamID: 0, segmentID: 0, stepID: -1, stepName: name, tableID: table, outputRows: rows),
                DetailRow(level: "step", streamID: 0, segmentID: 0, stepID: stepID, stepName: stepName, tableID: tableID, outputRows: rows),
            ]
        }
    }

    /// Rows of SYS_QUERY_DETAIL for one query, as given (its history row goes in with
    /// ``insert(_:)``, without `steps`).
    public func insertDetail(queryID: Int64, userID: Int32 = 100, _ rows: [DetailRow]) async throws {
        let connection = try await connect()
        defer { connection.close() }
        for row in rows {
            _ = try await connection.query(
                """
                INSERT INTO \(Self.schema).sys_query_detail
                    (user_id, query_id, child_query_sequence, stream_id, segment_id, step_id, step_name, table_id, table_name, output_rows,
                     metrics_level, input_rows, input_bytes, output_bytes, spilled_block_local_disk, spilled_block_remote_disk)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8::integer,
                        coalesce($9, (SELECT "table" FROM \(Self.schema).svv_table_info WHERE table_id::integer = $8::integer)), $10, $11,
                        $12, $13, $14, $15, $16)
                """,
                [String(userID), String(queryID), String(row.childQuerySequence), String(row.streamID), String(row.segmentID),
                 String(row.stepID), row.stepName, row.tableID.map(String.init), row.tableName, String(row.outputRows), row.level,
                 String(row.inputRows), String(row.inputBytes), String(row.outputBytes), String(row.spilledLocal), String(row.spilledRemote)])
        }
    }

    /// One action of a query monitoring rule, on an STL query id. `action` should be one of
    /// ``ruleActions``; `actionValue` is the new priority for `change_query_priority` and blank
    /// for the others.
    public func insertRuleAction(
        query: Int64, rule: String, action: String, at time: String, actionValue: String = "", userID: Int32 = 100, serviceClass: Int = 6
    ) async throws {
        let connection = try await connect()
        defer { connection.close() }
        _ = try await connection.query(
            """
            INSERT INTO \(Self.schema).stl_wlm_rule_action (userid, query, service_class, rule, action, recordtime, action_value)
            VALUES ($1, $2, $3, $4, $5, $6, $7)
            """,
            [String(userID), String(query), String(serviceClass), rule, action, time, actionValue])
    }

    /// Every documented rule action on `query` at `time`, one rule each (`<rule>_<n>`, n counting
    /// from 1 in ``ruleActions`` order), `change_query_priority` raising the priority to `high`.
    public func insertEveryRuleAction(query: Int64, at time: String, rule: String = "rule", userID: Int32 = 100) async throws {
        for (index, action) in Self.ruleActions.enumerated() {
            try await insertRuleAction(
                query: query, rule: "\(rule)_\(index + 1)", action: action, at: time,
                actionValue: action == "change_query_priority" ? "high" : "", userID: userID)
        }
    }

    /// One period of SYS_SERVERLESS_USAGE: RPU-seconds used (`computeSeconds`, the charge unless
    /// given) and charged from `start` to `end`. Redshift computes `charged_seconds` when a
    /// transaction ends: a minute can be stored with 0 and charged later (``chargeUsage(from:chargedSeconds:)``).
    public func insertUsage(from start: String, to end: String, chargedSeconds: Int, computeSeconds: Double? = nil) async throws {
        _ = try await postgres.execute(
            "INSERT INTO \(Self.schema).sys_serverless_usage (start_time, end_time, compute_seconds, compute_capacity, charged_seconds) "
                + "VALUES ('\(start)', '\(end)', \(computeSeconds ?? Double(chargedSeconds)), 8, \(chargedSeconds))",
            database: database)
    }

    /// Sets the charge of the period that starts at `start`, as Redshift does once the
    /// transactions that ran in it have ended.
    public func chargeUsage(from start: String, chargedSeconds: Int) async throws {
        _ = try await postgres.execute(
            "UPDATE \(Self.schema).sys_serverless_usage SET charged_seconds = \(chargedSeconds) WHERE start_time = '\(start)'",
            database: database)
    }

    /// One COPY as a cluster without SYS views records it: the lines each of two slices scanned in
    /// STL_LOAD_COMMITS at `end` (none when it scanned nothing), a row of STL_LOAD_ERRORS per
    /// rejected line a second before. `linesScanned` defaults to `rows`; STL_LOAD_COMMITS
    /// documents it as lines scanned, which can exceed the rows loaded (MAXERROR tolerates bad
    /// lines). With `table`, the `rows` actually inserted go in STL_INSERT too, over the same two
    /// slices. Its statement goes in STL_QUERY with ``insertSTL(_:)``.
    public func insertSTLLoad(
        queryID: Int64, end: String, rows: Int64, errors: Int, linesScanned: Int64? = nil, insertedInto table: Int? = nil,
        copyJobID: Int64 = 0, userID: Int32 = 100
    ) async throws {
        let lines = linesScanned ?? rows
        var statements: [String] = []
        if lines > 0 {
            for (slice, part) in [lines / 2, lines - lines / 2].enumerated() {
                statements.append(
                    "INSERT INTO \(Self.schema).stl_load_commits (userid, query, slice, filename, lines_scanned, curtime, status, copy_job_id) "
                        + "VALUES (\(userID), \(queryID), \(slice), 's3://bucket/part-\(slice)', \(part), '\(end)', 1, \(copyJobID))")
            }
        }
        if let table {
            for (slice, part) in [rows / 2, rows - rows / 2].enumerated() {
                statements.append(
                    "INSERT INTO \(Self.schema).stl_insert (userid, query, slice, rows, tbl) VALUES (\(userID), \(queryID), \(slice), \(part), \(table))")
            }
        }
        for line in 0..<errors {
            statements.append(
                "INSERT INTO \(Self.schema).stl_load_errors (userid, slice, tbl, starttime, query, line_number, err_code, err_reason, copy_job_id) "
                    + "VALUES (\(userID), 0, \(table ?? 1), '\(end)'::timestamp - interval '1 second', \(queryID), \(line + 1), 1214, "
                    + "'Delimiter not found', \(copyJobID))")
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

    /// The STL views of the fixture (schema.sql), and the SVL view over one of them.
    public static let stlViews = [
        "stl_query", "stl_querytext", "stl_wlm_query", "stl_scan", "stl_insert", "stl_delete", "stl_wlm_rule_action", "stl_load_commits",
        "stl_load_errors", "svl_query_metrics_summary",
    ]

    /// Makes this Amazon Redshift Serverless as a connection meets it: Serverless keeps no STL
    /// views (the Developer Guide), and reading one fails with SQLSTATE 42501 `permission denied
    /// for relation <view>` (as users report it; the Guide names no error), for a superuser too.
    /// Each STL view keeps its columns, so a statement fails when it runs, not when it is parsed;
    /// nothing can be stored in them afterwards.
    public func makeServerless() async throws {
        var statements: [String] = []
        for view in Self.stlViews {
            statements += [
                "ALTER TABLE \(Self.schema).\(view) RENAME TO \(view)_provisioned",
                """
                CREATE FUNCTION \(Self.schema).\(view)_on_serverless() RETURNS SETOF \(Self.schema).\(view)_provisioned LANGUAGE plpgsql AS $$
                BEGIN RAISE EXCEPTION 'permission denied for relation \(view)' USING ERRCODE = '42501'; END $$
                """,
                "CREATE VIEW \(Self.schema).\(view) AS SELECT * FROM \(Self.schema).\(view)_on_serverless()",
            ]
        }
        let connection = try await connect()
        defer { connection.close() }
        for statement in statements { _ = try await connection.query(statement) }
    }

    /// Stores queries in the SYS views (``insert(_:)``) or the STL tables (``insertSTL(_:)``).
    public func store(_ queries: Query..., in views: Views) async throws {
        for query in queries {
            if views == .sys { try await insert(query) } else { try await insertSTL(query) }
        }
    }

    /// The bytes of a query's text chunks as stored, in `sequence` order, with their `char`
    /// padding: `sys_query_text` (by `query_id`) or `stl_querytext` (by `query`).
    public func storedChunks(of queryID: Int64, in views: Views) async throws -> [[UInt8]] {
        let (view, id) = views == .sys ? ("sys_query_text", "query_id") : ("stl_querytext", "query")
        let connection = try await connect()
        defer { connection.close() }
        return try await connection.query(
            "SELECT encode(bpcharsend(text), 'hex') AS hex FROM \(Self.schema).\(view) WHERE \(id) = $1 ORDER BY sequence", [String(queryID)]
        ).rows.map { row in Self.bytes(hex: try row.string("hex")) }
    }

    /// A text's chunks as Redshift cuts it into character(`size`) rows: `size` bytes each, the
    /// last shorter, at least one, a chunk ending wherever the bytes do, inside a multibyte
    /// character too. With `wholeCharacters` (a UTF8 database, which cannot store half a
    /// character) a chunk ends instead before the character it would cut.
    static func chunks(_ bytes: [UInt8], _ size: Int, wholeCharacters: Bool) -> [[UInt8]] {
        var chunks: [[UInt8]] = []
        var start = 0
        repeat {
            var end = min(start + size, bytes.count)
            if wholeCharacters && end < bytes.count {
                while end > start + 1 && bytes[end] & 0xC0 == 0x80 { end -= 1 }
            }
            chunks.append(Array(bytes[start..<end]))
            start = end
        } while start < bytes.count
        return chunks
    }

    /// Redshift's stored form: backslashes doubled, newlines as `\n`.
    static func escaped(_ text: String) -> String {
        text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\n", with: "\\n")
    }

    /// SQL for a text parameter sent as hex, so a chunk can carry bytes a Swift String cannot
    /// (half a character) into a SQL_ASCII database; a UTF8 database checks them as UTF-8.
    private static func textFromHex(_ parameter: String) -> String {
        "convert_from(decode(\(parameter), 'hex'), current_setting('server_encoding'))"
    }

    private static func hex(_ bytes: [UInt8]) -> String {
        bytes.map { String(format: "%02x", $0) }.joined()
    }

    private static func bytes(hex: String) -> [UInt8] {
        let digits = Array(hex.utf8)
        return stride(from: 0, to: digits.count - 1, by: 2).map { UInt8(String(decoding: digits[$0...$0 + 1], as: UTF8.self), radix: 16)! }
    }

    /// Whether the database holds only whole characters (any encoding but SQL_ASCII).
    private static func wholeCharactersOnly(_ connection: Connection) async throws -> Bool {
        try await connection.query("SELECT current_setting('server_encoding') AS encoding").rows[0].string("encoding") != "SQL_ASCII"
    }

    private func insertChunks(
        _ chunks: [[UInt8]], into view: String, userColumn: String, idColumn: String, userID: Int32, id: Int64, _ connection: Connection
    ) async throws {
        for (sequence, chunk) in chunks.enumerated() {
            _ = try await connection.query(
                "INSERT INTO \(Self.schema).\(view) (\(userColumn), \(idColumn), sequence, text) VALUES ($1, $2, $3, \(Self.textFromHex("$4")))",
                [String(userID), String(id), String(sequence), Self.hex(chunk)])
        }
    }

    private func connect() async throws -> Connection {
        try await Connection.connect(ConnectionSettings(dsn: postgres.dsn(database: database), applicationName: "test_setup"))
    }

    /// One row of SVV_TABLE_INFO: sizes in 1 MB blocks, unsorted and stats_off in percent, in the
    /// database `dev` unless `inDatabase` says otherwise (the fixture's own name, where several
    /// databases are read: the view names the connected one).
    public func insertTable(
        id: Int? = nil, schema: String, table: String, megabytes: Int, rows: Int, visibleRows: Int?, unsorted: Double?, statsOff: Double,
        skew: Double?, inDatabase: String = "dev"
    ) async throws {
        let connection = try await connect()
        defer { connection.close() }
        _ = try await connection.query(
            """
            INSERT INTO \(Self.schema).svv_table_info
                (table_id, database, schema, "table", size, tbl_rows, estimated_visible_rows, unsorted, stats_off, skew_rows)
            VALUES ($9, $10, $1, $2, $3, $4, $5, $6, $7, $8)
            """,
            [schema, table, String(megabytes), String(rows), visibleRows.map(String.init), unsorted.map { "\($0)" }, "\(statsOff)",
             skew.map { "\($0)" }, id.map(String.init), inDatabase])
    }

    /// One COPY of SYS_LOAD_HISTORY; its statement goes in the query history with ``insert(_:)``.
    /// Redshift's `table_name` is the bare table name: pass `events`, not `raw.events`, to mirror it.
    public func insertLoad(
        queryID: Int64, table: String, end: String, rows: Int64, bytes: Int64, errors: Int64, status: String = "completed",
        userID: Int32 = 100, copyJobID: Int64 = 0
    ) async throws {
        let connection = try await connect()
        defer { connection.close() }
        _ = try await connection.query(
            """
            INSERT INTO \(Self.schema).sys_load_history
                (user_id, query_id, status, table_name, end_time, loaded_rows, loaded_bytes, error_count, copy_job_id)
            VALUES ($8, $1, $2, $3, $4::timestamp, $5, $6, $7, $9)
            """,
            [String(queryID), status, table, end, String(rows), String(bytes), String(errors), String(userID), String(copyJobID)])
    }

    /// COPYs into tables of one bare name in several schemas, as Redshift records them: each
    /// schema's table in SVV_TABLE_INFO (ids from `firstTableID`), each COPY's statement
    /// (`COPY <schema>.<table> FROM 's3://…'`, ids from `firstQueryID`) in SYS_QUERY_HISTORY, and
    /// each load in SYS_LOAD_HISTORY with the bare `table` only. The n-th schema's load (from 1)
    /// loads n × `rows` rows and n × `rows` × 100 bytes, so a sum tells the loads apart.
    public func insertSameNamedLoads(
        table: String, schemas: [String], firstQueryID: Int64, end: String, rows: Int64, firstTableID: Int = 900
    ) async throws {
        for (index, schema) in schemas.enumerated() {
            let n = Int64(index + 1)
            try await insertTable(
                id: firstTableID + index, schema: schema, table: table, megabytes: 1, rows: Int(n * rows), visibleRows: Int(n * rows),
                unsorted: 0, statsOff: 0, skew: 1)
            try await insert(Query(
                id: firstQueryID + Int64(index), end: end, elapsedMicroseconds: 1_000_000,
                text: "COPY \(schema).\(table) FROM 's3://bucket/\(schema)/\(table)/' IAM_ROLE 'arn:aws:iam::1:role/load' FORMAT JSON 'auto'",
                type: "COPY"))
            try await insertLoad(queryID: firstQueryID + Int64(index), table: table, end: end, rows: n * rows, bytes: n * rows * 100, errors: 0)
        }
    }
}
