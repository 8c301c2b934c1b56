import SQLText
import Testing

/// Text that tries to fool or break the analysis: markers inside literals, nesting, cut-off
/// annotations, control bytes, invalid UTF-8 and very large inputs.
@Suite struct AdversarialTextTests {
    let analyzer = SQLAnalyzer()

    @Test(arguments: [
        "SELECT '/* {\"app\":\"dbt\"} */' FROM t",
        "SELECT '-- app=etl' FROM t",
        "SELECT \"weird -- column\" FROM t",
        "SELECT $$ /* {\"app\":\"dbt\"} */ $$ FROM t",
        "SELECT $body$ -- app=etl\n $ $$ $body$ FROM t",
        "SELECT E'it\\'s /* app=etl */' FROM t",
        "SELECT 'it''s -- app=etl' FROM t",
    ])
    func commentMarkersInsideLiteralsAreNotComments(_ sql: String) {
        let analysis = analyzer.analyze(sql)
        #expect(analysis.source == .none)
        #expect(analysis.context.isEmpty)
        #expect(analysis.tables.read == [TableName(name: "t")])
        #expect(!analysis.truncated)
    }

    @Test func backslashEscapesFollowTheDialect() {
        // PostgreSQL: the backslash is a character and the literal ends at the second quote, so
        // the comment is real. Redshift: `\'` escapes, so the marker is inside the literal.
        #expect(SQLAnalyzer(dialect: .postgres).context(of: #"SELECT 'a\' /* app=etl */"#).context.app == "etl")
        #expect(SQLAnalyzer(dialect: .redshift).context(of: #"SELECT 'a\' /* app=etl */ '"#).source == .none)
    }

    @Test func nestedBlockCommentsAreOneComment() {
        let analysis = analyzer.analyze("/* outer /* inner */ still a comment FROM hidden */ SELECT 1 FROM t")
        #expect(analysis.tables.read == [TableName(name: "t")])
        #expect(!analysis.truncated)
    }

    @Test func jsonCutOffMidwayKeepsWhatIsComplete() {
        let full = #"/* {"app":"airflow","dag":"daily","task":"load","user":"etl"} */ SELECT 1"#
        for cut in [30, 42, 50, 55] {
            let context = analyzer.context(of: String(full.prefix(cut)))
            #expect(context.truncated, "cut at \(cut)")
            #expect(context.context.app == "airflow")
            #expect(context.context.dag == (cut >= 42 ? "daily" : nil), "cut at \(cut)")
        }
    }

    @Test func redshiftTruncationAt4000CharactersInsideAnAppendedAnnotation() {
        let body = "SELECT " + String(repeating: "col, ", count: 790) + "1 FROM big"
        let sql = body + " /*application='shop',controller='orders',action='show'*/"
        let stored = String(sql.prefix(4000))
        let context = analyzer.context(of: stored)
        #expect(context.truncated)
        #expect(context.source == .sqlcommenter)
        #expect(context.context.app == "shop")
        #expect(!context.attributes.contains { $0.key == "action" })
    }

    @Test func unterminatedStringsAndCommentsAreTruncationNotErrors() {
        #expect(analyzer.analyze("SELECT 'never closed -- app=etl").truncated)
        #expect(analyzer.analyze("SELECT \"never closed").truncated)
        #expect(analyzer.analyze("SELECT $$ never closed").truncated)
        #expect(analyzer.analyze("SELECT 1 /* never closed").truncated)
        #expect(analyzer.context(of: "SELECT 'never closed -- app=etl").truncated)
        #expect(!analyzer.analyze("SELECT 1 -- a line comment needs no end").truncated)
    }

    @Test func crlfLineEndings() {
        let sql = "-- app=etl dag=nightly\r\nSELECT *\r\nFROM a\r\nJOIN b ON a.id = b.id\r\n"
        let analysis = analyzer.analyze(sql)
        #expect(analysis.context == QueryContext(app: "etl", dag: "nightly"))
        #expect(analysis.tables.read == [TableName(name: "a"), TableName(name: "b")])
        #expect(analysis.fingerprint == analyzer.analyze(sql.replacing("\r\n", with: "\n")).fingerprint)
    }

