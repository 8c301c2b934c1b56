import Foundation
import TestSupport
import Testing
import WarehouseClient

/// The Redshift-shaped fixture (fixtures/redshift/schema.sql) against the Developer Guide: each
/// view's columns, in order and with their types, as its page lists them, compared with the
/// fixture's catalog. A column missing, added, moved or retyped on either side fails here.
@Suite("Redshift fixture columns as documented")
struct RedshiftFixtureColumnsTests {
    /// One system view as its page documents it: column names and data types in the page's
    /// order and spelling.
    struct View: Sendable, CustomTestStringConvertible {
        var name: String
        var columns: [(name: String, type: String)]
        var testDescription: String { name }
    }

    // https://docs.aws.amazon.com/redshift/latest/dg/SYS_QUERY_HISTORY.html
    static let sysQueryHistory = View(name: "sys_query_history", columns: [
        ("user_id", "integer"), ("query_id", "bigint"), ("query_label", "character(320)"), ("transaction_id", "bigint"),
        ("session_id", "integer"), ("database_name", "character(128)"), ("query_type", "character(32)"), ("status", "character(10)"),
        ("result_cache_hit", "Boolean"), ("start_time", "timestamp"), ("end_time", "timestamp"), ("elapsed_time", "bigint"),
        ("queue_time", "bigint"), ("execution_time", "bigint"), ("error_message", "character(512)"), ("returned_rows", "bigint"),
        ("returned_bytes", "bigint"), ("query_text", "character(4000)"), ("redshift_version", "character(256)"),
        ("usage_limit", "character(150)"), ("compute_type", "varchar(32)"), ("compile_time", "bigint"), ("planning_time", "bigint"),
        ("lock_wait_time", "bigint"), ("service_class_id", "integer"), ("service_class_name", "character(64)"),
        ("query_priority", "character(20)"), ("short_query_accelerated", "character(10)"), ("user_query_hash", "character(40)"),
        ("generic_query_hash", "character(40)"), ("query_hash_version", "integer"), ("result_cache_query_id", "integer"),
        ("username", "character(128)"),
    ])

    // https://docs.aws.amazon.com/redshift/latest/dg/SYS_QUERY_TEXT.html
    static let sysQueryText = View(name: "sys_query_text", columns: [
        ("user_id", "integer"), ("query_id", "bigint"), ("transaction_id", "bigint"), ("session_id", "integer"),
        ("start_time", "timestamp"), ("sequence", "integer"), ("text", "character (4000)"),
    ])

    // https://docs.aws.amazon.com/redshift/latest/dg/SYS_QUERY_DETAIL.html
    static let sysQueryDetail = View(name: "sys_query_detail", columns: [
        ("user_id", "integer"), ("query_id", "bigint"), ("child_query_sequence", "integer"), ("stream_id", "integer"),
        ("segment_id", "integer"), ("step_id", "integer"), ("step_name", "text"), ("table_id", "integer"),
        ("table_name", "character(136)"), ("is_rrscan", "character"), ("start_time", "timestamp"), ("end_time", "timestamp"),
        ("duration", "bigint"), ("alert", "text"), ("input_bytes", "bigint"), ("input_rows", "bigint"), ("output_bytes", "bigint"),
        ("output_rows", "bigint"), ("blocks_read", "bigint"), ("blocks_write", "bigint"), ("local_read_IO", "bigint"),
        ("remote_read_IO", "bigint"), ("source", "text"), ("data_skewness", "integer"), ("time_skewness", "integer"),
        ("is_active", "character"), ("spilled_block_local_disk", "bigint"), ("spilled_block_remote_disk", "bigint"),
        ("step_attribute", "character(64)"), ("metrics_level", "character(64)"), ("plan_parent_id", "integer"),
        ("plan_node_id", "integer"),
    ])

