import PropertyBased
import SQLText
import TestSupport
import Testing

/// A statement's shape as text: what its fingerprint hashes, readable, with no literal's value.
@Suite struct ShapeTests {
    let analyzer = SQLAnalyzer()

    @Test(arguments: [
        ("-- Looker Query Context '{\"user_id\":6}'\nselect * from marts.orders where id in (1, 2, 3)", "select * from marts.orders where id in (?)"),
        ("UPDATE users SET password = 'hunter2', email = E'ana@corp.com' WHERE id = 42;", "update users set password = ?, email = ? where id = ?"),
        ("SELECT count(*), x::int, t.\"Name\" FROM s.t WHERE a.b >= -5 AND c <> $1", "select count(*), x::int, t.\"Name\" from s.t where a.b >= ? and c <> ?"),
        ("INSERT INTO t (a, b) VALUES (1, 'x'), (2, 'y')", "insert into t(a, b) values (?)"),
        ("SELECT f(a, 1) FROM t WHERE x = - y AND z IN (SELECT id FROM u)", "select f(a, ?) from t where x = - y and z in (select id from u)"),
        ("select $$secret$$ || '--' /* app=x */ from t where arr[1] - -2 > 0 and j->>'k' <> '' and a*-b = 1", "select ? || ? from t where arr[?] - ? > ? and j ->> ? <> ? and a * - b = ?"),
    ])
    func readsAsTheFingerprintHashesIt(_ example: (String, String)) {
        let shape = analyzer.shape(of: example.0, limit: 300)
        #expect(shape == example.1)
        #expect(analyzer.analyze(shape).fingerprint == analyzer.analyze(example.0).fingerprint)
    }

    @Test func neverHoldsALiteralsValue() async {
        let input = Gen.element(of: PropertyTests.templates).map { $0! }
        await propertyCheck(count: FuzzScale.iterations(300), input: input, Gen.uint64()) { template, seed in
            let statement = PropertyTests.render(template, seed: seed)
            let shape = analyzer.shape(of: statement, limit: 300)
            for secret in ["42", "3.25", "1e10", "'x'", "it'", "comment", "a'b", "$q$", "dbt", "etl", "%s", "$1"] {
                #expect(!shape.contains(secret), "\(shape) holds \(secret)")
            }
            #expect(shape == analyzer.shape(of: PropertyTests.render(template, seed: seed &+ 1), limit: 300))
        }
    }

    @Test func isCutOnACharacterBoundaryWithinTheLimit() {
        let statement = "SELECT \"" + String(repeating: "é", count: 200) + "\" FROM t WHERE id = 'long' " + String(repeating: "AND x = 1 ", count: 100)
        for limit in [3, 10, 11, 40, 300] {
            let shape = analyzer.shape(of: statement, limit: limit)
            #expect(shape.utf8.count <= limit, "\(limit): \(shape)")
            #expect(shape.hasSuffix("…"))
            #expect(!shape.contains("\u{FFFD}"))
        }
        #expect(analyzer.shape(of: statement, limit: 40) == "select \"" + String(repeating: "é", count: 14) + "…")
        // A shape that fits exactly is not cut.
        #expect(analyzer.shape(of: "SELECT 1", limit: 8) == "select ?")
        #expect(analyzer.shape(of: "SELECT 1", limit: 7) == "sele…")
    }

    @Test func redshiftsStoredTextIsReadLikeTheAnalysisReadsIt() {
        let redshift = SQLAnalyzer(dialect: .redshift)
        let stored = "SELECT 'it\\\\'s' AS a,\\n b FROM t    "
        #expect(redshift.shape(of: stored, storedEscapes: true, limit: 300) == "select ? as a, b from t")
    }

    /// The fragments of ``PropertyTests/soup`` without a lone `+`: a sign before a string literal
    /// (`+'1'`) stays in the fingerprint, and its shape `+ ?` reads back as a signed parameter,
    /// whose sign the fingerprint folds into the `?`. (No `-` of the fragments is a sign before a
    /// string: each follows a word, or starts a comment or a number.)
    static let unsignedSoup = Gen.element(of: PropertyTests.fragments.filter { $0 != Array("+".utf8) }).map { $0 ?? [] }
        .array(of: 0...120).map { $0.flatMap { $0 } }

    /// Any text: within the limit, and, when it is valid UTF-8 and not cut, the shape has the
    /// statement's own fingerprint.
    @Test func anyTextKeepsItsFingerprint() async {
        await propertyCheck(count: FuzzScale.iterations(3000), input: Self.unsignedSoup) { bytes in
            for dialect in [SQLDialect.postgres, .redshift] {
                let analyzer = SQLAnalyzer(dialect: dialect)
                let shape = bytes.withUnsafeBufferPointer { analyzer.shape(utf8: $0, storedEscapes: false, limit: 200) }
                #expect(shape.utf8.count <= 200)
                guard let text = String(validating: bytes, as: UTF8.self), !shape.hasSuffix("…") else { continue }
                #expect(analyzer.analyze(shape).fingerprint == analyzer.analyze(text).fingerprint, "\(text.debugDescription) → \(shape.debugDescription)")
            }
        }
    }
}
