@testable import Collectors
import Testing
import WarehouseClient

/// What the collector asks of a server's query_log, checked on the column lists of versions it
/// does not run against here.
@Suite("ClickHouse query_log columns")
struct ClickHouseQueryLogColumnsTests {
    /// system.query_log of ClickHouse 18.16 (Debian 12's package), as system.columns lists it.
    static let version18: Set<String> = [
        "type", "event_date", "event_time", "query_start_time", "query_duration_ms", "read_rows", "read_bytes", "written_rows",
        "written_bytes", "result_rows", "result_bytes", "memory_usage", "query", "exception", "stack_trace", "is_initial_query", "user",
        "query_id", "address", "port", "initial_user", "initial_query_id", "initial_address", "initial_port", "interface", "os_user",
        "client_hostname", "client_name", "client_revision", "client_version_major", "client_version_minor", "client_version_patch",
        "http_method", "http_user_agent", "quota_key", "revision", "thread_numbers", "ProfileEvents.Names", "ProfileEvents.Values",
        "Settings.Names", "Settings.Values",
    ]

    @Test func aServerTooOldIsRefusedNamingWhatItLacks() throws {
        let error = #expect(throws: WarehouseError.self) { try QueryLogColumns(names: Self.version18, serverVersion: "18.16.1") }
        #expect(error?.message.contains("event_time_microseconds, exception_code, current_database") == true, "\(error?.message ?? "")")
        #expect(error?.message.contains("ClickHouse 18.16.1") == true)
        #expect(error?.message.contains("20.10 or later") == true)
    }

    @Test func logCommentAndHostnameAreReadWhereTheyExist() throws {
        let version20 = Self.version18.union(["event_time_microseconds", "exception_code", "current_database"])
        let old = try #require(try QueryLogColumns(names: version20, serverVersion: "20.10"))
        #expect(!old.hasLogComment && old.host == "hostName()")
        let new = try #require(try QueryLogColumns(names: version20.union(["log_comment", "hostname"]), serverVersion: "26.9"))
        #expect(new.hasLogComment && new.host == "hostname")
        #expect(try QueryLogColumns(names: [], serverVersion: "26.9") == nil)
    }

    /// Spilled bytes are read from the ProfileEvents map; a server whose ProfileEvents are still
    /// two arrays (before 21.8) predates the event, and reports no spill rather than 0.
    @Test func spilledBytesComeFromTheProfileEventsMapOnly() throws {
        let version20 = Self.version18.union(["event_time_microseconds", "exception_code", "current_database"])
        let arrays = try #require(try QueryLogColumns(names: version20, serverVersion: "20.10"))
        #expect(arrays.spilledBytes == nil)
        #expect(arrays.pageSQL(after: .init(time: .init(microseconds: 1), id: 0), limit: 1, whole: true).contains("0 AS spilled_bytes"))
        let map = try #require(try QueryLogColumns(names: version20.subtracting(["ProfileEvents.Names", "ProfileEvents.Values"]).union(["ProfileEvents"]), serverVersion: "26.9"))
        #expect(map.spilledBytes == "ProfileEvents['ExternalProcessingCompressedBytesTotal']")
    }

    /// On a cluster every statement reads every replica's log, and the key's host tells their rows
    /// apart; a quote in the cluster's name stays inside its literal.
    @Test func aClusterIsReadOnEveryReplica() throws {
        let names = Self.version18.union(["event_time_microseconds", "exception_code", "current_database"])
        let columns = try #require(try QueryLogColumns(names: names, serverVersion: "20.10", cluster: "main's"))
        let page = columns.pageSQL(after: .init(time: .init(microseconds: 1_000_000), id: 0), limit: 10)
        let rows = columns.rowsSQL(ids: [1, 2], low: 1_000_000, high: 2_000_000)
        for sql in [page, rows] {
            #expect(sql.contains(#"FROM clusterAllReplicas('main\'s', system.query_log)"#), "\(sql)")
            #expect(sql.contains("cityHash64(hostName(), query_id"))
        }
        let local = try #require(try QueryLogColumns(names: names, serverVersion: "20.10"))
        #expect(local.pageSQL(after: .init(time: .init(microseconds: 1), id: 0), limit: 1).contains("FROM system.query_log\n"))
        #expect(ClickHouseActivityCollector.sql(comment: "''", cluster: "c").contains("FROM clusterAllReplicas('c', system.processes)"))
    }

    @Test func theClientsAppIsTheFirstProductOfItsUserAgentElseOfItsName() {
        #expect(ClickHouseAttribution.clientApp(userAgent: "grafana/11.2 clickhouse-datasource/4.0 clickhouse-go/2.48.0 (lv:go/1.22)", clientName: "") == "grafana")
        #expect(ClickHouseAttribution.clientApp(userAgent: "", clientName: "metabase/1.53.4 jdbc-v2/0.8.4") == "metabase")
        #expect(ClickHouseAttribution.clientApp(userAgent: "", clientName: "") == nil)
    }
}