    // https://docs.aws.amazon.com/redshift/latest/dg/SYS_LOAD_HISTORY.html
    static let sysLoadHistory = View(name: "sys_load_history", columns: [
        ("user_id", "integer"), ("query_id", "bigint"), ("transaction_id", "bigint"), ("session_id", "integer"),
        ("database_name", "text"), ("status", "text"), ("table_name", "text"), ("start_time", "timestamp"), ("end_time", "timestamp"),
        ("duration", "bigint"), ("data_source", "text"), ("file_format", "text"), ("loaded_rows", "bigint"), ("loaded_bytes", "bigint"),
        ("source_file_count", "integer"), ("source_file_bytes", "bigint"), ("file_count_scanned", "integer"),
        ("file_bytes_scanned", "bigint"), ("error_count", "bigint"), ("copy_job_id", "bigint"),
    ])

    // https://docs.aws.amazon.com/redshift/latest/dg/SYS_SERVERLESS_USAGE.html
    static let sysServerlessUsage = View(name: "sys_serverless_usage", columns: [
        ("start_time", "timestamp"), ("end_time", "timestamp"), ("compute_seconds", "double precision"),
        ("compute_capacity", "double precision"), ("data_storage", "integer"), ("cross_region_transferred_data", "integer"),
        ("charged_seconds", "integer"),
    ])

    // https://docs.aws.amazon.com/redshift/latest/dg/r_SVV_TABLE_INFO.html
    static let svvTableInfo = View(name: "svv_table_info", columns: [
        ("database", "text"), ("schema", "text"), ("table_id", "oid"), ("table", "text"), ("encoded", "text"), ("diststyle", "text"),
        ("sortkey1", "text"), ("max_varchar", "integer"), ("sortkey1_enc", "character(32)"), ("sortkey_num", "integer"),
        ("size", "bigint"), ("pct_used", "numeric(10,4)"), ("empty", "bigint"), ("unsorted", "numeric(5,2)"),
        ("stats_off", "numeric(5,2)"), ("tbl_rows", "numeric(38,0)"), ("skew_sortkey1", "numeric(19,2)"),
        ("skew_rows", "numeric(19,2)"), ("estimated_visible_rows", "numeric(38,0)"), ("risk_event", "text"),
        ("vacuum_sort_benefit", "numeric(12,2)"), ("create_time", "timestamp without time zone"),
    ])

    // https://docs.aws.amazon.com/redshift/latest/dg/r_SVV_REDSHIFT_COLUMNS.html
    static let svvRedshiftColumns = View(name: "svv_redshift_columns", columns: [
        ("database_name", "varchar(128)"), ("schema_name", "varchar(128)"), ("table_name", "varchar(128)"),
        ("column_name", "varchar(128)"), ("ordinal_position", "integer"), ("data_type", "varchar(32)"),
        ("column_default", "varchar(4000)"), ("is_nullable", "varchar(3)"), ("encoding", "varchar(128)"), ("distkey", "boolean"),
        ("sortkey", "integer"), ("column_acl", "varchar(128)"), ("remarks", "varchar(256)"),
    ])

    // https://docs.aws.amazon.com/redshift/latest/dg/r_SVV_REDSHIFT_DATABASES.html
    static let svvRedshiftDatabases = View(name: "svv_redshift_databases", columns: [
        ("database_name", "varchar(128)"), ("database_owner", "integer"), ("database_type", "varchar(32)"),
        ("database_acl", "varchar(128)"), ("database_options", "varchar(128)"), ("database_isolation_level", "varchar(128)"),
    ])

    // https://docs.aws.amazon.com/redshift/latest/dg/r_STL_QUERY.html
    static let stlQuery = View(name: "stl_query", columns: [
        ("userid", "integer"), ("query", "integer"), ("label", "character(320)"), ("xid", "bigint"), ("pid", "integer"),
        ("database", "character(32)"), ("querytxt", "character(4000)"), ("starttime", "timestamp"), ("endtime", "timestamp"),
        ("aborted", "integer"), ("insert_pristine", "integer"), ("concurrency_scaling_status", "integer"),
    ])

    // https://docs.aws.amazon.com/redshift/latest/dg/r_STL_QUERYTEXT.html
    static let stlQuerytext = View(name: "stl_querytext", columns: [
        ("userid", "integer"), ("xid", "bigint"), ("pid", "integer"), ("query", "integer"), ("sequence", "integer"),
        ("text", "character(200)"),
    ])

