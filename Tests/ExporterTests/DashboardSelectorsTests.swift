import Foundation
import Testing

/// What every dashboard shares: `job` and `instance` variables that every query and every other
/// variable reads, so that one exporter (or one exporter of a high-availability pair) can be
/// shown alone; ranges that follow Grafana's `$__rate_interval` unless the panel says its window
/// is fixed; and links that carry the time range and the variables to the next dashboard.
@Suite("Selectors, ranges and links of the dashboards")
struct DashboardSelectorsTests {
    static let selector = #"job=~"$job", instance=~"$instance""#

    static func dashboards() throws -> [(file: String, dashboard: [String: Any])] {
        let folder = AlertRulesTests.root.appendingPathComponent("dashboards")
        return try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted().filter { $0.hasSuffix(".json") }.map { file in
            (file, try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent(file))) as? [String: Any]))
        }
    }

    @Test func everyDashboardHasJobAndInstanceVariablesThatTheOthersRead() throws {
        let dashboards = try Self.dashboards()
        #expect(dashboards.count == 8)
        for (file, dashboard) in dashboards {
            let variables = (dashboard["templating"] as? [String: Any])?["list"] as? [[String: Any]] ?? []
            let names = variables.compactMap { $0["name"] as? String }
            #expect(Array(names.prefix(4)) == ["datasource", "job", "instance", "warehouse"], "\(file): \(names)")
            for variable in variables where variable["type"] as? String == "query" {
                let name = variable["name"] as? String ?? "?"
                let definition = variable["definition"] as? String ?? ""
                #expect((variable["query"] as? [String: Any])?["query"] as? String == definition, "\(file): \(name)")
                #expect(variable["multi"] as? Bool == true && variable["includeAll"] as? Bool == true && variable["allValue"] as? String == ".*", "\(file): \(name)")
                switch name {
                case "job": #expect(definition == "label_values(warehouse_exporter_build_info, job)", "\(file)")
                case "instance": #expect(definition == #"label_values(warehouse_exporter_build_info{job=~"$job"}, instance)"#, "\(file)")
                default: #expect(definition.contains("{" + Self.selector), "\(file): \(name) does not follow the job and instance chosen: \(definition)")
                }
            }
        }
    }

    /// Each selection of an exporter's metric reads the chosen job and instances; a recording rule,
    /// which has neither label, is kept to the warehouses the chosen exporters watch.
    @Test func everyQuerySelectsTheChosenJobAndInstances() throws {
        var selections = 0
        for (file, dashboard) in try Self.dashboards() {
            for panel in dashboard["panels"] as? [[String: Any]] ?? [] {
                for target in panel["targets"] as? [[String: Any]] ?? [] {
                    let query = target["expr"] as? String ?? ""
                    let recorded = query.matches(of: /\b[a-z_]+:[a-z_0-9]+:[a-z_0-9]+\b/)
                    for match in query.replacing(/\b[a-z_]+:[a-z_0-9]+:[a-z_0-9]+\b(\{[^}]*\})?/, with: "").matches(of: /\b((?:warehouse|process)_[a-z_]+)(\{[^}]*\})?/) {
                        selections += 1
                        #expect(match.2?.hasPrefix("{" + Self.selector) == true, "\(file) \(panel["title"] ?? ""): \(match.0)")
                    }
                    if !recorded.isEmpty {
                        #expect(query.contains(" and on (warehouse) warehouse_up{\(Self.selector)}"), "\(file) \(panel["title"] ?? ""): \(query)")
                    }
                }
            }
        }
        #expect(selections > 100)
    }

    /// `$__rate_interval` follows the time range and the data source's scrape interval; a fixed
    /// window is a choice the reader must know of.
    @Test func everyRangeIsTheRateIntervalOrAFixedWindowThePanelNames() throws {
        var ranges: [String: Int] = [:]
        for (file, dashboard) in try Self.dashboards() {
            for panel in dashboard["panels"] as? [[String: Any]] ?? [] {
                let description = panel["description"] as? String ?? ""
                for target in panel["targets"] as? [[String: Any]] ?? [] {
                    for range in (target["expr"] as? String ?? "").matches(of: /\[([^\]]+)\]/).map({ String($0.1) }) {
                        ranges[range, default: 0] += 1
                        if range != "$__rate_interval" && range != "$window" {
                            #expect(description.contains("fixed"), "\(file) \(panel["title"] ?? ""): [\(range)] and its description does not say the window is fixed")
                        }
                    }
                }
            }
        }
        #expect(ranges["$__rate_interval", default: 0] >= 12, "\(ranges)")
        #expect(ranges["5m"] == nil, "\(ranges)")
    }

    @Test func linksKeepTheTimeRangeAndTheVariables() throws {
        var panelLinks = 0
        for (file, dashboard) in try Self.dashboards() {
            for link in dashboard["links"] as? [[String: Any]] ?? [] {
                #expect(link["keepTime"] as? Bool == true && link["includeVars"] as? Bool == true, "\(file): \(link)")
            }
            for panel in dashboard["panels"] as? [[String: Any]] ?? [] {
                for link in panel["links"] as? [[String: Any]] ?? [] {
                    guard let url = link["url"] as? String, url.hasPrefix("/d/") else { continue }
                    panelLinks += 1
                    for part in ["${job:queryparam}", "${instance:queryparam}", "${warehouse:queryparam}", "${__url_time_range}"] {
                        #expect(url.contains(part), "\(file): \(url) has no \(part)")
                    }
                }
            }
        }
        #expect(panelLinks >= 2)
    }
}
