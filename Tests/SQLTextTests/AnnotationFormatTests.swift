import Foundation
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

    /// Keys are read whatever their case and separators: an ASCII key is folded byte by byte, any
    /// other as Unicode lowercases it.
    @Test(arguments: [
        (#"/* {"App": "airflow", "DAG-ID": "daily", "Task Id": "load"} */ SELECT 1"#, "daily", "load"),
        (#"/* {"app": "airflow", "Dag_Id": "Ünïcode-Däg", "TASK-ÏD": "x", "task_id": "load"} */ SELECT 1"#, "Ünïcode-Däg", "load"),
    ])
    func keysAreFoldedToSnakeCase(sql: String, dag: String, task: String) {
        let context = analyzer.context(of: sql).context
        #expect(context.app == "airflow")
        #expect(context.dag == dag)
        #expect(context.task == task)
    }

    @Test(arguments: [
        "-- Metabase dashboards are slow\nSELECT 1",
        "-- TODO:fix this later\nSELECT 1",
        "-- query_id: 42 is the slow one\nSELECT 1",
        "-- /* an old note */\nSELECT 1",
        "/*+ SeqScan(orders) */ SELECT * FROM orders",
        "-- RQEV2 is the editor\nSELECT 1",
        "SELECT 1 /* see: the runbook, ask: ops */",
    ])
    func proseAndHintsAreNotAnnotations(_ sql: String) {
        #expect(analyzer.context(of: sql).source == .none, "\(sql)")
    }

    @Test func commentsAsToolsPlaceThemLeaveTheStatementAlone() {
        // Go's wrapper glues the comment to the statement before the `;`; dd-trace-java appends
        // after a pg_hint_plan hint; Redash's Redshift runner sets a query group first.
        let glued = analyzer.analyze("SELECT id FROM todos WHERE id=$1/*action='get',application='todos'*/;")
        #expect(glued.context.app == "todos")
        #expect(glued.tables.read == [TableName(name: "todos")])
        #expect(glued.fingerprint == analyzer.analyze("SELECT id FROM todos WHERE id = $1").fingerprint)

        let hinted = analyzer.analyze("/*+ SeqScan(orders) */ SELECT * FROM orders /*ddps='billing-api',dde='prod'*/;")
        #expect(hinted.annotated.annotations.map(\.source) == [.datadog])
        #expect(hinted.tables.read == [TableName(name: "orders")])

        let grouped = analyzer.analyze("set query_group to redash_adhoc;\n/* Username: bob@corp.com, query_id: 108, Queue: queries */ SELECT * FROM events")
        #expect(grouped.context == QueryContext(app: "redash", user: "bob@corp.com", chart: "108"))
        #expect(grouped.tables.read == [TableName(name: "events")])
    }

    @Test func everySourceIsDocumented() throws {
        let docs = URL(filePath: #filePath).deletingLastPathComponent().appending(path: "../../docs/annotations.md")
        let text = try String(contentsOf: docs, encoding: .utf8)
        #expect(Set(AnnotationSource.builtIn.map(\.description)).count == AnnotationSource.builtIn.count)
        for source in AnnotationSource.builtIn {
            #expect(text.contains("| `\(source)` |"), "docs/annotations.md has no row for \(source)")
        }
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
