import Foundation
import Testing

/// The dashboards link to one another by uid (`/d/<uid>`, in panel links, data links and
/// descriptions): every link names a dashboard that ships, so none leads to "Dashboard not found".
@Suite("Links between the dashboards")
struct DashboardLinksTests {
    @Test func everyLinkNamesAShippedDashboard() throws {
        let folder = AlertRulesTests.root.appendingPathComponent("dashboards")
        var texts: [String: String] = [:]
        var uids: Set<String> = []
        for file in try FileManager.default.contentsOfDirectory(atPath: folder.path) where file.hasSuffix(".json") {
            let text = try String(contentsOf: folder.appendingPathComponent(file), encoding: .utf8)
            let dashboard = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
            uids.insert(try #require(dashboard["uid"] as? String, "\(file) has no uid"))
            texts[file] = text
        }
        var links = 0
        for (file, text) in texts.sorted(by: { $0.key < $1.key }) {
            for match in text.matches(of: /\/d\/([A-Za-z0-9_-]+)/) {
                links += 1
                #expect(uids.contains(String(match.1)), "\(file) links to /d/\(match.1), which no dashboard is")
            }
        }
        #expect(links > 0, "the root-cause dashboard links its steps to the others")
    }
}
