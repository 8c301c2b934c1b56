import SQLText
import Testing

@Suite struct AnnotationFormatTests {
    let analyzer = SQLAnalyzer()

    @Test(arguments: AnnotationCorpus.cases)
    func readsCanonicalFields(_ example: AnnotationCase) {
        let context = analyzer.context(of: example.sql)
        #expect(context.source.description == example.source)
        for field in ContextField.allCases {
            #expect(context.context[field] == example.fields[field], "\(field)")
        }
        let attributes = Dictionary(context.attributes.map { ($0.key, $0.value) }, uniquingKeysWith: { first, _ in first })
        for (key, value) in example.attributes {
            #expect(attributes[key] == value, "attribute \(key)")
        }
        #expect(!context.truncated)
    }

    @Test(arguments: AnnotationCorpus.cases)
    func fullAnalysisAgreesWithTheFastPath(_ example: AnnotationCase) {
        #expect(analyzer.analyze(example.sql).annotated == analyzer.context(of: example.sql))
    }

    @Test func annotationsMergeByPrecedence() {
        // dbt (a tool) outranks sqlcommenter for `app`; each adds the fields only it has.
        let sql = #"/* {"app": "dbt", "node_id": "model.shop.orders"} */ SELECT 1 /*application='airflow-worker',dag='x'*/"#
        let context = analyzer.context(of: sql)
        #expect(context.source == .dbt)
        #expect(context.context == QueryContext(app: "dbt", dag: "x", model: "model.shop.orders"))
        #expect(context.annotations.map(\.source) == [.dbt, .sqlcommenter])
    }

    @Test func amongEqualsTheFirstInTheTextWins() {
        let sql = "/* INTERMIX_ID: \(AnnotationCorpus.base64(#"{"app":"airflow","dag":"d1","task":"t1"}"#)) */\n"
            + #"/* {"app": "dbt", "node_id": "model.a.b"} */ SELECT 1"#
        let context = analyzer.context(of: sql).context
        #expect(context == QueryContext(app: "airflow", dag: "d1", task: "t1", model: "model.a.b"))
    }

    @Test func redshiftStoredEscapesEndLineComments() {
        // As STL_QUERYTEXT stores it: the newline is the two characters `\n`, a backslash is doubled.
        let escaped = #"-- Looker Query Context '{"user_id":6}'\nSELECT 'a\\b' FROM t"#
        let analysis = SQLAnalyzer(dialect: .redshift).analyze(escaped, storedEscapes: true)
        #expect(analysis.context.user == "6")
        #expect(analysis.tables.read == [TableName(name: "t")])
        // Without unescaping, the whole text is one comment.
        #expect(SQLAnalyzer(dialect: .redshift).analyze(escaped).tables.read.isEmpty)
    }
}
