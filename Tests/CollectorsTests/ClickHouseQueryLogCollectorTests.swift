@testable import Collectors
import Foundation
import Logging
import QueryMetrics
import SQLText
import TestSupport
import Testing
import WarehouseClient

/// The ClickHouse query_log collector against ClickHouse's engine behind its HTTP interface
/// (TestClickHouse), whose system.query_log is the ground truth.
@Suite("ClickHouse query_log collector")
struct ClickHouseQueryLogCollectorTests {
    /// One exporter process: its recorder, its collector, and the state file it shares with the
    /// process before it.
    struct Exporter {
        let recorder = QueryRecorder()
        let collector: ClickHouseQueryLogCollector

        init(statePath: String, pageSize: Int) throws {
            collector = ClickHouseQueryLogCollector(
                options: .init(window: HistoryWindow(overlap: .seconds(600), pageSize: pageSize), dollarsPerHour: ClickHouseQueryLogCollectorTests.dollarsPerHour),
                warehouse: "ch", recorder: recorder,
                // Slices of 200 ms: most pages of the workload are read in slices that end before
                // now, and grow and shrink as they go.
                rules: AnnotationRules(), state: try StateStore(path: statePath), firstSlice: .milliseconds(200))
        }

        var exposition: String {
            var buffer: [UInt8] = []
            recorder.emit(into: &buffer)
            return String(decoding: buffer, as: UTF8.self)
        }
    }

