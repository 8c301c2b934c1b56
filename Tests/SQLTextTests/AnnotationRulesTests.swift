import SQLText
import Testing

@Suite struct AnnotationRulesTests {
    @Test func aliasesMapInHouseKeys() {
        let rules = AnnotationRules(aliases: ["Pipeline": .dag, "step-name": .task, "owner": .user])
        let analyzer = SQLAnalyzer(rules: rules)
        let context = analyzer.context(of: #"/* {"pipeline":"billing","step_name":"rollup","owner":"ana","user":"svc"} */ SELECT 1"#).context
        #expect(context.dag == "billing")
        #expect(context.task == "rollup")
        // The user's alias wins over the built-in `user` key.
        #expect(context.user == "ana")
        #expect(SQLAnalyzer().context(of: #"/* {"pipeline":"billing"} */ SELECT 1"#).context.dag == nil)
    }

    @Test func patternsReadInHouseFormats() throws {
        let pattern = try AnnotationPattern(name: "acme", pattern: #"job=(?<dag>[a-z_]+)/(?<task>[a-z_]+) by (?<owner>\S+)"#)
        let analyzer = SQLAnalyzer(rules: AnnotationRules(aliases: ["owner": .user], patterns: [pattern]))
        let analysis = analyzer.analyze("-- acme job=billing/rollup by ana@corp.com\nINSERT INTO t SELECT 1")
        #expect(analysis.source == .pattern("acme"))
        #expect(analysis.source.description == "acme")
        #expect(analysis.context == QueryContext(user: "ana@corp.com", dag: "billing", task: "rollup"))
        #expect(analysis.annotated.attributes.contains(Attribute(key: "owner", value: "ana@corp.com")))
        // A pattern outranks a tool's annotation for the fields it sets.
        let both = analyzer.context(of: "/* job=x/y by bob */ " + #"/* {"app":"airflow","dag":"other"} */ SELECT 1"#)
        #expect(both.context.dag == "x")
        #expect(both.context.app == "airflow")
    }

    @Test func supersetQueryMutatorRecipe() throws {
        // The pattern docs/annotations.md gives for the comment of the SQL_QUERY_MUTATOR example
        // in apache/superset's superset/config.py: `-- [SQL LAB] {username} {dttm}`.
        let pattern = try AnnotationPattern(name: "superset", pattern: #"^ ?\[SQL LAB\] (?<user>\S+) (?<dttm>\S+)$"#)
        let analyzer = SQLAnalyzer(rules: AnnotationRules(patterns: [pattern]))
        let context = analyzer.context(of: "-- [SQL LAB] alice@corp.com 2024-05-03T10:22:31.123456\nSELECT * FROM orders")
        #expect(context.source == .pattern("superset"))
        #expect(context.context == QueryContext(user: "alice@corp.com"))
        #expect(context.attributes.contains(Attribute(key: "dttm", value: "2024-05-03T10:22:31.123456")))
        #expect(analyzer.context(of: "-- [SQL LAB] is where this ran\nSELECT 1").source == .none)
    }

    @Test func badPatternsAreRejectedWithAReason() {
        #expect(throws: AnnotationRuleError.self) { try AnnotationPattern(name: "broken", pattern: "job=(?<dag>[a-z") }
        do {
            _ = try AnnotationPattern(name: "nameless", pattern: "job=([a-z]+)")
            Issue.record("a pattern without named groups was accepted")
        } catch {
            #expect(error.description.contains("no named group"))
        }
    }
}