    // https://docs.aws.amazon.com/redshift/latest/dg/r_STL_WLM_QUERY.html
    static let stlWlmQuery = View(name: "stl_wlm_query", columns: [
        ("userid", "integer"), ("xid", "integer"), ("task", "integer"), ("query", "integer"), ("service_class", "integer"),
        ("slot_count", "integer"), ("service_class_start_time", "timestamp"), ("queue_start_time", "timestamp"),
        ("queue_end_time", "timestamp"), ("total_queue_time", "bigint"), ("exec_start_time", "timestamp"),
        ("exec_end_time", "timestamp"), ("total_exec_time", "bigint"), ("service_class_end_time", "timestamp"),
        ("final_state", "character(16)"), ("est_peak_mem", "bigint"), ("query_priority", "char(20)"),
        ("service_class_name", "character(64)"),
    ])

    // https://docs.aws.amazon.com/redshift/latest/dg/r_STL_SCAN.html
    static let stlScan = View(name: "stl_scan", columns: [
        ("userid", "integer"), ("query", "integer"), ("slice", "integer"), ("segment", "integer"), ("step", "integer"),
        ("starttime", "timestamp"), ("endtime", "timestamp"), ("tasknum", "integer"), ("rows", "bigint"), ("bytes", "bigint"),
        ("fetches", "bigint"), ("type", "integer"), ("tbl", "integer"), ("is_rrscan", "character(1)"),
        ("is_delayed_scan", "character(1)"), ("rows_pre_filter", "bigint"), ("rows_pre_user_filter", "bigint"),
        ("perm_table_name", "character(136)"), ("is_rlf_scan", "character(1)"), ("is_rlf_scan_reason", "integer"),
        ("num_em_blocks", "integer"), ("checksum", "bigint"), ("runtime_filtering", "character(1)"), ("scan_region", "integer"),
        ("num_sortkey_as_predicate", "integer"), ("row_fetcher_state", "integer"), ("consumed_scan_ranges", "bigint"),
        ("work_stealing_reason", "bigint"), ("is_vectorized_scan", "character(1)"), ("is_vectorized_scan_reason", "integer"),
        ("row_fetcher_reason", "bigint"), ("topology_signature", "bigint"), ("use_tpm_partition", "character(1)"),
        ("is_rrscan_expr", "character(1)"), ("scanned_mega_value", "character(1)"),
    ])

    // https://docs.aws.amazon.com/redshift/latest/dg/r_STL_INSERT.html
    static let stlInsert = View(name: "stl_insert", columns: [
        ("userid", "integer"), ("query", "integer"), ("slice", "integer"), ("segment", "integer"), ("step", "integer"),
        ("starttime", "timestamp"), ("endtime", "timestamp"), ("tasknum", "integer"), ("rows", "bigint"), ("tbl", "integer"),
        ("inserted_mega_value", "character(1)"),
    ])

    // https://docs.aws.amazon.com/redshift/latest/dg/r_STL_DELETE.html
    static let stlDelete = View(name: "stl_delete", columns: [
        ("userid", "integer"), ("query", "integer"), ("slice", "integer"), ("segment", "integer"), ("step", "integer"),
        ("starttime", "timestamp"), ("endtime", "timestamp"), ("tasknum", "integer"), ("rows", "bigint"), ("tbl", "integer"),
    ])

    // https://docs.aws.amazon.com/redshift/latest/dg/r_STL_WLM_RULE_ACTION.html
    static let stlWlmRuleAction = View(name: "stl_wlm_rule_action", columns: [
        ("userid", "integer"), ("query", "integer"), ("service_class", "integer"), ("rule", "character(256)"),
        ("action", "character(256)"), ("recordtime", "timestamp"), ("action_value", "character(256)"),
        ("service_class_name", "character(64)"),
    ])