    @Test func invalidUTF8AndNULBytes() {
        var bytes = Array("/* {\"app\":\"x".utf8) + [0xFF, 0xFE, 0xC0] + Array("\",\"dag\":\"d\u{0}d\"} */ SELECT ".utf8)
        bytes += [0x00, 0x80] + Array(" FROM t".utf8)
        let analysis = bytes.withUnsafeBufferPointer { analyzer.analyze(utf8: $0) }
        #expect(analysis.source == .airflow)  // JSON with a `dag` key
        #expect(analysis.context.app == "x\u{FFFD}\u{FFFD}\u{FFFD}")
        #expect(analysis.context.dag == "d\u{0}d")
        #expect(analysis.tables.read == [TableName(name: "t")])
    }

    @Test func oneMegabyteComment() {
        let filler = String(repeating: "lorem ipsum dolor sit amet ", count: 40_000)
        let sql = "/* \(filler) */ SELECT 1 FROM t /* app=etl */"
        #expect(sql.utf8.count > 1_000_000)
        let analysis = analyzer.analyze(sql)
        #expect(analysis.context.app == "etl")
        #expect(analysis.tables.read == [TableName(name: "t")])
    }

    @Test func oneMegabyteAnnotationValueIsBounded() {
        let value = String(repeating: "é", count: 600_000)
        let context = analyzer.context(of: "/* {\"app\":\"\(value)\"} */ SELECT 1")
        let app = try! #require(context.context.app)
        #expect(app.utf8.count <= 1024)
        #expect(app.allSatisfy { $0 == "é" })
    }

    @Test func deeplyNestedJSONAndManyKeys() {
        let deep = String(repeating: "{\"a\":", count: 10_000) + "1" + String(repeating: "}", count: 10_000)
        let context = analyzer.context(of: "/* {\"app\":\"x\",\"deep\":\(deep),\"dag\":\"d\"} */ SELECT 1")
        #expect(context.context.app == "x")
        #expect(context.context.dag == "d")

        let keys = (0..<100_000).map { "\"k\($0)\":\($0)" }.joined(separator: ",")
        let many = analyzer.context(of: "/* {\"app\":\"y\",\(keys)} */ SELECT 1")
        #expect(many.context.app == "y")
        #expect(many.attributes.count <= 64)
    }

    @Test func deeplyNestedParenthesesAndComments() {
        let parens = "SELECT " + String(repeating: "(", count: 50_000) + "1" + String(repeating: ")", count: 50_000) + " FROM t"
        #expect(analyzer.analyze(parens).tables.read == [TableName(name: "t")])
        let comments = String(repeating: "/*", count: 50_000) + String(repeating: "*/", count: 50_000) + " SELECT 1 FROM t"
        let analysis = analyzer.analyze(comments)
        #expect(analysis.tables.read == [TableName(name: "t")])
        #expect(!analysis.truncated)
    }

    @Test func dollarTagsLongerThanAnIdentifierAreNotTags() {
        let tag = String(repeating: "a", count: 100)
        let sql = "SELECT $\(tag)$ FROM t -- app=etl"
        #expect(analyzer.context(of: sql).context.app == "etl")
        #expect(analyzer.analyze(sql).context.app == "etl")
    }

    @Test func jsonEscapesAreDecodedAndBrokenOnesReplaced() {
        let context = analyzer.context(of: #"/* {"app":"caf\u00e9","user":"\ud83d\ude00 x","dag":"a\"b\\c","task":"\ud800\u00zz"} */ SELECT 1"#)
        #expect(context.context.app == "café")
        #expect(context.context.user == "😀 x")
        #expect(context.context.dag == #"a"b\c"#)
        #expect(context.context.task?.hasPrefix("\u{FFFD}") == true)
    }
}
