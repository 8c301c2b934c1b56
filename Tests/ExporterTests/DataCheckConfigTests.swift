import Collectors
import Exporter
import SQLText
import Testing

@Suite("Data checks are validated when the configuration loads")
struct DataCheckConfigTests {
    @Test func readsProfilesFreshnessAndEveryKindOfCheck() throws {
        let config = try ConfigLoader.parse(
            """
            warehouses:
              - name: reporting
                kind: postgres
                dsn: "dbname=analytics"
                profiles:
                  - { table: shop.orders, columns: [amount, status], interval: 2h, timeout: 10m, sample_percent: 5 }
                  - { table: customers, types: [numeric, string] }
                freshness:
                  - { table: shop.events, column: created_at, objective: 2h, interval: 1m }
                  - { table: shop.orders, objective: 1d }
                checks:
                  - name: orders_by_status
                    sql: |
                      SELECT status, count(*) AS orders -- per status
                      FROM shop.orders GROUP BY status;
                    labels: [status]
                    interval: 10m
                    timeout: 30s
                    max_rows: 50
                  - name: orders_copied
                    row_count_match: { source: "SELECT id FROM staging.orders", target: "SELECT id FROM shop.orders", max_difference: 10 }
                  - name: orders_customers
                    join_fanout: { left: shop.orders, right: shop.customers, on: "r.id = l.customer_id" }
                  - name: customer_emails
                    null_ratio: { table: shop.customers, column: email, max_ratio: 0.01, where: "created_at > now() - interval '1 day'" }
              - name: analytics
                kind: redshift
                dsn: "dbname=dev"
                profiles: [{ table: public.sales, approximate_distinct: true }]
            """, file: "exporter.yml")
        let reporting = config.warehouses[0]
        #expect(reporting.collectors == ["tables", "activity", "data_checks"])
        let checks = reporting.dataChecks
        #expect(checks.profiles.map(\.table.description) == ["shop.orders", "public.customers"])
        #expect(checks.profiles[0].columns == ["amount", "status"])
        #expect(checks.profiles[0].interval == .seconds(7200) && checks.profiles[0].timeout == .seconds(600))
        #expect(checks.profiles[0].samplePercent == 5)
        #expect(checks.profiles[1].kinds == [.numeric, .string])
        #expect(checks.freshness[0].column == "created_at" && checks.freshness[0].objective == .seconds(7200))
        #expect(checks.freshness[1].column == nil && checks.freshness[1].objective == .seconds(86400))
        #expect(checks.checks.map(\.name) == ["orders_by_status", "orders_copied", "orders_customers", "customer_emails"])
        #expect(checks.checks[0].interval == .seconds(600) && checks.checks[0].timeout == .seconds(30) && checks.checks[0].maxRows == 50)
        guard case .query(_, let labels) = checks.checks[0].kind else { Issue.record("not a query check"); return }
        #expect(labels == ["status"])
        guard case .rowCountMatch(_, _, let difference) = checks.checks[1].kind, difference == 10 else { Issue.record("max_difference"); return }
        guard case .joinFanout(let left, _, _, let fanout) = checks.checks[2].kind, left.description == "shop.orders", fanout == 1 else {
            Issue.record("join_fanout"); return
        }
        guard case .nullRatio(_, "email", .some, 0.01) = checks.checks[3].kind else { Issue.record("null_ratio"); return }
        #expect(config.warehouses[1].dataChecks.profiles[0].approximateDistinct)
        #expect(config.warehouses[1].collectors.contains("data_checks"))
    }

    /// The message of loading a warehouse with `section` (YAML lines under the warehouse).
    private func failure(_ section: String, kind: String = "postgres", collectors: String? = nil) -> String {
        let yaml = "warehouses:\n  - name: w\n    kind: \(kind)\n    dsn: x\n" + (collectors.map { "    collectors: \($0)\n" } ?? "") + section
        do {
            _ = try ConfigLoader.parse(yaml, file: "c.yml")
            return "no error"
        } catch {
            return error.description
        }
    }