    // https://docs.aws.amazon.com/redshift/latest/dg/r_STL_LOAD_COMMITS.html
    static let stlLoadCommits = View(name: "stl_load_commits", columns: [
        ("userid", "integer"), ("query", "integer"), ("slice", "integer"), ("name", "character(256)"), ("filename", "character(256)"),
        ("byte_offset", "integer"), ("lines_scanned", "integer"), ("errors", "integer"), ("curtime", "timestamp"), ("status", "integer"),
        ("file_format", "character(16)"), ("is_partial", "integer"), ("start_offset", "bigint"), ("copy_job_id", "bigint"),
    ])

    // https://docs.aws.amazon.com/redshift/latest/dg/r_STL_LOAD_ERRORS.html
    static let stlLoadErrors = View(name: "stl_load_errors", columns: [
        ("userid", "integer"), ("slice", "integer"), ("tbl", "integer"), ("starttime", "timestamp"), ("session", "integer"),
        ("query", "integer"), ("filename", "character(256)"), ("line_number", "bigint"), ("colname", "character(127)"),
        ("type", "character(10)"), ("col_length", "character(10)"), ("position", "integer"), ("raw_line", "character(1024)"),
        ("raw_field_value", "char(1024)"), ("err_code", "integer"), ("err_reason", "character(100)"), ("is_partial", "integer"),
        ("start_offset", "bigint"), ("copy_job_id", "bigint"),
    ])

    // https://docs.aws.amazon.com/redshift/latest/dg/r_SVL_QUERY_METRICS_SUMMARY.html
    static let svlQueryMetricsSummary = View(name: "svl_query_metrics_summary", columns: [
        ("userid", "integer"), ("query", "integer"), ("service_class", "integer"), ("query_cpu_time", "bigint"),
        ("query_blocks_read", "bigint"), ("query_execution_time", "bigint"), ("query_cpu_usage_percent", "numeric(38,2)"),
        ("query_temp_blocks_to_disk", "bigint"), ("segment_execution_time", "bigint"), ("cpu_skew", "numeric(38,2)"),
        ("io_skew", "numeric(38,2)"), ("scan_row_count", "bigint"), ("join_row_count", "bigint"), ("nested_loop_join_row_count", "bigint"),
        ("return_row_count", "bigint"), ("spectrum_scan_row_count", "bigint"), ("spectrum_scan_size_mb", "bigint"),
        ("query_queue_time", "bigint"),
    ])

    static let views = [
        sysQueryHistory, sysQueryText, sysQueryDetail, sysLoadHistory, sysServerlessUsage, svvTableInfo, svvRedshiftColumns, svvRedshiftDatabases,
        stlQuery, stlQuerytext, stlWlmQuery, stlScan, stlInsert, stlDelete, stlWlmRuleAction, stlLoadCommits, stlLoadErrors, svlQueryMetricsSummary,
    ]

    /// Tables of the fixture that mirror no page of the Developer Guide: PostgreSQL's pg_user,
    /// shadowed with the two columns the exporter reads (schema.sql says why).
    static let undocumented: Set<String> = ["pg_user"]

    /// A documented type in the catalog's spelling. Redshift's names for the same type: CHAR
    /// without a length is CHAR(1) (r_Character_types.html), CHAR is CHARACTER, VARCHAR is
    /// CHARACTER VARYING, BOOL is BOOLEAN, TIMESTAMP is TIMESTAMP WITHOUT TIME ZONE.
    static func canonical(_ documented: String) -> String {
        var type = documented.lowercased().replacingOccurrences(of: " (", with: "(")
        if type == "character" || type == "char" { type = "character(1)" }
        if type.hasPrefix("char(") { type = "character" + type.dropFirst("char".count) }
        if type.hasPrefix("varchar(") { type = "character varying" + type.dropFirst("varchar".count) }
        if type == "bool" { type = "boolean" }
        if type == "timestamp without time zone" { type = "timestamp" }
        return type
    }

