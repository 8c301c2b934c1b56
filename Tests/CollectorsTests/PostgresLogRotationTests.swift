import Collectors
import Foundation
import TestSupport
import Testing

/// A real PostgreSQL writing its jsonlog while logrotate's moves are made on its files with real
/// commands: the file renamed under it (`dateext`) and the server told to reopen its log,
/// `copytruncate`, `truncate -s 0`, and a restart of the exporter. Every statement is counted once.
@Suite("PostgreSQL log files renamed and truncated under the server")
struct PostgresLogRotationTests {
    typealias Harness = PostgresQueryLogCollectorTests.Harness

    let postgres: TestPostgres
    let database: String
    let logDirectory: String

    init() async throws {
        postgres = try PostgresQueryLogCollectorTests.cluster(.jsonlog)
        database = try await postgres.createDatabase(prefix: "rotate")
        logDirectory = postgres.directory + "/data/log"
    }

    /// Runs `count` statements of the airflow task `task`; each carries `task` in a literal too,
    /// so its execution lines can be found in the server's files.
    func run(_ task: String, _ count: Int) async throws {
        let statement = #"/* {"app":"airflow","dag":"rotation","task":"\#(task)","user":"etl"} */ SELECT 'mark-\#(task)'"#
        try await PostgresQueryLogCollectorTests.run(postgres, database: database, Array(repeating: statement, count: count))
    }

    /// The log file the server writes now: the one holding `task`'s executions once they are all
    /// there (the server writes its log asynchronously).
    func waitUntilLogged(_ task: String, _ count: Int) async throws -> String {
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline {
            for name in try FileManager.default.contentsOfDirectory(atPath: logDirectory) where name.hasSuffix(".json") {
                let text = String(decoding: FileManager.default.contents(atPath: logDirectory + "/" + name) ?? Data(), as: UTF8.self)
                let executions = text.split(separator: "\n").filter { $0.contains(" ms  execute ") && $0.contains("'mark-\(task)'") }
                if executions.count >= count { return name }
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw TestSupportError("the server did not log \(count) executions of \(task)")
    }

    func waitUntil(_ what: String, _ condition: () throws -> Bool) async throws {
        let deadline = ContinuousClock.now + .seconds(30)
        while try !condition() {
            guard ContinuousClock.now < deadline else { throw TestSupportError("\(what): not within 30 s") }
            try await Task.sleep(for: .milliseconds(50))
        }
    }

    /// Runs a command in the server's log directory, as logrotate does.
    func shell(_ command: String) async throws {
        let result = try await Subprocess.run(["/bin/sh", "-c", "cd \"$0\" && \(command)", logDirectory])
        #expect(result.status == 0, "\(command): \(result.output)")
    }

    func labels(_ task: String) -> [String: String] {
        [
            "warehouse": "w", "database": database, "app": "airflow", "user": "etl", "dag": "rotation", "task": task, "query_type": "select",
            "status": "success",
        ]
    }

    /// Collects until `task` is counted `count` times, then three more times: the count must stay.
    func expectCounted(_ harness: Harness, _ expected: [String: Double]) async throws {
        let durations = "warehouse_query_duration_seconds_count"
        for (task, count) in expected where count > 0 {
            _ = try await harness.collect(until: durations, labels(task), is: count)
        }
        for _ in 0..<3 { try await harness.collect() }
        for (task, count) in expected.sorted(by: { $0.key < $1.key }) {
            #expect(harness.value(durations, labels(task)) ?? 0 == count, "\(task)")
        }
    }

    @Test func everyStatementIsCountedOnceThroughRenamesTruncationsAndARestart() async throws {
        defer { try? postgres.stop() }
        let statePath = postgres.directory + "/rotation-state.json"
        let harness = try Harness(postgres, format: .jsonlog, statePath: statePath)
        try await harness.collect()  // the end of the log
        try await run("one", 3)
        try await expectCounted(harness, ["one": 3])

        // dateext: renamed while the server writes on to it, then `pg_ctl logrotate`.
        try await run("two", 2)
        let current = try await waitUntilLogged("two", 2)
        try await shell("mv '\(current)' renamed-20261121.json")
        try await run("three", 2)
        #expect(try await waitUntilLogged("three", 2) == "renamed-20261121.json", "the server writes on to the renamed file")
        try await postgres.execute("SELECT pg_rotate_logfile()")
        try await waitUntil("the server reopens its log") {
            try FileManager.default.contentsOfDirectory(atPath: logDirectory).contains { $0.hasSuffix(".json") && !$0.hasPrefix("renamed") }
        }
        try await run("four", 2)
        let reopened = try await waitUntilLogged("four", 2)
        #expect(reopened != "renamed-20261121.json")
        try await expectCounted(harness, ["one": 3, "two": 2, "three": 2, "four": 2])

        // copytruncate, the copy under logrotate's default name (not a log file).
        try await shell("cp '\(reopened)' '\(reopened).1' && truncate -s 0 '\(reopened)'")
        try await run("five", 4)
        try await expectCounted(harness, ["one": 3, "two": 2, "three": 2, "four": 2, "five": 4])

        // Truncated to nothing by hand.
        try await shell("truncate -s 0 '\(reopened)'")
        try await run("six", 5)
        try await expectCounted(harness, ["four": 2, "five": 4, "six": 5])

        // A restart, after statements, a rename and a truncation made while it was down.
        try await run("seven", 2)
        _ = try await waitUntilLogged("seven", 2)
        try await shell("mv '\(reopened)' renamed-again-20261121.json")
        try await run("eight", 3)
        _ = try await waitUntilLogged("eight", 3)
        let restarted = try Harness(postgres, format: .jsonlog, statePath: statePath)
        try await expectCounted(restarted, ["six": 0, "seven": 2, "eight": 3])
        try await shell("truncate -s 0 renamed-again-20261121.json")
        try await run("nine", 2)
        try await expectCounted(restarted, ["six": 0, "seven": 2, "eight": 3, "nine": 2])
    }
}