    @Test(arguments: [
        // Names: each names the check and what is wrong with it.
        ("    checks:\n      - { name: a, sql: SELECT 1 AS n }\n      - { name: a, sql: SELECT 2 AS n }\n",
         ["c.yml:7:", #"check name "a" is used twice"#]),
        ("    checks:\n      - { name: 1st, sql: SELECT 1 AS n }\n", [#"check name "1st" must be letters"#]),
        ("    checks:\n      - { name: a, sql: SELECT 1 AS n, labels: [status, status] }\n", [#"check "a": label "status" is listed twice"#]),
        ("    checks:\n      - { name: a, sql: SELECT 1 AS n, labels: [warehouse] }\n", [#"check "a": label "warehouse" is set by the exporter"#]),
        ("    checks:\n      - { name: a, sql: SELECT 1 AS n, labels: [\"bad-label\"] }\n", [#"check "a": label "bad-label" is not a valid label name"#]),
        // Kinds and types.
        ("    checks:\n      - { name: a }\n", [#"check "a" needs exactly one of: sql, row_count_match, join_fanout, null_ratio"#]),
        ("    checks:\n      - { name: a, sql: SELECT 1 AS n, null_ratio: { table: t, column: c, max_ratio: 0.1 } }\n",
         [#"check "a" needs exactly one of"#, "it has sql and null_ratio"]),
        ("    checks:\n      - { name: a, null_ratio: { table: t, column: c, max_ratio: 2 } }\n", [#""max_ratio" must be a number from 0.0 to 1.0"#]),
        ("    checks:\n      - { name: a, null_ratio: { table: t, column: c, max_ratio: 0.1, filter: x } }\n",
         [#"unknown key "filter" in null_ratio of check "a""#]),
        ("    checks:\n      - { name: a, join_fanout: { left: t, right: u, on: l.id = r.id, max_fanout: 0.5 } }\n", [#""max_fanout" must be a number from 1.0"#]),
        ("    checks:\n      - { name: a, sql: SELECT 1 AS n, interval: soon }\n", [#""interval" must be a duration"#]),
        ("    checks:\n      - { name: a, row_count_match: { source: SELECT 1 } }\n", [#"missing key "target""#]),
        ("    checks:\n      - { name: a, sql: SELECT 1 AS n, labels: [x], row_count_match: { source: SELECT 1, target: SELECT 1 } }\n",
         [#"check "a" needs exactly one of"#]),
        // SQL that writes, or breaks out of where it is put.
        ("    checks:\n      - { name: a, sql: DELETE FROM shop.orders }\n", [#"check "a": the query must be a query that only reads"#, "delete"]),
        ("    checks:\n      - { name: a, sql: \"WITH x AS (SELECT 1) INSERT INTO t SELECT * FROM x\" }\n", [#"check "a""#, "insert"]),
        ("    checks:\n      - { name: a, sql: \"SELECT 1 AS n; DROP TABLE t\" }\n", [#"check "a": the query must be one statement"#]),
        ("    checks:\n      - { name: a, sql: \"SELECT 'x AS n\" }\n", [#"check "a": the query has an unterminated string"#]),
        ("    checks:\n      - { name: a, row_count_match: { source: \"SELECT 1;\", target: SELECT 1 } }\n", [#"check "a": the query must not contain ';'"#]),
        ("    checks:\n      - { name: a, join_fanout: { left: t, right: u, on: \"l.id = r.id) UNION (SELECT 1\" } }\n",
         [#"check "a": "on" has a ')' without its '('"#]),
        ("    checks:\n      - { name: a, null_ratio: { table: t, column: c, max_ratio: 0.1, where: \"true; DROP TABLE t\" } }\n",
         [#"check "a": "where" must not contain ';'"#]),
        // Profiles and freshness.
        ("    profiles:\n      - { table: a.b.c }\n", [#""table" must be schema.table"#]),
        ("    profiles:\n      - { table: t, columns: [a], types: [numeric] }\n", ["profile of public.t: give columns or types, not both"]),
        ("    profiles:\n      - { table: t, types: [numbers] }\n", [#"profile of public.t: unknown type "numbers""#, "numeric, string, timestamp, date, boolean"]),
        ("    profiles:\n      - { table: t }\n      - { table: public.t }\n", ["table public.t is profiled twice"]),
        ("    profiles:\n      - { table: t, sample_percent: 10 }\n", ["Redshift has no TABLESAMPLE"]),
        ("    profiles:\n      - { table: t, approximate_distinct: true }\n", ["on PostgreSQL use sample_percent"]),
        ("    profiles:\n      - { table: t, sample_percent: 150 }\n", [#""sample_percent" must be a percentage above 0 and at most 100"#]),
        ("    freshness:\n      - { table: t }\n", ["freshness of public.t: give a timestamp column, an objective, or both"]),
        ("    freshness:\n      - { table: t, objectiv: 1h }\n", [#"unknown key "objectiv""#, #"did you mean "objective""#]),
    ])
    func mistakesNameTheCheckAndTheProblem(section: String, words: [String]) {
        let kind = section.contains("sample_percent: 10 ") ? "redshift" : "postgres"
        let message = failure(section, kind: kind)
        for word in words { #expect(message.contains(word), "\(message)") }
    }

    @Test func theCollectorFollowsTheSections() {
        // Listed collectors without data_checks would drop the checks without a word.
        #expect(failure("    checks:\n      - { name: a, sql: SELECT 1 AS n }\n", collectors: "[tables]")
            .contains("add data_checks to its collectors"))
        #expect(failure("", collectors: "[tables, data_checks]").contains("data_checks of warehouse \"w\" has nothing to run"))
        #expect(failure("    checks:\n      - { name: a, sql: SELECT 1 AS n }\n", collectors: "[tables, data_checks]") == "no error")
    }
}