    /// The fixture's columns per table, from information_schema in ordinal order, types spelled
    /// as ``canonical(_:)`` spells them. Loaded once for every test of the suite.
    static let catalog = Task<[String: [String]], any Error> {
        let postgres = try TestPostgres.shared()
        let fixture = try await RedshiftFixture(postgres: postgres, database: try await postgres.createDatabase(prefix: "rscolumns"))
        let connection = try await Connection.connect(ConnectionSettings(dsn: postgres.dsn(database: fixture.database)))
        defer { connection.close() }
        let rows = try await connection.query(
            """
            SELECT table_name::text AS view, column_name::text AS name,
                   CASE data_type
                       WHEN 'character' THEN 'character(' || character_maximum_length || ')'
                       WHEN 'character varying' THEN 'character varying(' || character_maximum_length || ')'
                       WHEN 'numeric' THEN 'numeric(' || numeric_precision || ',' || numeric_scale || ')'
                       WHEN 'timestamp without time zone' THEN 'timestamp'
                       ELSE data_type::text
                   END AS type
            FROM information_schema.columns
            WHERE table_schema = $1
            ORDER BY table_name, ordinal_position
            """, [RedshiftFixture.schema]).rows
        var columns: [String: [String]] = [:]
        for row in rows {
            columns[try row.string("view"), default: []].append("\(try row.string("name")) \(try row.string("type"))")
        }
        return columns
    }

    @Test("the fixture's columns are the page's, in order and type", arguments: views)
    func columnsAsDocumented(_ view: View) async throws {
        let fixture = try await Self.catalog.value[view.name] ?? []
        let documented = view.columns.map { "\($0.name.lowercased()) \(Self.canonical($0.type))" }
        #expect(fixture == documented, "\(view.name): missing \(documented.filter { !fixture.contains($0) }), not documented \(fixture.filter { !documented.contains($0) })")
    }

    @Test func everyFixtureTableHasItsPage() async throws {
        let tables = Set(try await Self.catalog.value.keys)
        #expect(tables == Set(Self.views.map(\.name)).union(Self.undocumented))
    }

    @Test func documentedSpellingsMapToTheCatalogs() {
        #expect(Self.canonical("Boolean") == "boolean")
        #expect(Self.canonical("character") == "character(1)")
        #expect(Self.canonical("char(20)") == "character(20)")
        #expect(Self.canonical("character (4000)") == "character(4000)")
        #expect(Self.canonical("varchar(32)") == "character varying(32)")
        #expect(Self.canonical("timestamp without time zone") == "timestamp")
        #expect(Self.canonical("numeric(38,0)") == "numeric(38,0)")
    }
}

/// The fixture's helpers store what issue 18 asks the fixture to show, the way the pages
/// describe it; the files the demo and the benchmarks load, load.
@Suite("Redshift fixture helpers")
struct RedshiftFixtureHelperTests {
    static func value(_ fixture: RedshiftFixture, _ sql: String) async throws -> String? {
        let connection = try await Connection.connect(ConnectionSettings(dsn: fixture.dsn))
        defer { connection.close() }
        return try await connection.query(sql).rows.first?.text("value")
    }

    @Test func schemaAndWorkloadLoadAsTheDemoAndBenchmarksLoadThem() async throws {
        let postgres = try TestPostgres.shared()
        let fixture = try await RedshiftFixture(postgres: postgres, database: try await postgres.createDatabase(prefix: "rsload"))
        let workload = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../../fixtures/redshift/workload.sql").standardized.path
        try postgres.psql(file: workload, database: fixture.database, variables: ["queries": "400", "days": "1"])
        // The demo adds 50 queries every few seconds to the same database.
        try postgres.psql(file: workload, database: fixture.database, variables: ["queries": "50", "days": "0.000115741", "first_id": "100000"])
        #expect(try await Self.value(fixture, "SELECT count(*) AS value FROM sys_query_history WHERE username IS NOT NULL") == "450")
        #expect(try await Self.value(fixture, "SELECT string_agg(DISTINCT trim(metrics_level), ',') AS value FROM sys_query_detail") == "step")
        #expect(try await Self.value(fixture, "SELECT count(*) AS value FROM sys_load_history WHERE table_name LIKE '%.%'") == "0")
        #expect(try await Self.value(fixture, "SELECT usename::text AS value FROM pg_user WHERE usesysid = 1") == "rdsdb")
    }

