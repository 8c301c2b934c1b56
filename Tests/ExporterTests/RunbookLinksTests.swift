import Foundation
import TestSupport
import Testing

/// Runbook links leave the repository: Alertmanager's notifications, Grafana's alert list and the
/// dashboards' panel links open them from wherever the reader is, so a path relative to the
/// repository leads nowhere. Every link is one absolute base and an anchor docs/runbooks.md has,
/// and scripts/runbook-url moves all of them, promtool's expectations and Kubernetes's included.
@Suite("Runbook links")
struct RunbookLinksTests {
    /// Each runbook link under `root` with the file it is in: the rules' and the promtool tests'
    /// `runbook_url`s, the Kubernetes PrometheusRules', and the dashboards' "Runbook: <alert>" links.
    static func links(under root: URL) throws -> [(file: String, url: String, alert: String?)] {
        var links: [(file: String, url: String, alert: String?)] = []
        var files = ["deploy/kubernetes/monitoring/prometheusrules.yaml"]
        for folder in ["alerts", "alerts/tests"] {
            files += try FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent(folder).path)
                .filter { $0.hasSuffix(".yml") }.sorted().map { folder + "/" + $0 }
        }
        for file in files {
            let text = try String(contentsOf: root.appendingPathComponent(file), encoding: .utf8)
            links += text.matches(of: /runbook_url: "([^"]*)"/).map { (file, String($0.1), nil) }
        }
        let dashboards = root.appendingPathComponent("dashboards")
        for file in try FileManager.default.contentsOfDirectory(atPath: dashboards.path).sorted() where file.hasSuffix(".json") {
            let dashboard = try JSONSerialization.jsonObject(with: Data(contentsOf: dashboards.appendingPathComponent(file))) as? [String: Any]
            for panel in dashboard?["panels"] as? [[String: Any]] ?? [] {
                for link in panel["links"] as? [[String: Any]] ?? [] {
                    guard let title = link["title"] as? String, title.hasPrefix("Runbook: ") else { continue }
                    links.append(("dashboards/" + file, link["url"] as? String ?? "", String(title.dropFirst("Runbook: ".count))))
                }
            }
        }
        return links
    }

    /// The anchors GitHub gives the headings of a Markdown page: lower case, every character but
    /// letters, digits, spaces, `-` and `_` dropped, spaces made `-`, and `-1`, `-2`… after a
    /// repeated one. Lines inside fenced code are not headings.
    static func githubAnchors(_ markdown: String) -> [String] {
        var anchors: [String] = []
        var seen: [String: Int] = [:]
        var fenced = false
        for line in markdown.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("```") { fenced.toggle() }
            guard !fenced, let heading = line.firstMatch(of: /^#{1,6} +(.+?) *$/) else { continue }
            let slug = String(heading.1.lowercased().filter { $0.isLetter || $0.isNumber || $0 == " " || $0 == "-" || $0 == "_" })
                .replacing(" ", with: "-")
            let repeats = seen[slug, default: 0]
            seen[slug] = repeats + 1
            anchors.append(repeats == 0 ? slug : "\(slug)-\(repeats)")
        }
        return anchors
    }

    @Test func githubAnchorsFollowGitHubsRules() {
        let page = "# Runbooks\n## WarehouseDown\ntext\n```sh\n# a comment, not a heading\n```\n## Where the links point\n### A `code` & (thing)\n## WarehouseDown\n"
        #expect(Self.githubAnchors(page) == ["runbooks", "warehousedown", "where-the-links-point", "a-code--thing", "warehousedown-1"])
    }

    @Test func everyRunbookLinkIsAbsoluteSharesOneBaseAndNamesAHeading() async throws {
        let root = AlertRulesTests.root
        let anchors = Set(Self.githubAnchors(try AlertRulesTests.read("docs/runbooks.md")))
        let links = try Self.links(under: root)
        // Twenty-four alerts, each in the rules and in the PrometheusRules; promtool's expectations; the panels.
        #expect(links.filter { $0.file.hasPrefix("alerts/") && !$0.file.hasPrefix("alerts/tests/") }.count == 24)
        #expect(links.filter { $0.file.hasPrefix("deploy/") }.count == 24)
        #expect(links.filter { $0.file.hasPrefix("dashboards/") }.count >= 10)
        var bases: Set<String> = []
        for link in links {
            let url = URL(string: link.url)
            #expect(["https", "http"].contains(url?.scheme) && url?.host?.isEmpty == false, "\(link.file): \(link.url) is not absolute")
            let parts = link.url.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false)
            #expect(parts.count == 2, "\(link.file): \(link.url) has no anchor")
            bases.insert(String(parts[0]))
            let anchor = String(parts.last ?? "")
            #expect(anchors.contains(anchor), "\(link.file): #\(anchor) is no heading of docs/runbooks.md")
            if let alert = link.alert { #expect(anchor == alert.lowercased(), "\(link.file): the runbook of \(alert) is #\(anchor)") }
        }
        #expect(bases.count == 1, "runbook links with different bases: \(bases.sorted()); scripts/runbook-url sets one")
        let printed = try await Subprocess.run([root.appendingPathComponent("scripts/runbook-url").path])
        #expect(printed.status == 0 && printed.output == (bases.first ?? "") + "\n", "\(printed.output)")
    }

    /// On a copy of the files it rewrites: one command moves every link to a new base, keeps every
    /// anchor, and leaves rules, tests and PrometheusRules agreeing; a URL it cannot write is refused
    /// before any file changes. (The programs run on threads of their own: the suite's other tests
    /// share the few the machine has.)
    @Test func theScriptMovesEveryLinkToANewBaseAndBack() async throws {
        let root = AlertRulesTests.root
        let copy = FileManager.default.temporaryDirectory.appendingPathComponent("runbook-url-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: copy) }
        // cp copies, not FileManager: a file this process has open for writing is inherited by any
        // program another test starts meanwhile, and running the copied scripts then fails with
        // "Text file busy" for as long as that program lives.
        for folder in ["alerts", "dashboards", "scripts", "deploy/kubernetes/monitoring"] {
            try FileManager.default.createDirectory(
                at: copy.appendingPathComponent(folder).deletingLastPathComponent(), withIntermediateDirectories: true)
            let copied = try await Subprocess.run(["cp", "-R", root.appendingPathComponent(folder).path, copy.appendingPathComponent(folder).path])
            try #require(copied.status == 0, "\(copied.output)")
        }
        let script = copy.appendingPathComponent("scripts/runbook-url").path
        let before = try Self.links(under: copy)

        let moved = try await Subprocess.run([script, "https://wiki.example.com/data/runbooks"])
        #expect(moved.status == 0, "\(moved.output)")
        let after = try Self.links(under: copy)
        #expect(after.map(\.file) == before.map(\.file))
        #expect(after.map { $0.url.split(separator: "#").last } == before.map { $0.url.split(separator: "#").last })
        #expect(after.allSatisfy { $0.url.hasPrefix("https://wiki.example.com/data/runbooks#") }, "\(after.map(\.url))")
        let kubernetes = try await Subprocess.run([copy.appendingPathComponent("scripts/kubernetes-rules").path, "--stdout"])
        #expect(kubernetes.output == (try String(contentsOf: copy.appendingPathComponent("deploy/kubernetes/monitoring/prometheusrules.yaml"), encoding: .utf8)))
        // The two tests that expect the runbooks of most alerts; the others take tens of seconds.
        let tests = ["alerts.test.yml", "high-availability.test.yml"].map { copy.appendingPathComponent("alerts/tests/" + $0).path }
        let promtool = try await Subprocess.run(["promtool", "test", "rules"] + tests)
        #expect(promtool.status == 0, "the promtool tests expect the new links: \(promtool.output)")

        for refused in ["wiki.example.com/runbooks", "https://wiki.example.com/runbooks#top", "https://wiki.example.com/run books", #"https://x/"a""#] {
            let run = try await Subprocess.run([script, refused])
            #expect(run.status != 0, "\(refused) was accepted")
        }
        #expect(try Self.links(under: copy).map(\.url) == after.map(\.url), "a refused URL changed nothing")

        let scriptText = try String(contentsOfFile: script, encoding: .utf8)
        let shipped = try #require(scriptText.firstMatch(of: /\nDEFAULT_RUNBOOK_BASE_URL=(\S+)\n/)).1
        #expect(try await Subprocess.run([script, "--default"]).status == 0)
        #expect(try Self.links(under: copy).allSatisfy { $0.url.hasPrefix(shipped + "#") })
    }
}
