import Foundation
import TestSupport
import Testing

/// deploy/kubernetes/: no cluster runs here, so the manifests are rendered by kustomize (kubectl's)
/// and checked offline: the core objects against Kubernetes's own schemas (kubernetes-validate,
/// strict), the Prometheus Operator's against the JSON Schemas in fixtures/kubernetes/
/// (check-jsonschema), the rules inside the PrometheusRules by promtool, and what the exporter
/// needs of its Deployment by reading it.
///
/// Debian 12's own kubectl (1.20) carries a kustomize too old for the manifests; the machines this
/// suite runs on have a newer one. Where there is none, the suite says so and does not run.
@Suite("The Kubernetes manifests", .enabled("needs kubectl with kustomize 4.1 or later") { await Kustomize.isRecent() })
struct KubernetesManifestsTests {
    static let root = AlertRulesTests.root
    static func path(_ relative: String) -> String { root.appendingPathComponent(relative).path }

    /// A console script from PyPI, in Python's scripts folder (found there before a pyenv rehash).
    static func pythonTool(_ name: String, package: String) async throws -> String {
        let (status, output) = try await Subprocess.run(["python3", "-c", "import sysconfig; print(sysconfig.get_path('scripts'))"])
        let path = output.trimmingCharacters(in: .whitespacesAndNewlines) + "/" + name
        guard status == 0, FileManager.default.isExecutableFile(atPath: path) else {
            throw TestSupportError("\(name) is missing (pip install \(package); scripts/install-deps does it): \(output)")
        }
        return path
    }

    /// `kubectl kustomize` of deploy/kubernetes, split into its objects.
    static func render(_ folder: String = "deploy/kubernetes") async throws -> [String] {
        let (status, output) = try await Subprocess.run(["kubectl", "kustomize", "--load-restrictor", "LoadRestrictionsNone", path(folder)])
        guard status == 0 else { throw TestSupportError("kubectl kustomize failed (kubectl 1.21 or later is needed): \(output)") }
        return output.components(separatedBy: "\n---\n")
    }

    static func kind(_ object: String) -> String? {
        object.split(separator: "\n").first { $0.hasPrefix("kind: ") }.map { String($0.dropFirst("kind: ".count)) }
    }