    /// A text whose multibyte characters straddle every 200-byte and 4000-byte boundary past the
    /// first 198 bytes, with an annotation at its end.
    static let multibyte = "SELECT '" + String(repeating: "a", count: 190) + String(repeating: "€", count: 1400) + #"' /* {"app":"airflow"} */"#

    @Test(arguments: RedshiftFixture.Views.allCases)
    func longMultibyteTextIsCutAtBytesInAByteExactDatabase(_ views: RedshiftFixture.Views) async throws {
        let fixture = try await RedshiftFixture.byteExact(postgres: try TestPostgres.shared())
        try await fixture.store(RedshiftFixture.Query(id: 7, end: "2026-11-21 10:00:00", elapsedMicroseconds: 1, text: Self.multibyte), in: views)
        let size = views == .sys ? 4000 : 200
        let chunks = try await fixture.storedChunks(of: 7, in: views)
        let bytes = Array(Self.multibyte.utf8)
        #expect(chunks.count == (bytes.count + size - 1) / size)
        #expect(chunks.allSatisfy { $0.count == size }, "character(\(size)) is \(size) bytes, padding included")
        #expect(String(validating: chunks[0], as: UTF8.self) == nil, "the first chunk ends inside a character")
        var joined = Array(chunks.joined())
        while joined.last == 0x20 { joined.removeLast() }
        #expect(joined == bytes)
    }

    @Test(arguments: RedshiftFixture.Views.allCases)
    func longMultibyteTextKeepsWholeCharactersInAUTF8Database(_ views: RedshiftFixture.Views) async throws {
        let postgres = try TestPostgres.shared()
        let fixture = try await RedshiftFixture(postgres: postgres, database: try await postgres.createDatabase(prefix: "rsutf8"))
        try await fixture.store(RedshiftFixture.Query(id: 7, end: "2026-11-21 10:00:00", elapsedMicroseconds: 1, text: Self.multibyte), in: views)
        let size = views == .sys ? 4000 : 200
        let texts = try await fixture.storedChunks(of: 7, in: views).map { chunk in
            var bytes = chunk
            while bytes.last == 0x20 { bytes.removeLast() }
            return bytes
        }
        #expect(texts.allSatisfy { $0.count <= size && String(validating: $0, as: UTF8.self) != nil })
        // 198 ASCII bytes, then 3-byte characters: the one the boundary would cut starts the next chunk.
        #expect(texts[0].count == 198 + (size - 198) / 3 * 3)
        #expect(texts[0].count < size)
        #expect(Array(texts.joined()) == Array(Self.multibyte.utf8))
    }

