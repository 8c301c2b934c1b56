import Foundation
import TestSupport
import Testing

/// The shipped rules in alerts/: valid for Prometheus, each alert tested firing and quiet by
/// promtool, each with its annotations and a runbook that exists, and every metric they read one
/// that docs/metrics.md documents.
@Suite("Alert and recording rules")
struct AlertRulesTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let ruleFiles = ["alerts/recording.rules.yml", "alerts/alerts.rules.yml"].map { root.appendingPathComponent($0).path }

    static func read(_ path: String) throws -> String {
        try String(contentsOf: root.appendingPathComponent(path), encoding: .utf8)
    }

    /// The exporter's metrics the rules' expressions name (sample names: `…_bucket`, `…_count`),
    /// leaving out names, prose, label values and the recording rules' own names.
    static func metricsTheRulesRead() throws -> Set<String> {
        let rules = try ruleFiles.map { try String(contentsOfFile: $0, encoding: .utf8) }.joined()
        let expressions = rules.split(separator: "\n")
            .filter { line in !["name:", "record:", "summary:", "description:", "#"].contains { line.contains($0) } }
            .joined(separator: "\n").replacing(/[a-z_]+:[a-z_0-9:]+/, with: "").replacing(/"[^"\n]*"/, with: "\"\"")
        return Set(expressions.matches(of: /\b(warehouse_[a-z_]+)/).map { String($0.1) })
    }

    @Test func promtoolChecksAndTestsPass() async throws {
        let check = try await Promtool.rules("check", Self.ruleFiles)
        #expect(check.exitCode == 0, "\(check.output)")
        let tests = try FileManager.default.contentsOfDirectory(atPath: Self.root.appendingPathComponent("alerts/tests").path)
            .filter { $0.hasSuffix(".test.yml") }.sorted()
        #expect(tests.count >= 2)
        let run = try await Promtool.rules("test", tests.map { Self.root.appendingPathComponent("alerts/tests/" + $0).path })
        #expect(run.exitCode == 0, "\(run.output)")
    }

    @Test func everyAlertHasItsAnnotationsARunbookAndATest() throws {
        let alerts = try Self.read("alerts/alerts.rules.yml")
        let runbooks = try Self.read("docs/runbooks.md")
        let tests = try FileManager.default.contentsOfDirectory(atPath: Self.root.appendingPathComponent("alerts/tests").path)
            .map { try Self.read("alerts/tests/" + $0) }.joined()
        let names = alerts.split(separator: "\n").compactMap { line in
            line.firstRange(of: "- alert: ").map { String(line[$0.upperBound...]).trimmingCharacters(in: .whitespaces) }
        }
        #expect(names.count == 24)
        let blocks = alerts.components(separatedBy: "- alert: ").dropFirst()
        for (name, block) in zip(names, blocks) {
            for key in ["summary:", "description:"] {
                #expect(block.contains(key), "\(name) has no \(key)")
            }
            // The base is the one RunbookLinksTests checks; the anchor is the alert's own section.
            #expect(block.contains(try Regex(##"runbook_url: "[^"#]+#\##(name.lowercased())""##)), "\(name) has no runbook_url to its section")
            #expect(runbooks.contains("\n## \(name)\n"), "docs/runbooks.md has no section for \(name)")
            #expect(tests.contains("alertname: \(name)\n"), "no promtool test for \(name)")
        }
    }

    /// A metric of another job (a second exporter of something else, a federated copy) must not
    /// count, and a rule that forgets the selector would read it unnoticed.
    @Test func everyMetricTheRulesReadIsOfTheExportersJob() throws {
        let rules = try Self.ruleFiles.map { try String(contentsOfFile: $0, encoding: .utf8) }.joined()
        let expressions = rules.split(separator: "\n")
            .filter { line in !["name:", "record:", "summary:", "description:", "runbook_url:", "#"].contains { line.contains($0) } }
            .joined(separator: "\n").replacing(/[a-z_]+:[a-z_0-9:]+/, with: "")
        var selections = 0
        for match in expressions.matches(of: /\b([a-z_]+)(\{[^}]*\})?/) where match.1.hasPrefix("warehouse_") || match.1 == "up" {
            selections += 1
            #expect(match.2?.hasPrefix(#"{job="warehouse_exporter""#) == true, "\(match.0) is not of the job warehouse_exporter")
        }
        #expect(selections > 60)
    }

    @Test func everyMetricTheRulesReadIsDocumented() throws {
        let metrics = try Self.read("docs/metrics.md")
        let rules = try Self.ruleFiles.map { try String(contentsOfFile: $0, encoding: .utf8) }.joined()
        let recorded = Set(rules.matches(of: /record: ([a-z_:0-9]+)/).map { String($0.1) })
        let read = try Self.metricsTheRulesRead()
        #expect(!read.isEmpty)
        for name in read {
            let family = ["_bucket", "_count", "_sum"].reduce(name) { $0.hasSuffix($1) ? String($0.dropLast($1.count)) : $0 }
            #expect(metrics.contains("`\(family)`"), "\(name) is read by the rules but not in docs/metrics.md")
        }
        #expect(recorded.count == 23)
    }
}
