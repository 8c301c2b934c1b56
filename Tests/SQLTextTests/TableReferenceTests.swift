import SQLText
import Testing

@Suite struct TableReferenceTests {
    let analyzer = SQLAnalyzer()

    struct Example: CustomTestStringConvertible, Sendable {
        let sql: String
        let read: [String]
        let written: [String]
        var testDescription: String { sql }
    }

    static let examples: [Example] = [
        Example(sql: "SELECT * FROM a JOIN s.b ON a.id = b.id LEFT JOIN \"Mixed\".\"Case\" c USING (id)", read: ["a", "s.b", "Mixed.Case"], written: []),
        Example(sql: "SELECT * FROM a x, b AS y, c WHERE x.id = y.id", read: ["a", "b", "c"], written: []),
        Example(sql: "INSERT INTO analytics.orders (id, total) SELECT id, total FROM staging.orders", read: ["staging.orders"], written: ["analytics.orders"]),
        Example(sql: "UPDATE t SET a = u.a FROM u WHERE t.id = u.id", read: ["u"], written: ["t"]),
        Example(sql: "DELETE FROM t USING u WHERE t.id = u.id", read: ["u"], written: ["t"]),
        Example(sql: "DELETE events WHERE ts < now()", read: [], written: ["events"]),
        Example(sql: "MERGE INTO target t USING source s ON t.id = s.id WHEN MATCHED THEN UPDATE SET v = s.v WHEN NOT MATCHED THEN INSERT VALUES (s.id)", read: ["source"], written: ["target"]),
        Example(sql: "COPY sales FROM 's3://bucket/sales' IAM_ROLE 'arn:aws:iam::1:role/r' FORMAT AS CSV", read: [], written: ["sales"]),
        Example(sql: "COPY sales (a, b) FROM STDIN", read: [], written: ["sales"]),
        Example(sql: "COPY sales TO '/tmp/sales.csv'", read: ["sales"], written: []),
        Example(sql: "COPY (SELECT * FROM sales WHERE y = 2024) TO STDOUT", read: ["sales"], written: []),
        Example(sql: "CREATE TEMP TABLE IF NOT EXISTS tmp_orders AS SELECT * FROM orders", read: ["orders"], written: ["tmp_orders"]),
        Example(sql: "SELECT a, b INTO new_table FROM old_table", read: ["old_table"], written: ["new_table"]),
        Example(sql: "TRUNCATE TABLE a, s.b", read: [], written: ["a", "s.b"]),
        Example(sql: "ALTER TABLE target APPEND FROM staging", read: ["staging"], written: ["target"]),
        Example(sql: "UNLOAD ('SELECT * FROM sales WHERE region = ''EU''') TO 's3://bucket/unload/' IAM_ROLE 'arn'", read: ["sales"], written: []),
        Example(sql: "WITH recent AS (SELECT * FROM orders WHERE ts > now() - interval '1 day'), top AS (SELECT * FROM recent) SELECT * FROM top JOIN customers USING (cid)", read: ["orders", "customers"], written: []),
        Example(sql: "WITH RECURSIVE tree(id, parent) AS (SELECT id, parent FROM nodes UNION ALL SELECT n.id, n.parent FROM nodes n JOIN tree ON n.parent = tree.id) SELECT * FROM tree", read: ["nodes"], written: []),
        Example(sql: "SELECT extract(epoch FROM created_at), substring(name FROM 1 FOR 3), trim(both ' ' FROM x) FROM events", read: ["events"], written: []),
        Example(sql: "SELECT * FROM generate_series(1, 10) g, unnest(array[1]) u, t", read: ["t"], written: []),
        Example(sql: "SELECT * FROM a WHERE a.x IS DISTINCT FROM a.y AND id IN (SELECT id FROM b)", read: ["a", "b"], written: []),
        Example(sql: "SELECT * FROM ONLY parent FOR UPDATE OF parent", read: ["parent"], written: []),
        Example(sql: "INSERT INTO t VALUES (1) ON CONFLICT (id) DO UPDATE SET v = excluded.v", read: [], written: ["t"]),
        Example(sql: "SELECT * FROM (SELECT * FROM inner_t) sub JOIN LATERAL (SELECT * FROM lat WHERE lat.id = sub.id) l ON true", read: ["inner_t", "lat"], written: []),
        Example(sql: "INSERT INTO a SELECT * FROM b; DELETE FROM c; SELECT * FROM d", read: ["b", "d"], written: ["a", "c"]),
        Example(sql: "CREATE VIEW v AS SELECT * FROM base", read: ["base"], written: []),
        Example(sql: "INSERT INTO t SELECT * FROM t", read: ["t"], written: ["t"]),
        Example(sql: "SELECT * FROM db.schema.tbl", read: ["schema.tbl"], written: []),
        Example(sql: "CREATE OR REPLACE FUNCTION f() RETURNS void AS $$ INSERT INTO hidden SELECT 1 $$ LANGUAGE sql", read: [], written: []),
    ]

    @Test(arguments: examples)
    func tablesReadAndWritten(_ example: Example) {
        let tables = analyzer.analyze(example.sql).tables
        #expect(tables.read.map(\.description) == example.read)
        #expect(tables.written.map(\.description) == example.written)
    }

    @Test func quotedNamesKeepTheirCaseAndUnquotedAreFolded() {
        let tables = analyzer.analyze("SELECT * FROM Public.Orders JOIN \"public\".\"Orders\" o2 ON true JOIN \"we\"\"ird\" w ON true").tables
        #expect(tables.read == [
            TableName(schema: "public", name: "orders"),
            TableName(schema: "public", name: "Orders"),
            TableName(name: "we\"ird"),
        ])
    }

    @Test(arguments: [
        ("SELECT 1", "select"),
        ("/* {\"app\":\"dbt\"} */ insert into t select 1", "insert"),
        ("WITH x AS (SELECT * FROM a) INSERT INTO b SELECT * FROM x", "insert"),
        ("WITH x AS (DELETE FROM a RETURNING *) SELECT * FROM x", "select"),
        ("with recursive t(n) as (select 1 union all select n + 1 from t) select * from t", "select"),
        ("CREATE TABLE t AS SELECT * FROM u", "ctas"),
        ("CREATE TABLE t (id int)", "ddl"),
        ("DROP TABLE t", "ddl"),
        ("VACUUM ANALYZE t", "utility"),
        ("COPY t FROM STDIN", "copy"),
        ("UNLOAD ('select 1') TO 's3://x'", "unload"),
        ("UPDATE t SET a = 1", "update"),
        ("", "other"),
    ])
    func queryType(_ example: (sql: String, type: String)) {
        #expect(analyzer.analyze(example.sql).queryType == example.type)
    }
}