    /// A data team's statements, as their tools write them, with failures of every kind a server
    /// reports, a killed statement and a slow one; each with the settings it is sent with and the
    /// deadline its client gives it.
    static func workload(_ count: Int) -> [(sql: String, settings: [String: String], timeout: Duration?)] {
        (0..<count).map { index in
            let airflow = #"/* {"app":"airflow","dag":"daily_sales","task":"load_\#(index % 3)"} */"#
            let dbt = #"/* {"app": "dbt", "dbt_version": "1.8.7", "node_id": "model.shop.orders_daily"} */"#
            switch index % 10 {
            case 0, 1: return ("\(airflow)\nINSERT INTO shop.orders SELECT number + \(index * 10), 'item\\t\(index)' FROM numbers(10)", [:], nil)
            // A table whose name has capitals, filled from another: the server's names are kept.
            case 2: return ("\(airflow)\nINSERT INTO shop.OrdersDaily SELECT id, item FROM shop.orders WHERE id % 7 = \(index % 7)", [:], nil)
            case 3: return ("\(dbt)\nSELECT count() FROM shop.orders WHERE id > \(index)", [:], nil)
            case 4: return (#"-- Looker Query Context '{"user_id":181,"history_slug":"9f3c","instance_slug":"abc"}'"# + "\nSELECT item, count() FROM shop.orders GROUP BY item ORDER BY 2 DESC LIMIT 5", [:], nil)
            case 5: return ("-- Metabase:: userID: 7 queryType: native queryHash: 5e1d\nSELECT max(id) FROM shop.orders", [:], nil)
            case 6: return ("SELECT sum(id) FROM shop.orders", ["log_comment": #"{"app":"airflow","dag":"hourly_events","task":"aggregate"}"#], nil)
            case 7: return ("SELECT \(index), 'plain ad hoc'", [:], nil)
            case 8 where index % 20 == 8: return ("\(airflow)\nSELECT throwIf(number = 3) FROM numbers(10)", [:], nil)
            case 8: return ("\(dbt)\nSELECT * FROM shop.missing_\(index)", [:], nil)
            default:
                switch index / 10 % 6 {
                case 0: return ("SELECT groupArray(number) FROM numbers(5000000)", ["max_memory_usage": "2000000"], nil)
                case 1: return ("SELECT count() FROM system.numbers WHERE number != \(index)", ["max_execution_time": "0.3"], nil)
                case 2: return ("SELECT count() FROM system.numbers WHERE number > \(index)", [:], .milliseconds(500))
                case 3: return ("\(dbt)\nSELECT sleep(1.2)", [:], nil)
                // An aggregation told to spill to disk at once.
                case 4: return ("\(dbt)\nSELECT count() FROM (SELECT number % 100000 AS k, count() FROM numbers(1000000) GROUP BY k)",
                                ["max_bytes_before_external_group_by": "1"], nil)
                default: return ("\(dbt)\nSELECT count() FROM shop.orders", [:], nil)
                }
            }
        }
    }

    static let dollarsPerHour = 36.0

    /// What a query_log row is known to be by how the workload wrote it: app, dag and task.
    static func expected(query: String, comment: String, clientName: String) -> (app: String, dag: String, task: String) {
        if comment.contains("hourly_events") { return ("airflow", "hourly_events", "aggregate") }
        if query.hasPrefix(#"/* {"app":"airflow""#), let task = query.firstRange(of: "load_") {
            return ("airflow", "daily_sales", String(query[task.lowerBound...].prefix(6)))
        }
        if query.hasPrefix(#"/* {"app": "dbt""#) { return ("dbt", "", "") }
        if query.hasPrefix("-- Looker Query Context") { return ("looker", "", "") }
        if query.hasPrefix("-- Metabase::") { return ("metabase", "", "") }
        // Anything else (the kills' own statements among them) is the client's: chdb names itself.
        return (clientName.split(separator: " ").first.map(String.init) ?? "unknown", "", "")
    }

    /// Sums of `metric`'s samples by the values of `labels`, joined by "|".
    /// The resource counters and the `query_log` column each adds up.
    static let resourceColumns: [(metric: String, column: String)] = [
        ("warehouse_query_read_rows_total", "read_rows"), ("warehouse_query_read_bytes_total", "read_bytes"),
        ("warehouse_query_written_rows_total", "written_rows"), ("warehouse_query_written_bytes_total", "written_bytes"),
        ("warehouse_query_spilled_bytes_total", "spilled"),
    ]

    static func sums(_ text: String, _ metric: String, by labels: [String]) -> [String: Double] {
        var sums: [String: Double] = [:]
        for line in text.split(separator: "\n") where line.hasPrefix(metric + "{") {
            let key = labels.map { label in
                line.firstRange(of: "\(label)=\"").map { String(line[$0.upperBound...].prefix { $0 != "\"" }) } ?? ""
            }.joined(separator: "|")
            sums[key, default: 0] += Double(line.split(separator: " ").last!) ?? .nan
        }
        return sums
    }

    /// A few hundred statements, counted while query_log is being flushed (every 7.5 s, so most
    /// polls see part of what ran), with a restart from the state file halfway: what /metrics
    /// says equals what system.query_log holds, query by query.
    @Test func countsEveryFinishedQueryOnceAsQueryLogHoldsItAcrossFlushesAndARestart() async throws {
        let server = try await TestClickHouse.start()
        let exporterConnection = try await ClickHouseConnection.connect(try server.settings(marker: OwnStatements.annotation))
        let team = try await server.connect()
        let context = ClickHouseContext(connection: exporterConnection, warehouse: "ch", queryTimeout: .seconds(30), logger: Logger(label: "test"))
        _ = try await team.query("CREATE DATABASE shop")
        _ = try await team.query("CREATE TABLE shop.orders (id UInt64, item String) ENGINE = MergeTree ORDER BY id")
        _ = try await team.query("CREATE TABLE shop.OrdersDaily (id UInt64, item String) ENGINE = MergeTree ORDER BY id")
        let statePath = server.directory + "/state.json"

        var exporter = try Exporter(statePath: statePath, pageSize: 40)
        try await exporter.collector.collect(context)  // where counting starts: the setup is history
        var expositions: [String] = []
        let start = try await team.query("SELECT toUnixTimestamp64Micro(now64(6)) AS now").rows[0].int64("now")

        let statements = Self.workload(300)
        for (index, statement) in statements.enumerated() {
            _ = try? await team.query(statement.sql, settings: statement.settings, timeout: statement.timeout)
            if index % 25 == 24 { try await exporter.collector.collect(context) }
            if index == 149 {
                // A restart: a new process, with what the last one saved.
                expositions.append(exporter.exposition)
                exporter = try Exporter(statePath: statePath, pageSize: 40)
            }
        }
        // A killed statement's row is written once it has stopped; then everything is flushed. These
        // statements are the exporter's own, as are the ground truth's below: counted by neither.
        var running = 1
        while running > 0 {
            running = try await exporterConnection.query("SELECT count() AS n FROM system.processes WHERE query LIKE '%system.numbers WHERE number%' AND query NOT LIKE '%processes%'").rows[0].int64("n") == 0 ? 0 : 1
            if running > 0 { try await Task.sleep(for: .milliseconds(100)) }
        }
        _ = try await exporterConnection.query("SYSTEM FLUSH LOGS")
        try await exporter.collector.collect(context)
        try await exporter.collector.collect(context)  // nothing new
        expositions.append(exporter.exposition)

        let truth = try await exporterConnection.query(
            """
            SELECT query, log_comment, client_name, exception_code, query_duration_ms, query_kind, written_rows,
                   read_rows, read_bytes, written_bytes, memory_usage,
                   has(tables, 'shop.orders') AS reads_orders, has(tables, 'shop.OrdersDaily') AS fills_daily,
                   ProfileEvents['OSCPUVirtualTimeMicroseconds'] AS cpu, ProfileEvents['ExternalProcessingCompressedBytesTotal'] AS spilled
            FROM system.query_log
            WHERE toInt8(type) IN (2, 3, 4) AND is_initial_query = 1 AND toUnixTimestamp64Micro(event_time_microseconds) >= \(start)
              AND NOT startsWith(query, '\(OwnStatements.annotation)')
            """)
        var expectedCounts: [String: Double] = [:]
        var expectedTasks: [String: Double] = [:]
        var expectedSeconds = 0.0
        var statuses: Set<String> = []
        var expectedRowsWritten: [String: Double] = [:]
        var expectedReads: [String: Double] = [:]
        var expectedDollars = 0.0
        // What each app's queries read, wrote and held, whatever their ending.
        var expectedResources: [String: Double] = [:]
        for row in truth.rows {
            expectedDollars += Double(try row.int64("cpu")) / 1_000_000 * Self.dollarsPerHour / 3600
            if try row.int64("exception_code") == 0 {
                let insert = try row.string("query_kind") == "Insert"
                let readsOrders = try row.int64("reads_orders") == 1
                let target = try row.int64("fills_daily") == 1 ? "shop|OrdersDaily" : readsOrders ? "shop|orders" : nil
                if insert, let target { expectedRowsWritten[target, default: 0] += Double(try row.int64("written_rows")) }
                // An INSERT into orders touches orders alone and reads nothing of it.
                if readsOrders && !(insert && target == "shop|orders") { expectedReads["shop|orders", default: 0] += 1 }
            }
            let (app, dag, task) = Self.expected(query: try row.string("query"), comment: try row.string("log_comment"), clientName: try row.string("client_name"))
            let code = try row.int64("exception_code")
            let status = code == 0 ? "success" : code == 394 ? "aborted" : "failed"
            statuses.insert("\(status):\(code)")
            expectedCounts["\(app)|\(status)", default: 0] += 1
            for (metric, column) in Self.resourceColumns {
                expectedResources["\(app)|\(metric)", default: 0] += Double(try row.int64(column))
            }
            let memory = Double(try row.int64("memory_usage"))
            if memory > 0 {
                expectedResources["\(app)|warehouse_query_peak_memory_bytes_count", default: 0] += 1
                expectedResources["\(app)|warehouse_query_peak_memory_bytes_sum", default: 0] += memory
            }
            if !dag.isEmpty { expectedTasks["\(dag)|\(task)", default: 0] += 1 }
            expectedSeconds += Double(try row.int64("query_duration_ms")) / 1000
        }
        var counts: [String: Double] = [:]
        var tasks: [String: Double] = [:]
        var seconds = 0.0
        var rowsWritten: [String: Double] = [:]
        var reads: [String: Double] = [:]
        var dollars = 0.0
        var resources: [String: Double] = [:]
        for text in expositions {
            for metric in Self.resourceColumns.map(\.metric) + ["warehouse_query_peak_memory_bytes_count", "warehouse_query_peak_memory_bytes_sum"] {
                for (app, value) in Self.sums(text, metric, by: ["app"]) { resources["\(app)|\(metric)", default: 0] += value }
            }
            rowsWritten.merge(Self.sums(text, "warehouse_table_rows_written_total", by: ["schema", "table"]), uniquingKeysWith: +)
            reads.merge(Self.sums(text, "warehouse_table_reads_total", by: ["schema", "table"]), uniquingKeysWith: +)
            dollars += Self.sums(text, "warehouse_query_cost_dollars_total", by: ["warehouse"])["ch"] ?? 0
            counts.merge(Self.sums(text, "warehouse_query_duration_seconds_count", by: ["app", "status"]), uniquingKeysWith: +)
            tasks.merge(Self.sums(text, "warehouse_query_duration_seconds_count", by: ["dag", "task"]).filter { $0.key != "|" }, uniquingKeysWith: +)
            seconds += Self.sums(text, "warehouse_query_duration_seconds_sum", by: ["warehouse"])["ch"] ?? 0
        }
        #expect(truth.count > 300)
        for app in ["airflow", "dbt", "looker", "metabase", "chDB"] {
            #expect(counts.keys.contains { $0.hasPrefix(app + "|") }, "\(counts)")
        }
        #expect(counts == expectedCounts)
        #expect(tasks == expectedTasks)
        #expect(abs(seconds - expectedSeconds) < 1e-6)
        // Tables as the server resolved them: rows each INSERT wrote, and the statements that read.
        #expect(expectedRowsWritten.count == 2 && expectedReads.count == 1, "\(expectedRowsWritten) \(expectedReads)")
        #expect(rowsWritten == expectedRowsWritten)
        #expect(reads == expectedReads)
        #expect(expectedDollars > 0 && abs(dollars - expectedDollars) < 1e-9, "\(dollars) vs \(expectedDollars)")
        #expect(expectedResources["airflow|warehouse_query_read_rows_total", default: 0] > 0, "\(expectedResources)")
        #expect(expectedResources["airflow|warehouse_query_written_bytes_total", default: 0] > 0, "\(expectedResources)")
        #expect(expectedResources["looker|warehouse_query_peak_memory_bytes_count", default: 0] > 0, "\(expectedResources)")
        #expect(expectedResources["dbt|warehouse_query_spilled_bytes_total", default: 0] > 0, "\(expectedResources)")
        // A series at 0 (an app that wrote nothing, whose every query failed before it ran) is no difference.
        #expect(resources.filter { $0.value != 0 } == expectedResources.filter { $0.value != 0 })
        // Every kind of ending the workload meant to cause is among them.
        for ending in ["failed:395", "failed:60", "failed:241", "failed:159", "aborted:394"] {
            #expect(statuses.contains(ending), "\(statuses)")
        }
    }

    /// The exporter's connection to `server`, which has `copy.query_log`: a table of query_log's
    /// columns for the test to write rows into, as a server would write them.
    static func copyOfQueryLog(_ server: TestClickHouse) async throws -> ClickHouseConnection {
        let connection = try await ClickHouseConnection.connect(try server.settings(marker: OwnStatements.annotation))
        for statement in [
            "SELECT 1", "SYSTEM FLUSH LOGS", "CREATE DATABASE copy",
            "CREATE TABLE copy.query_log AS system.query_log ENGINE = MergeTree ORDER BY (event_date, event_time)",
        ] {
            _ = try await connection.query(statement)
        }
        return connection
    }

    /// What one first poll of `copy.query_log`, looking back a minute, exposes.
    static func firstPoll(ofCopy connection: ClickHouseConnection) async throws -> String {
        let recorder = QueryRecorder()
        let collector = ClickHouseQueryLogCollector(
            options: .init(window: HistoryWindow(lookback: .seconds(60)), source: "copy.query_log"), warehouse: "ch", recorder: recorder,
            rules: AnnotationRules(), state: try StateStore(path: nil))
        try await collector.collect(ClickHouseContext(connection: connection, warehouse: "ch", queryTimeout: .seconds(30), logger: Logger(label: "test")))
        var buffer: [UInt8] = []
        recorder.emit(into: &buffer)
        return String(decoding: buffer, as: UTF8.self)
    }

    /// A backlog read in time slices, from a copy of query_log whose end times the test sets: a
    /// burst of rows at the very end of the first slice, larger than a page, and rows every 250 ms
    /// after it, with ids either side of zero. Each is counted once, and a second poll, which reads
    /// the overlap window again, counts none.
    @Test func aBacklogReadInSlicesCountsEveryRowOnceWhereverItFalls() async throws {
        let server = try await TestClickHouse.start()
        let connection = try await Self.copyOfQueryLog(server)
        // Whole seconds an hour ago; the first slice, from just before it, ends exactly at t0 + 1 s.
        let t0 = (Int64(Date().timeIntervalSince1970) - 3600) * 1_000_000
        let offsets = "arrayConcat([0, 250000, 500000, 750000], arrayWithConstant(12, 1000000), arrayMap(i -> 1000000 + i * 250000, range(1, 121)))"
        _ = try await connection.query(
            """
            INSERT INTO copy.query_log (hostname, type, event_date, event_time, event_time_microseconds, query_duration_ms, query,
                                        is_initial_query, user, query_id, exception_code, current_database)
            SELECT 'h', 'QueryFinish', toDate(at), toDateTime(at), at, 1, 'SELECT 1', 1, 'team', toString(rowNumberInAllBlocks()), 0, 'default'
            FROM (SELECT fromUnixTimestamp64Micro(toInt64(\(t0) + arrayJoin(\(offsets)))) AS at)
            """)
        let expected = 4 + 12 + 120
        let ids = try await connection.query(
            "SELECT countIf(cityHash64(hostname, query_id, toInt8(type), event_time_microseconds) >= 9223372036854775808) AS negative FROM copy.query_log")
        #expect(try ids.rows[0].int64("negative") > 0)

        let state = try StateStore(path: server.directory + "/state.json")
        _ = try state.save(QueryHistoryCursor(startingAt: RedshiftTimestamp(microseconds: t0 - 1)), key: "ch/query_log")
        let recorder = QueryRecorder()
        let collector = ClickHouseQueryLogCollector(
            options: .init(window: HistoryWindow(overlap: .seconds(3600), pageSize: 5), source: "copy.query_log"), warehouse: "ch",
            recorder: recorder, rules: AnnotationRules(), state: state, firstSlice: .microseconds(1_000_001))
        let context = ClickHouseContext(connection: connection, warehouse: "ch", queryTimeout: .seconds(30), logger: Logger(label: "test"))
        func counted() -> Double {
            var buffer: [UInt8] = []
            recorder.emit(into: &buffer)
            return Self.sums(String(decoding: buffer, as: UTF8.self), "warehouse_query_duration_seconds_count", by: ["warehouse"])["ch"] ?? 0
        }
        try await collector.collect(context)
        #expect(counted() == Double(expected))
        try await collector.collect(context)
        #expect(counted() == Double(expected))
    }

    /// Statements of one server shape are analysed once, but each keeps its own annotations, and
    /// tables the server's hash does not tell apart (names with three digits or more become `?`)
    /// keep their own edges and rows: the shape is the hash over the tables the row names.
    @Test func statementsOfOneShapeKeepTheirOwnAnnotationsAndTables() async throws {
        let server = try await TestClickHouse.start()
        let connection = try await Self.copyOfQueryLog(server)
        let rows = [
            (#"/* {"app":"airflow","dag":"a"} */ INSERT INTO shop.t_123 SELECT * FROM shop.src WHERE id > 1"#, "shop.t_123", 5),
            (#"/* {"app":"airflow","dag":"b"} */ INSERT INTO shop.t_456 SELECT * FROM shop.src WHERE id > 2"#, "shop.t_456", 7),
            (#"/* {"app":"airflow","dag":"b"} */ INSERT INTO shop.t_456 SELECT * FROM shop.src WHERE id > 3"#, "shop.t_456", 11),
        ]
        let values = rows.enumerated().map { index, row in
            """
            ('h', 'QueryFinish', today(), now(), now64(6) - toIntervalMillisecond(\(10 * (index + 1))), 1, '\(row.0)', 1, 'team',
             'q\(index)', 0, 'shop', ['shop.src', '\(row.1)'], 'Insert', \(row.2), normalizedQueryHash('\(row.0)'))
            """
        }
        _ = try await connection.query(
            """
            INSERT INTO copy.query_log (hostname, type, event_date, event_time, event_time_microseconds, query_duration_ms, query,
                                        is_initial_query, user, query_id, exception_code, current_database, tables, query_kind,
                                        written_rows, normalized_query_hash)
            VALUES \(values.joined(separator: ", "))
            """)
        // The premise: the server hashes all three alike.
        let hashes = try await connection.query("SELECT uniqExact(normalized_query_hash) AS shapes FROM copy.query_log")
        #expect(try hashes.rows[0].int64("shapes") == 1)

        let text = try await Self.firstPoll(ofCopy: connection)
        #expect(Self.sums(text, "warehouse_query_duration_seconds_count", by: ["dag"]) == ["a": 1, "b": 2])
        #expect(Self.sums(text, "warehouse_table_rows_written_total", by: ["table"]) == ["t_123": 5, "t_456": 18])
        #expect(Self.sums(text, "warehouse_table_reads_total", by: ["table"]) == ["src": 3])
        #expect(Self.sums(text, "warehouse_table_writes_total", by: ["table", "app"]) == ["t_123|airflow": 1, "t_456|airflow": 2])
    }

    /// The exporter's own statements are those with its annotation run by its user: another user
    /// that copies the annotation is counted, and so is the exporter's user without it. chdb runs
    /// everything as one user, so the rows are written into a copy of query_log as a server with
    /// users would write them.
    @Test func aForgedAnnotationIsCountedAndOnlyTheExportersOwnStatementsAreLeftOut() async throws {
        let server = try await TestClickHouse.start()
        let connection = try await Self.copyOfQueryLog(server)
        let marker = OwnStatements.annotation
        // (user, text): the exporter logs in as `default`.
        let rows = [
            ("analyst", "\(marker)\nSELECT count() FROM shop.orders"),
            ("default", "\(marker)\nSELECT name FROM system.columns"),
            ("default", "SELECT 42"),
            ("analyst", "SELECT 43"),
        ]
        let values = rows.enumerated().map { index, row in
            "('h', 'QueryFinish', today(), now(), now64(6) - toIntervalMillisecond(\(10 * (index + 1))), 1, '\(row.1)', 1, '\(row.0)', 'q\(index)', 0, 'default')"
        }
        _ = try await connection.query(
            """
            INSERT INTO copy.query_log (hostname, type, event_date, event_time, event_time_microseconds, query_duration_ms, query,
                                        is_initial_query, user, query_id, exception_code, current_database)
            VALUES \(values.joined(separator: ", "))
            """)
        let counts = Self.sums(try await Self.firstPoll(ofCopy: connection), "warehouse_query_duration_seconds_count", by: ["app", "user"])
        // No client name in these rows: the app is the annotation's, else unknown.
        #expect(counts == ["warehouse_exporter|analyst": 1, "unknown|default": 1, "unknown|analyst": 1], "\(counts)")
    }

    /// Before its first flush a server has no query_log: nothing to read yet, and no failure;
    /// what runs from then on is counted once the table appears.
    @Test func aServerWithoutQueryLogYetIsReadOnceItHasOne() async throws {
        let server = try await TestClickHouse.start()
        let connection = try await ClickHouseConnection.connect(try server.settings(marker: OwnStatements.annotation))
        let context = ClickHouseContext(connection: connection, warehouse: "ch", queryTimeout: .seconds(30), logger: Logger(label: "test"))
        let exporter = try Exporter(statePath: server.directory + "/state.json", pageSize: 100)
        try await exporter.collector.collect(context)
        #expect(exporter.collector.lagSeconds == 0)

        let team = try await server.connect()
        _ = try await team.query(#"/* {"app":"airflow","dag":"d","task":"t"} */ SELECT 1"#)
        _ = try await connection.query("SYSTEM FLUSH LOGS")
        try await exporter.collector.collect(context)
        let counts = Self.sums(exporter.exposition, "warehouse_query_duration_seconds_count", by: ["app", "dag", "task", "status"])
        #expect(counts["airflow|d|t|success"] == 1, "\(counts)")
    }
}
