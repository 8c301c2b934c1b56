import Collectors
import QueryMetrics
import SQLText
import Testing

/// The one test of "is this the exporter's own statement", which every collector asks through
/// ``OwnStatements``.
@Suite struct OwnStatementsTests {
    let analyzer = SQLAnalyzer(dialect: .redshift)

    @Test func theExportersAnnotationMarksItsStatements() {
        let context = analyzer.context(of: OwnStatements.annotation + "\nSELECT 1 FROM sys_query_history", storedEscapes: true).context
        #expect(OwnStatements.contains(Attribution(context: context, databaseUser: "monitor")))
    }

    @Test func theExportersSessionNameMarksItsStatements() {
        #expect(OwnStatements.contains(Attribution(fallbackApp: "warehouse_exporter", databaseUser: "monitor")))
        #expect(OwnStatements.app == "warehouse_exporter")
    }

    @Test func otherWorkIsNotTheExporters() {
        let dbt = analyzer.context(of: #"/* {"app": "dbt", "node_id": "model.shop.orders"} */ SELECT 1"#).context
        #expect(!OwnStatements.contains(Attribution(context: dbt, fallbackApp: "psql", databaseUser: "monitor")))
        #expect(!OwnStatements.contains(Attribution(fallbackApp: nil, databaseUser: "warehouse_exporter")))
        // The annotation's words inside a string literal are not an annotation.
        let literal = analyzer.context(of: #"SELECT '/* {"app":"warehouse_exporter"} */'"#).context
        #expect(!OwnStatements.contains(Attribution(context: literal)))
    }
}
