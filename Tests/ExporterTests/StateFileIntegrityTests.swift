import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The state file, as the real binary meets it: a corrupted entry is a warning naming the file and
/// the entry, never a crash (a crash would be a crash loop, since the file stays as it is); and two
/// exporters given one state file cannot both run, since each would overwrite the other's positions.
@Suite("The state file: corrupted, and shared by two exporters")
struct StateFileIntegrityTests {
    let folder: String

    init() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("statefile-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: folder + "/log", withIntermediateDirectories: true)
    }

    func config(dsn: String) throws -> String {
        let path = folder + "/config.yml"
        try """
        warehouses:
          - name: pg
            kind: postgres
            dsn: "\(dsn)"
            collectors: [query_log]
            intervals: { health: 1s, query_log: 100ms }
            query_log: { directory: \(folder)/log, format: jsonlog }
        state_file: \(folder)/state.json
        """.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    static func line(_ index: Int) -> String {
        #"{"timestamp":"2026-11-21 10:00:00.000 UTC","user":"etl","dbname":"db","pid":7,"error_severity":"LOG","message":"duration: 1 ms  statement: /* {\"app\":\"counted\"} */ SELECT \#(index)","application_name":"w"}"#
            + "\n"
    }

    func append(_ text: String) throws {
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: folder + "/log/postgresql.json"))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(text.utf8))
        try handle.close()
    }

    @Test func aNegativeOffsetIsAWarningNamingTheFileAndTheEntryNotACrash() async throws {
        let postgres = try TestPostgres.start(settings: TestPostgres.jsonlogSettings)
        defer { try? postgres.stop() }
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let log = folder + "/log/postgresql.json"
        try (Self.line(1) + Self.line(2)).write(toFile: log, atomically: false, encoding: .utf8)
        let inode = try #require(try FileManager.default.attributesOfItem(atPath: log)[.systemFileNumber] as? UInt64)
        // The log file itself, its head unchecked (no bytes), and an offset no exporter writes.
        try """
        {"pg/query_log": {"file": "postgresql.json", "inode": \(inode), "offset": -5, "head": 0, "headLength": 0, "modified": 0}}
        """.write(toFile: folder + "/state.json", atomically: true, encoding: .utf8)

        let exporter = try await ExporterRestartTests.startExporter(config: try config(dsn: postgres.dsn()))
        try append(Self.line(3) + Self.line(4))
        var counted = 0.0
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline {
            counted = CountingWorkload.counted(try await HTTPGet.fetch("http://127.0.0.1:\(exporter.port)/metrics"), warehouse: "pg")
            if counted == 2 { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(counted == 2, "the statements after the start are counted: \(exporter.process.output)")
        exporter.process.signal(SIGTERM)
        #expect(try await exporter.process.wait(timeout: .seconds(10)) == 0, "it ran on and stopped cleanly: \(exporter.process.output)")
        let warning = exporter.process.output.split(separator: "\n").first { $0.contains("level=warning") && $0.contains("\(folder)/state.json") }
        #expect(warning?.contains(#"entry \"pg/query_log\""#) == true, "\(exporter.process.output)")
        #expect(warning?.contains("offset -5 is negative") == true)
    }

    @Test func aSecondExporterGivenTheSameStateFileRefusesToStartNamingIt() async throws {
        let postgres = try TestPostgres.shared()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try Self.line(1).write(toFile: folder + "/log/postgresql.json", atomically: false, encoding: .utf8)
        let config = try config(dsn: postgres.dsn())
        let first = try await ExporterRestartTests.startExporter(config: config)

        let port = try freePort()
        let second = try BackgroundProcess([ExporterProcessTests.binary, "--config.file", config, "--web.listen-address", "127.0.0.1:\(port)"])
        let status = try await second.wait(timeout: .seconds(30))
        if status == nil { second.signal(SIGKILL) }
        #expect(status == 2, "the second exporter ran: \(second.output)")
        #expect(
            second.output.contains("the state file \(folder)/state.json is in use by another warehouse_exporter (process \(first.process.pid)"),
            "\(second.output)")
        #expect(try await HTTPGet.fetch("http://127.0.0.1:\(first.port)/-/healthy").status == 200, "the first runs on")

        // Once the first has stopped, the file is free.
        first.process.signal(SIGTERM)
        #expect(try await first.process.wait(timeout: .seconds(10)) == 0)
        let third = try await ExporterRestartTests.startExporter(config: config)
        third.process.signal(SIGTERM)
        #expect(try await third.process.wait(timeout: .seconds(10)) == 0, "\(third.process.output)")
    }
}