    static func write(_ text: String, _ name: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("\(UUID().uuidString)-\(name)").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func rendersTheExporterTheOperatorsObjectsAndEveryDashboard() async throws {
        let kinds = try await Self.render().compactMap(Self.kind)
        for expected in ["Deployment", "Service", "PersistentVolumeClaim", "Secret", "ServiceMonitor", "PrometheusRule"] {
            #expect(kinds.contains(expected), "\(kinds)")
        }
        let dashboards = try FileManager.default.contentsOfDirectory(atPath: Self.path("dashboards")).filter { $0.hasSuffix(".json") }
        let labelled = try await Self.render().filter { $0.contains("grafana_dashboard: \"1\"") && Self.kind($0) == "ConfigMap" }
        #expect(labelled.count == dashboards.count, "one ConfigMap per dashboard, labelled for Grafana's sidecar")
        // The base alone renders without reaching outside its folder, for clusters without the operator.
        #expect(try await Self.render("deploy/kubernetes/base").compactMap(Self.kind).contains("Deployment"))
    }

    @Test func coreObjectsPassKubernetesSchemasAndABrokenOneDoesNot() async throws {
        let validate = try await Self.pythonTool("kubernetes-validate", package: "kubernetes-validate")
        let core = try await Self.render().filter { !["ServiceMonitor", "PrometheusRule"].contains(Self.kind($0) ?? "") }
        let file = try Self.write(core.joined(separator: "\n---\n"), "core.yaml")
        defer { try? FileManager.default.removeItem(atPath: file) }
        let run = try await Subprocess.run([validate, "--strict", "--no-warn", file])
        #expect(run.status == 0, "\(run.output)")
        #expect(run.output.components(separatedBy: "passed for resource").count - 1 == core.count, "every object was checked: \(run.output)")

        let deployment = try #require(core.first { Self.kind($0) == "Deployment" })
        let broken = try Self.write(deployment.replacingOccurrences(of: "runAsUser: 10001", with: "runAsUser: nobody"), "broken.yaml")
        defer { try? FileManager.default.removeItem(atPath: broken) }
        #expect(try await Subprocess.run([validate, "--strict", "--no-warn", broken]).status != 0, "the check is not a no-op")
    }

    @Test func deploymentRunsConfinedWithOneReplicaOnItsStateVolume() async throws {
        let deployment = try await #require(try Self.render().first { Self.kind($0) == "Deployment" })
        for line in [
            "replicas: 1", "type: Recreate", "runAsNonRoot: true", "runAsUser: 10001", "readOnlyRootFilesystem: true",
            "allowPrivilegeEscalation: false", "- ALL", "type: RuntimeDefault", "path: /-/healthy", "path: /-/ready",
            "claimName: warehouse-exporter-state", "mountPath: /var/lib/warehouse_exporter",
        ] {
            #expect(deployment.contains(line), "\(line) in the Deployment")
        }
        // The configuration's state file is on the volume, and it names the mounted password.
        let config = try Self.read("deploy/kubernetes/base/config.yml")
        #expect(config.contains("state_file: /var/lib/warehouse_exporter/state.json"))
        #expect(config.contains("password_file: /etc/warehouse_exporter/passwords/reporting"))
        // Valid for the exporter, with the Secret's file where the pod would have it.
        let password = try Self.write("change-me\n", "password")
        let copy = try Self.write(config.replacingOccurrences(of: "/etc/warehouse_exporter/passwords/reporting", with: password), "config.yml")
        defer { [password, copy].forEach { try? FileManager.default.removeItem(atPath: $0) } }
        let check = try await Subprocess.run([ExporterProcessTests.binary, "check-config", copy])
        #expect(check.status == 0, "\(check.output)")
    }

    @Test func operatorObjectsPassTheirSchemasAndABrokenOneDoesNot() async throws {
        let checker = try await Self.pythonTool("check-jsonschema", package: "check-jsonschema")
        let objects = try await Self.render().filter { ["ServiceMonitor", "PrometheusRule"].contains(Self.kind($0) ?? "") }
        #expect(objects.count == 3, "a ServiceMonitor and a PrometheusRule per rule file")
        for object in objects {
            let kind = try #require(Self.kind(object))
            let schema = Self.path("fixtures/kubernetes/\(kind.lowercased()).schema.json")
            let file = try Self.write(object, "\(kind).yaml")
            defer { try? FileManager.default.removeItem(atPath: file) }
            let run = try await Subprocess.run([checker, "--schemafile", schema, file])
            #expect(run.status == 0, "\(kind): \(run.output)")
        }
        let rule = try #require(objects.first { Self.kind($0) == "PrometheusRule" })
        let broken = try Self.write(rule.replacingOccurrences(of: "for: 2m", with: "for: two minutes"), "broken.yaml")
        defer { try? FileManager.default.removeItem(atPath: broken) }
        let refused = try await Subprocess.run([checker, "--schemafile", Self.path("fixtures/kubernetes/prometheusrule.schema.json"), broken])
        #expect(refused.status != 0, "the check is not a no-op: \(refused.output)")
    }

    /// The operator names a ServiceMonitor's job after the Service; the rules read another name.
    @Test func serviceMonitorGivesItsTargetsTheJobTheRulesRead() async throws {
        let rendered = try await Subprocess.run(["kubectl", "kustomize", Self.path("deploy/kubernetes/monitoring"), "--load-restrictor", "LoadRestrictionsNone"])
        #expect(rendered.status == 0, "\(rendered.output)")
        let monitor = try #require(rendered.output.components(separatedBy: "\n---\n").first { Self.kind($0) == "ServiceMonitor" })
        let job = try #require(monitor.firstMatch(of: /- replacement: (\S+)\n +targetLabel: job\n/), "\(monitor)").1
        let rules = try ["alerts/alerts.rules.yml", "alerts/recording.rules.yml"].map(Self.read).joined()
        let jobs = Set(rules.matches(of: /job="([^"]*)"/).map { String($0.1) })
        #expect(jobs == [String(job)], "the rules read \(jobs), the ServiceMonitor's targets are \(job)")
    }

    @Test func prometheusRulesHoldTheRuleFilesAsTheyAre() async throws {
        let generated = try await Subprocess.run([Self.path("scripts/kubernetes-rules"), "--stdout"])
        #expect(generated.status == 0, "\(generated.output)")
        #expect(
            generated.output == (try Self.read("deploy/kubernetes/monitoring/prometheusrules.yaml")),
            "deploy/kubernetes/monitoring/prometheusrules.yaml is out of date: run scripts/kubernetes-rules")
        // What the operator hands Prometheus (each spec) is a rule file promtool accepts.
        for object in try await Self.render() where Self.kind(object) == "PrometheusRule" {
            let spec = try #require(object.components(separatedBy: "\nspec:\n").last)
            let rules = spec.split(separator: "\n", omittingEmptySubsequences: false).map { $0.hasPrefix("  ") ? $0.dropFirst(2) : $0 }
            let file = try Self.write(rules.joined(separator: "\n"), "rules.yml")
            defer { try? FileManager.default.removeItem(atPath: file) }
            let check = try await Subprocess.run(["promtool", "check", "rules", file])
            #expect(check.status == 0, "\(check.output)")
        }
    }

    static func read(_ relative: String) throws -> String {
        try String(contentsOfFile: path(relative), encoding: .utf8)
    }
}

/// Whether `kubectl version --client` reports kustomize 4.1 or later.
private enum Kustomize {
    static func isRecent() async -> Bool {
        guard let (status, output) = try? await Subprocess.run(["kubectl", "version", "--client"]), status == 0,
            let match = output.firstMatch(of: /Kustomize Version: v(\d+)\.(\d+)/), let major = Int(match.1), let minor = Int(match.2)
        else { return false }
        return major > 4 || (major == 4 && minor >= 1)
    }
}
