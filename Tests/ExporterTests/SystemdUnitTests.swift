import Foundation
import TestSupport
import Testing

/// deploy/systemd/: checked by systemd's own parser (`systemd-analyze verify`), which needs the
/// ExecStart program to exist, so a copy pointing at the built binary is verified.
@Suite("The systemd unit")
struct SystemdUnitTests {
    static let unit = AlertRulesTests.root.appendingPathComponent("deploy/systemd/warehouse_exporter.service").path

    /// `systemd-analyze verify` of `text` as warehouse_exporter.service: its status and what it
    /// said, nil when systemd-analyze cannot run here.
    static func verify(_ text: String) async throws -> (status: Int32, output: String)? {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("systemd-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let path = folder + "/warehouse_exporter.service"
        try text.replacingOccurrences(of: "/usr/local/bin/warehouse_exporter", with: ExporterProcessTests.binary)
            .write(toFile: path, atomically: true, encoding: .utf8)
        guard let run = try? await Subprocess.run(["systemd-analyze", "verify", path]) else { return nil }
        return run
    }

    @Test func verifiesWithoutAWordFromSystemd() async throws {
        let text = try String(contentsOfFile: Self.unit, encoding: .utf8)
        let run = try await #require(try Self.verify(text), "systemd-analyze is missing (apt-get install systemd; scripts/install-deps does it)")
        #expect(run.status == 0, "\(run.output)")
        // It warns, exiting 0, about what it ignores: a warning is a failure here.
        #expect(run.output.isEmpty, "\(run.output)")
        let broken = try await #require(try Self.verify(text.replacingOccurrences(of: "ProtectHome=yes", with: "ProtectHome=yes\nProtectHomes=yes")))
        #expect(broken.output.contains("ProtectHomes"), "the check is not a no-op: \(broken.output)")
    }

    @Test func confinesTheServiceAndKeepsTheStateFile() throws {
        let lines = Set(try String(contentsOfFile: Self.unit, encoding: .utf8).split(separator: "\n").map(String.init))
        for setting in [
            "DynamicUser=yes", "StateDirectory=warehouse_exporter", "ProtectSystem=strict", "ProtectHome=yes", "PrivateTmp=yes",
            "NoNewPrivileges=yes", "CapabilityBoundingSet=", "RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX",
            "SystemCallFilter=@system-service", "Restart=on-failure", "ReadOnlyPaths=/var/log/postgresql",
            // The exporter reloads its configuration on SIGHUP.
            "ExecReload=/bin/kill -HUP $MAINPID",
        ] {
            #expect(lines.contains(setting), "\(setting)")
        }
    }
}
