import Collectors
import QueryMetrics
import SQLText
import Testing
import WarehouseClient

/// The one test of "is this the exporter's own statement", which every collector asks through
/// ``OwnStatements``: its annotation together with one of its sessions.
@Suite struct OwnStatementsTests {
    let analyzer = SQLAnalyzer(dialect: .redshift)
    let sessions = SessionRegistry(saved: [4242])

    var marked: Attribution {
        Attribution(context: analyzer.context(of: OwnStatements.annotation + "\nSELECT 1 FROM sys_query_history", storedEscapes: true).context, databaseUser: "monitor")
    }

    @Test func theAnnotationInTheExportersSessionIsItsOwn() {
        #expect(OwnStatements.contains(marked, session: 4242, in: sessions))
    }

    @Test func theAnnotationInAnotherSessionIsAForgery() {
        #expect(!OwnStatements.contains(marked, session: 4243, in: sessions))
        #expect(!OwnStatements.contains(marked, session: nil, in: sessions))
    }

    @Test func theSessionsNameIsNoProof() {
        // Anyone can set application_name: it names the app, never the exporter's own work.
        let named = Attribution(fallbackApp: "warehouse_exporter", databaseUser: "monitor")
        #expect(!OwnStatements.contains(named, session: 4242, in: sessions))
        #expect(named.app == "warehouse_exporter")
    }

    @Test func otherWorkInTheExportersSessionIsNotItsOwn() {
        let dbt = analyzer.context(of: #"/* {"app": "dbt", "node_id": "model.shop.orders"} */ SELECT 1"#).context
        #expect(!OwnStatements.contains(Attribution(context: dbt, fallbackApp: "psql"), session: 4242, in: sessions))
        // The annotation's words inside a string literal are not an annotation.
        let literal = analyzer.context(of: #"SELECT '/* {"app":"warehouse_exporter"} */'"#).context
        #expect(!OwnStatements.contains(Attribution(context: literal), session: 4242, in: sessions))
    }

    @Test func withoutSessionsTheRoleAndTheAnnotationDecide() {
        #expect(OwnStatements.contains(marked, ranAsExportersRole: true))
        #expect(!OwnStatements.contains(marked, ranAsExportersRole: false))
        #expect(!OwnStatements.contains(Attribution(fallbackApp: "warehouse_exporter"), ranAsExportersRole: true))
    }
}
