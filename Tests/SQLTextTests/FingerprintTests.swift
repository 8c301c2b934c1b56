import SQLText
import Testing

@Suite struct FingerprintTests {
    let analyzer = SQLAnalyzer()

    func fingerprint(_ sql: String) -> Fingerprint { analyzer.analyze(sql).fingerprint }

    @Test(arguments: [
        ("SELECT * FROM orders WHERE id = 42", "select *\n  from ORDERS\twhere ID=7 -- by id"),
        ("SELECT * FROM t WHERE name = 'a' AND d > '2024-01-01'", "select * from t where name = 'it''s' and d > $$x$$"),
        ("SELECT * FROM t WHERE id = $1", "SELECT * FROM t WHERE id = 99.5e3"),
        ("SELECT * FROM t WHERE id IN (1, 2, 3)", "SELECT * FROM t WHERE id IN ($1)"),
        ("SELECT * FROM t WHERE id IN ('a')", "SELECT * FROM t WHERE id IN ('a', 'b', 'c', 'd')"),
        ("INSERT INTO t (a, b) VALUES (1, 'x')", "insert into t (a, b) values (2, 'y'), (3, 'z'), (4, E'w')"),
        ("SELECT * FROM t WHERE x > -1", "SELECT * FROM t WHERE x > 5"),
        ("SELECT * FROM t WHERE x > -$1", "SELECT * FROM t WHERE x > 5"),
        ("/* {\"app\":\"dbt\"} */ SELECT 1 FROM t", "SELECT 2 FROM t /*application='shop'*/;"),
        ("SELECT a FROM t WHERE b = ?", "SELECT a FROM t WHERE b = %s"),
    ])
    func sameShapeSameFingerprint(_ pair: (String, String)) {
        #expect(fingerprint(pair.0) == fingerprint(pair.1))
    }

    @Test(arguments: [
        ("SELECT * FROM orders", "SELECT * FROM customers"),
        ("SELECT a FROM t", "SELECT b FROM t"),
        ("SELECT * FROM t WHERE a = 1", "SELECT * FROM t WHERE a > 1"),
        ("SELECT * FROM t WHERE id IN (1, 2)", "SELECT * FROM t WHERE id IN (SELECT id FROM u)"),
        ("SELECT ab FROM t", "SELECT a b FROM t"),
        ("SELECT \"Orders\" FROM t", "SELECT orders FROM t"),
        ("SELECT x - 1 FROM t", "SELECT x + 1 FROM t"),
        ("SELECT count(*) FROM t", "SELECT count(1) FROM t"),
        ("SELECT f(a, 1) FROM t", "SELECT f(a) FROM t"),
    ])
    func differentStatementsDiffer(_ pair: (String, String)) {
        #expect(fingerprint(pair.0) != fingerprint(pair.1))
    }

    @Test func isStableAcrossRuns() {
        // The id is a label value and must not change between processes or releases: pinned.
        #expect(fingerprint("SELECT * FROM orders WHERE id = 1").description == fingerprint("select * from orders where id = 2").description)
        #expect(fingerprint("SELECT 1").description.count == 16)
        #expect(fingerprint("SELECT * FROM orders WHERE id = 1").description == "\(Self.pinned)")
    }

    /// FNV-1a over `select\0*\0from\0orders\0where\0id\0=\0?\0`: computed independently here.
    static let pinned: String = {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for token in ["select", "*", "from", "orders", "where", "id", "=", "?"] {
            for byte in token.utf8 + [0] { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
        }
        let digits = String(hash, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }()
}
