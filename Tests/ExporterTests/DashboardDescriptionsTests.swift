import Foundation
import Testing

/// Every panel says what it shows, and a panel that reads a recording rule says it needs the
/// shipped rules: without them it is empty, and the description is where a user looks first.
@Suite("Descriptions of the dashboards' panels")
struct DashboardDescriptionsTests {
    @Test func everyPanelIsDescribedAndNamesTheRulesItNeeds() throws {
        let folder = AlertRulesTests.root.appendingPathComponent("dashboards")
        var panels = 0
        for file in try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted() where file.hasSuffix(".json") {
            let dashboard = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent(file))) as? [String: Any])
            for panel in dashboard["panels"] as? [[String: Any]] ?? [] where panel["type"] as? String != "row" {
                panels += 1
                let title = panel["title"] as? String ?? "?"
                let description = panel["description"] as? String ?? ""
                #expect(description.count >= 40, "\(file): \"\(title)\" has no description")
                let expressions = (panel["targets"] as? [[String: Any]] ?? []).compactMap { $0["expr"] as? String }.joined(separator: " ")
                if expressions.contains(/\b[a-z_]+:warehouse_[a-z_]+:[a-z0-9_]+/) {
                    #expect(description.contains("recording rule"), "\(file): \"\(title)\" reads a recording rule and does not say so")
                }
            }
        }
        #expect(panels >= 60)
    }
}