    @Test func runningRowsNullDurationsAndInternalQueries() async throws {
        let postgres = try TestPostgres.shared()
        let fixture = try await RedshiftFixture(postgres: postgres, database: try await postgres.createDatabase(prefix: "rsrows"))
        try await fixture.insertRunning(id: 1, started: "2026-11-21 10:00:00.000000", text: "SELECT 1")
        try await fixture.insert(
            RedshiftFixture.Query(id: 2, end: "2026-11-21 10:00:01", elapsedMicroseconds: 5, text: "SELECT 2", nullTimings: [.queue, .execution]),
            RedshiftFixture.Query.systemGenerated(id: 3, end: "2026-11-21 10:00:02"))
        try await fixture.insertSTL(RedshiftFixture.Query.systemGenerated(id: 3, end: "2026-11-21 10:00:02"))
        #expect(try await Self.value(fixture, "SELECT (end_time - start_time)::text || ' ' || trim(status) AS value FROM sys_query_history WHERE query_id = 1")
            == "00:00:00.061321 running")
        #expect(try await Self.value(fixture, "SELECT count(*) AS value FROM sys_query_history WHERE queue_time IS NULL AND execution_time IS NULL") == "1")
        #expect(try await Self.value(fixture, "SELECT trim(username) AS value FROM sys_query_history WHERE user_id = 1") == "rdsdb")
        #expect(try await Self.value(fixture, "SELECT count(*) AS value FROM stl_query WHERE userid = 1") == "1")
    }

    @Test func serverlessRefusesEverySTLViewWithPermissionDenied() async throws {
        let postgres = try TestPostgres.shared()
        let fixture = try await RedshiftFixture(postgres: postgres, database: try await postgres.createDatabase(prefix: "rsserverless"))
        try await fixture.makeServerless()
        let connection = try await Connection.connect(ConnectionSettings(dsn: fixture.dsn))
        defer { connection.close() }
        for view in RedshiftFixture.stlViews {
            await #expect(throws: WarehouseError.self) { _ = try await connection.query("SELECT count(*) FROM \(view)") }
            do {
                _ = try await connection.query("SELECT userid FROM \(view) LIMIT 1")
            } catch let error as WarehouseError {
                #expect(error.sqlState == "42501" && error.message.contains("permission denied for relation \(view)"), "\(error)")
            }
        }
        #expect(try await connection.query("SELECT count(*) AS n FROM sys_query_history").rows[0].string("n") == "0")
    }

    @Test func metricsLevelsRuleActionsLateChargesAndSameNamedLoads() async throws {
        let postgres = try TestPostgres.shared()
        let fixture = try await RedshiftFixture(postgres: postgres, database: try await postgres.createDatabase(prefix: "rsmisc"))
        try await fixture.insertTable(id: 5, schema: "marts", table: "daily", megabytes: 1, rows: 1, visibleRows: 1, unsorted: 0, statsOff: 0, skew: 1)
        try await fixture.insertDetail(queryID: 9, RedshiftFixture.DetailRow.levels(of: "insert", table: 5, rows: 10, upperLevelsNameTheStep: true))
        #expect(try await Self.value(fixture, "SELECT string_agg(trim(metrics_level), ',' ORDER BY metrics_level) AS value FROM sys_query_detail")
            == "child query,segment,step,stream")
        #expect(try await Self.value(fixture, "SELECT sum(output_rows) AS value FROM sys_query_detail WHERE trim(metrics_level) = 'step'") == "10")

        try await fixture.insertEveryRuleAction(query: 9, at: "2026-11-21 10:00:00")
        #expect(try await Self.value(fixture, "SELECT string_agg(trim(action) || '=' || trim(action_value), ',' ORDER BY rule) AS value FROM stl_wlm_rule_action")
            == "log=,hop(reassign)=,hop(restart)=,abort=,change_query_priority=high,none=")

        try await fixture.insertUsage(from: "2026-11-21 10:00:00", to: "2026-11-21 10:01:00", chargedSeconds: 0, computeSeconds: 60)
        #expect(try await Self.value(fixture, "SELECT charged_seconds::text AS value FROM sys_serverless_usage") == "0")
        try await fixture.chargeUsage(from: "2026-11-21 10:00:00", chargedSeconds: 480)
        #expect(try await Self.value(fixture, "SELECT charged_seconds::text AS value FROM sys_serverless_usage") == "480")

        try await fixture.insertSameNamedLoads(table: "events", schemas: ["raw", "staging"], firstQueryID: 20, end: "2026-11-21 10:00:00", rows: 5)
        #expect(try await Self.value(fixture, "SELECT string_agg(table_name || ':' || loaded_rows, ',' ORDER BY query_id) AS value FROM sys_load_history")
            == "events:5,events:10")
        #expect(try await Self.value(fixture, "SELECT count(*) AS value FROM svv_table_info WHERE \"table\" = 'events'") == "2")

        try await fixture.insertSTLLoad(queryID: 30, end: "2026-11-21 10:00:00", rows: 7, errors: 3, linesScanned: 10, insertedInto: 5, copyJobID: 4)
        #expect(try await Self.value(fixture, "SELECT sum(lines_scanned) || '/' || max(copy_job_id) AS value FROM stl_load_commits") == "10/4")
        #expect(try await Self.value(fixture, "SELECT sum(rows) AS value FROM stl_insert WHERE query = 30") == "7")
    }
}
