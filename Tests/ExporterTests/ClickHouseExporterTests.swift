import Collectors
import Exporter
import Foundation
import TestSupport
import Testing
import WarehouseClient

/// A `kind: clickhouse` warehouse in a running exporter, against ClickHouse's engine behind its
/// HTTP interface (TestClickHouse).
@Suite("ClickHouse warehouse in the exporter")
struct ClickHouseExporterTests {
    /// A configuration of one warehouse, `ch`, on `server`: with `intervals` and, in `extra`, more
    /// of the warehouse's keys, a line each.
    static func config(_ server: TestClickHouse, passwordFile: String, intervals: String = "health: 1s, query_log: 1s", extra: String = "") -> String {
        """
        state_file: \(server.directory)/state.json
        warehouses:
          - name: ch
            kind: clickhouse
            dsn: \(server.dsn())
            password_file: \(passwordFile)
            intervals: { \(intervals) }

        """ + extra.split(separator: "\n").map { "    " + $0 + "\n" }.joined()
    }

    @Test func isUpAndCountsTheTeamsQueriesButNotItsOwn() async throws {
        let server = try await TestClickHouse.start()
        let passwordFile = try #require(try server.settings().passwordFile)
        let config = try ConfigLoader.parse(Self.config(server, passwordFile: passwordFile), file: "test.yml")
        #expect(config.warehouses[0].collectors == ["tables", "activity", "query_log"])
        let exporter = try await RunningExporter.start(config)
        try await exporter.waitUntilReady()
        #expect(try await exporter.metrics().value("warehouse_up", ["warehouse": "ch"]) == 1)

        let team = try await server.connect()
        _ = try await team.query(#"/* {"app":"airflow","dag":"daily","task":"load"} */ SELECT 1"#)
        _ = try? await team.query(#"/* {"app":"airflow","dag":"daily","task":"load"} */ SELECT * FROM no_such_table"#)
        _ = try await team.query("SYSTEM FLUSH LOGS")
        let labels = ["warehouse": "ch", "database": "default", "app": "airflow", "user": "default", "dag": "daily", "task": "load", "query_type": "select"]
        let succeeded = try await exporter.waitFor("warehouse_query_duration_seconds_count", labels.merging(["status": "success"]) { $1 }, toBe: 1)
        #expect(succeeded == 1)
        let failed = try await exporter.waitFor("warehouse_query_duration_seconds_count", labels.merging(["status": "failed"]) { $1 }, toBe: 1)
        #expect(failed == 1)
        // Its own polling, every second, is in query_log too, and never counted.
        let text = try await exporter.metrics().body
        #expect(!text.contains(#"app="warehouse_exporter""#))
        try await exporter.stop()
    }

    @Test func aRefusedPasswordKeepsTheWarehouseDownAndSaysWhy() async throws {
        let server = try await TestClickHouse.start()
        let passwordFile = server.directory + "/wrong-password"
        try "not-the-password\n".write(toFile: passwordFile, atomically: true, encoding: .utf8)
        let config = try ConfigLoader.parse(Self.config(server, passwordFile: passwordFile), file: "test.yml")
        let exporter = try await RunningExporter.start(config)
        try await exporter.waitUntilReady()
        #expect(try await exporter.metrics().value("warehouse_up", ["warehouse": "ch"]) == 0)
        let page = try await exporter.get("/").body
        #expect(page.contains("Authentication failed"))
        #expect(page.contains("default@127.0.0.1:\(server.port)/default"))
        #expect(!page.contains("not-the-password"))
        try await exporter.stop()
    }

    @Test func configurationIsCheckedForTheKind() throws {
        func refusal(_ warehouse: String) -> String {
            do {
                _ = try ConfigLoader.parse("warehouses:\n  - name: ch\n    kind: clickhouse\n" + warehouse, file: "c.yml")
                return "accepted"
            } catch {
                return error.description
            }
        }
        #expect(refusal("    dsn: postgresql://h/db\n").contains("http(s)://user@host:port/database"))
        #expect(refusal("    dsn: http://u:pw@h/db\n    password_command: [vault, read]\n").contains("password in its dsn"))
        #expect(refusal("    dsn: http://u@h/db\n    query_history: {cost: {dollars_per_rpu_hour: 1}}\n").contains("cost"))
        #expect(refusal("    dsn: http://u@h/db\n    collectors: [statements]\n").contains("unknown collector \"statements\""))
        #expect(refusal("    dsn: http://u@h/db\n    tables: {databases: [other]}\n").contains("include_schemas matches database names"))
        #expect(refusal("    dsn: http://u@h/db\n    query_history: {cost: {node_type: ra3.4xlarge, nodes: 2}}\n").contains("node_type"))
        #expect(refusal("    dsn: http://u@h/db\n    query_history: {cost: {dollars_per_hour: 2.5}}\n") == "accepted")
        #expect(refusal("    dsn: http://u@h/db\n    cluster: main\n") == "accepted")
        #expect(try ConfigLoader.parse("warehouses:\n  - {name: ch, kind: clickhouse, dsn: http://u@h/db, cluster: main}\n", file: "c.yml")
            .warehouses[0].cluster == "main")
        #expect(refusal("    dsn: http://u@h/db\n    cluster: \"\"\n").contains("must name a cluster"))
        // Data checks name tables with their database, and sample only where the server can.
        #expect(refusal("    dsn: http://u@h/db\n    profiles: [{table: orders}]\n").contains("must be database.table on ClickHouse"))
        #expect(refusal("    dsn: http://u@h/db\n    profiles: [{table: shop.orders, sample_percent: 10}]\n").contains("sampling key"))
        #expect(refusal("    dsn: http://u@h/db\n    profiles: [{table: shop.orders, approximate_distinct: true}]\n") == "accepted")
        #expect(refusal("    dsn: http://u@h/db\n    checks: [{name: w, sql: \"INSERT INTO shop.t SELECT 1\"}]\n").contains("only reads"))
        #expect(refusal("    dsn: https://u@h:8443/db?ca_file=/etc/ssl/ch.pem\n    query_history: {overlap: 2m}\n") == "accepted")
    }
}
