@testable import Collectors
import Foundation
import QueryMetrics
import SQLText
import TestSupport
import Testing

/// The query_log collector on files treated as logrotate, filesystems and clocks treat them: a
/// file truncated, rewritten, deleted and recreated (its inode reused), renamed, copied, stamped
/// with a time in the past, and a name reused by `log_truncate_on_rotation`, with real `truncate`,
/// `mv`, `cp`, `rm` and `touch`. Every statement written is counted exactly once.
@Suite struct QueryLogFileIdentityTests: QueryLogDirectoryTest {
    let directory: String
    let statePath: String

    init() throws {
        (directory, statePath) = try Self.makeDirectory("querylog-id")
    }

    /// `count` jsonlog lines of finished statements of the airflow task `task`, logged `second`
    /// seconds (and on) after 10:00 on 2026-11-21, UTC, as the server writes its time.
    static func lines(_ task: String, _ count: Int = 1, at second: Int) -> String {
        (0..<count).map { index in
            let stamp = timeFormat.string(from: Date(timeIntervalSince1970: 1_795_255_200 + Double(second + index))) + " UTC"
            let sql = #"/* {\"app\":\"airflow\",\"dag\":\"d\",\"task\":\"\#(task)\"} */ SELECT 1"#
            return #"{"timestamp":"\#(stamp)","user":"etl","dbname":"db","pid":\#(4000 + index),"error_severity":"LOG","message":"duration: 1 ms  statement: \#(sql)","application_name":"worker","backend_type":"client backend"}"# + "\n"
        }.joined()
    }

    /// PostgreSQL's `%m`, in UTC.
    static var timeFormat: DateFormatter {
        let format = DateFormatter()
        format.locale = Locale(identifier: "en_US_POSIX")
        format.timeZone = TimeZone(identifier: "UTC")
        format.dateFormat = "yyyy-MM-dd HH:mm:ss.SSS"
        return format
    }

    /// Runs a command in the log directory, as an operator or logrotate would.
    func run(_ arguments: String...) async throws {
        let result = try await Subprocess.run(["/bin/sh", "-c", "cd \"$0\" && exec \"$@\"", directory] + arguments)
        #expect(result.status == 0, "\(arguments): \(result.output)")
    }

    func inode(_ name: String) throws -> UInt64 {
        try #require(try FileManager.default.attributesOfItem(atPath: directory + "/" + name)[.systemFileNumber] as? UInt64)
    }

    func count(_ recorder: QueryRecorder, _ task: String) -> Double {
        Exposition(recorder).value(
            "warehouse_query_duration_seconds_count",
            ["warehouse": "w", "database": "db", "app": "airflow", "user": "etl", "dag": "d", "task": task, "query_type": "select", "status": "success"]
        ) ?? 0
    }

    /// Ingests three times: a file read again from its start shows as a count that keeps rising.
    func ingestRepeatedly(_ collector: PostgresQueryLogCollector) throws {
        for _ in 0..<3 { try collector.ingest(warehouse: "w") }
    }

    @Test func aFileTruncatedToNothingAndWrittenAgainIsReadFromItsNewStartOnce() async throws {
        let file = "postgresql.json"
        try append(Self.lines("history", 3, at: 0), to: file)
        let recorder = QueryRecorder()
        let collector = try collector(recorder)
        try collector.ingest(warehouse: "w")
        try append(Self.lines("before", 2, at: 10), to: file)
        try collector.ingest(warehouse: "w")

        try await run("truncate", "-s", "0", file)
        try collector.ingest(warehouse: "w")  // an empty file: nothing to read yet
        try append(Self.lines("after", 4, at: 20), to: file)
        try ingestRepeatedly(collector)
        #expect(count(recorder, "after") == 4, "the truncated file's new lines, once")
        #expect(count(recorder, "before") == 2 && count(recorder, "history") == 0)

        // Truncated and at once written past the offset reached (the server writing on, O_APPEND).
        try await run("truncate", "-s", "0", file)
        try append(Self.lines("rewritten", 12, at: 30), to: file)
        try ingestRepeatedly(collector)
        #expect(count(recorder, "rewritten") == 12)

        // A restart from the state file reads none of it again.
        let restarted = QueryRecorder()
        let second = try self.collector(restarted)
        try append(Self.lines("after-restart", 1, at: 50), to: file)
        try ingestRepeatedly(second)
        #expect(count(restarted, "after-restart") == 1)
        #expect(count(restarted, "rewritten") == 0 && count(restarted, "after") == 0)
    }

    @Test func copytruncateReadsTheCopysUnreadLinesAndTheTruncatedFileOnce() async throws {
        let file = "postgresql.json"
        try append(Self.lines("history", 2, at: 0), to: file)
        let recorder = QueryRecorder()
        let collector = try collector(recorder)
        try collector.ingest(warehouse: "w")
        try append(Self.lines("read", 2, at: 10), to: file)
        try collector.ingest(warehouse: "w")
        // Written after the last read, then copied away (dateext keeping the extension) and truncated.
        try append(Self.lines("unread", 3, at: 20), to: file)
        try await run("cp", file, "postgresql-20261121.json")
        try await run("truncate", "-s", "0", file)
        try append(Self.lines("after", 2, at: 30), to: file)
        try ingestRepeatedly(collector)
        #expect(count(recorder, "unread") == 3, "what the copy holds past the offset reached")
        #expect(count(recorder, "after") == 2)
        #expect(count(recorder, "read") == 2 && count(recorder, "history") == 0, "nothing of the copy read again")

        // logrotate's default copy name is not a log file: the truncated file goes on alone.
        try await run("cp", file, file + ".1")
        try await run("truncate", "-s", "0", file)
        try append(Self.lines("after-second", 5, at: 40), to: file)
        try ingestRepeatedly(collector)
        #expect(count(recorder, "after-second") == 5)
        #expect(count(recorder, "after") == 2)
    }

    @Test func aFileDeletedAndRecreatedUnderItsNameIsReadOnceWhetherOrNotItsInodeIsReused() async throws {
        let file = "postgresql.json"
        try append(Self.lines("history", 2, at: 0), to: file)
        let recorder = QueryRecorder()
        let collector = try collector(recorder)
        try collector.ingest(warehouse: "w")
        try append(Self.lines("first", 6, at: 10), to: file)
        try collector.ingest(warehouse: "w")
        let before = try inode(file)

        // Shorter than the offset reached, then longer: both are a new file.
        try await run("rm", file)
        try append(Self.lines("recreated", 2, at: 20), to: file)
        let reused = try inode(file) == before
        try ingestRepeatedly(collector)
        try await run("rm", file)
        try append(Self.lines("recreated-longer", 20, at: 30), to: file)
        try ingestRepeatedly(collector)
        #expect(count(recorder, "first") == 6)
        #expect(count(recorder, "recreated") == 2)
        #expect(count(recorder, "recreated-longer") == 20)
        print("deleted and recreated: the inode was \(reused ? "reused" : "not reused") by the filesystem")
    }

    @Test func aFileRewrittenWithTheSameFirstBytesIsToldApartByTheBytesBeforeTheOffset() async throws {
        let file = "postgresql.json"
        let first = Self.lines("first-line", 1, at: 0)
        try append(first + Self.lines("history", 2, at: 1), to: file)
        let recorder = QueryRecorder()
        let collector = try collector(recorder)
        try collector.ingest(warehouse: "w")
        // The same first line, then other lines: the file's head cannot tell it from the one read.
        try await run("truncate", "-s", "0", file)
        try append(first + Self.lines("other", 9, at: 100), to: file)
        try ingestRepeatedly(collector)
        #expect(count(recorder, "other") == 9)
        #expect(count(recorder, "first-line") == 1, "the rewritten file is read from its start, once")
    }

    @Test func aRenamedFileIsFollowedByItsIdentityNotReadAgain() async throws {
        let file = "postgresql.json"
        try append(Self.lines("history", 2, at: 0), to: file)
        let recorder = QueryRecorder()
        let collector = try collector(recorder)
        try collector.ingest(warehouse: "w")
        try append(Self.lines("read", 4, at: 10), to: file)
        try collector.ingest(warehouse: "w")

        // logrotate's dateext: the file renamed, the server still writing to it until it reopens
        // its file (`pg_ctl logrotate`), then a new file under the old name.
        try append(Self.lines("unread", 3, at: 20), to: file)
        try await run("mv", file, "postgresql-2026-11-21_100000.json")
        try append(Self.lines("late", 1, at: 30), to: "postgresql-2026-11-21_100000.json")
        try append(Self.lines("new", 2, at: 40), to: file)
        try ingestRepeatedly(collector)
        #expect(count(recorder, "read") == 4, "the renamed file is not read again")
        #expect(count(recorder, "unread") == 3 && count(recorder, "late") == 1 && count(recorder, "new") == 2)

        // Across a restart, and another rename of the file being read.
        try append(Self.lines("while-down", 2, at: 50), to: file)
        try await run("mv", file, "postgresql-2026-11-21_100040.json")
        let restarted = QueryRecorder()
        let second = try self.collector(restarted)
        try ingestRepeatedly(second)
        #expect(count(restarted, "while-down") == 2)
        #expect(count(restarted, "new") == 0 && count(restarted, "read") == 0)
    }

    @Test func filesAreTakenInTheOrderTheirRecordsSayNotByModificationTime() async throws {
        try append(Self.lines("history", 2, at: 0), to: "postgresql-a.json")
        let recorder = QueryRecorder()
        let collector = try collector(recorder)
        try collector.ingest(warehouse: "w")
        try append(Self.lines("a", 1, at: 10), to: "postgresql-a.json")
        // The next file, its modification time in the past (a clock stepped back, `touch`).
        try append(Self.lines("b", 2, at: 20), to: "postgresql-b.json")
        try await run("touch", "-d", "2020-01-01 00:00:00", "postgresql-b.json")
        try ingestRepeatedly(collector)
        #expect(count(recorder, "a") == 1)
        #expect(count(recorder, "b") == 2, "a newer file with an older modification time is read")

        // The file read stamped into the future, another file into the past: still the records' order.
        try await run("touch", "-d", "2099-01-01 00:00:00", "postgresql-a.json")
        try append(Self.lines("b-more", 3, at: 30), to: "postgresql-b.json")
        try await run("touch", "-d", "2020-01-01 00:00:00", "postgresql-b.json")
        try ingestRepeatedly(collector)
        #expect(count(recorder, "b-more") == 3)
        #expect(count(recorder, "a") == 1 && count(recorder, "b") == 2 && count(recorder, "history") == 0)
    }

    @Test func theATruncateOnRotationCycleIsFollowedAcrossRestarts() async throws {
        // log_filename = 'postgresql-%a.json' with log_truncate_on_rotation: Monday's file is
        // truncated and written again a week later, the exporter down in between.
        let (monday, tuesday) = ("postgresql-Mon.json", "postgresql-Tue.json")
        try append(Self.lines("history", 2, at: 0), to: monday)
        var recorder = QueryRecorder()
        let first = try collector(recorder)
        try first.ingest(warehouse: "w")
        try append(Self.lines("monday", 3, at: 10), to: monday)
        try first.ingest(warehouse: "w")
        #expect(count(recorder, "monday") == 3)
        let mondayInode = try inode(monday)

        // Down: Tuesday's file, then Monday's again, truncated in place (the same inode).
        try append(Self.lines("tuesday", 4, at: 86_400 - 36_000), to: tuesday)
        try await run("truncate", "-s", "0", monday)
        try append(Self.lines("next-monday", 5, at: 7 * 86_400 - 36_000), to: monday)
        #expect(try inode(monday) == mondayInode)
        recorder = QueryRecorder()
        let second = try collector(recorder)
        try ingestRepeatedly(second)
        #expect(count(recorder, "tuesday") == 4, "the file written between is read")
        #expect(count(recorder, "next-monday") == 5, "the rewritten file is read from its start, once")
        #expect(count(recorder, "monday") == 0 && count(recorder, "history") == 0)

        // And around again, with Tuesday's file touched into the future and a restart in between.
        try await run("truncate", "-s", "0", tuesday)
        try append(Self.lines("next-tuesday", 6, at: 8 * 86_400 - 36_000), to: tuesday)
        try await run("touch", "-d", "2020-01-01 00:00:00", tuesday)
        try append(Self.lines("next-monday-late", 1, at: 7 * 86_400 - 35_000), to: monday)
        try await run("touch", "-d", "2099-01-01 00:00:00", monday)
        recorder = QueryRecorder()
        let third = try collector(recorder)
        try ingestRepeatedly(third)
        try append(Self.lines("next-tuesday-late", 2, at: 8 * 86_400 - 35_000), to: tuesday)
        try ingestRepeatedly(third)
        #expect(count(recorder, "next-monday-late") == 1)
        #expect(count(recorder, "next-tuesday") == 6)
        #expect(count(recorder, "next-tuesday-late") == 2)
        #expect(count(recorder, "next-monday") == 0 && count(recorder, "tuesday") == 0)
    }

    @Test func aServerAppendingAgainToAnOlderFileHasOnlyItsNewLinesRead() throws {
        // log_filename = 'postgresql-%a.json': a server down at midnight and started on Monday
        // appends to last Monday's file; without log_truncate_on_rotation, every rotation does.
        let (monday, tuesday) = ("postgresql-Mon.json", "postgresql-Tue.json")
        try append(Self.lines("last-monday", 3, at: 0), to: monday)
        try append(Self.lines("last-tuesday", 3, at: 86_400), to: tuesday)
        var recorder = QueryRecorder()
        let first = try collector(recorder)
        try first.ingest(warehouse: "w")
        try append(Self.lines("tuesday", 2, at: 86_400 + 100), to: tuesday)
        try first.ingest(warehouse: "w")
        try append(Self.lines("monday", 4, at: 7 * 86_400), to: monday)
        try ingestRepeatedly(first)
        #expect(count(recorder, "tuesday") == 2)
        #expect(count(recorder, "monday") == 4, "the older file's new lines, once")
        #expect(count(recorder, "last-monday") == 0 && count(recorder, "last-tuesday") == 0)

        // Across a restart, the server appending to Tuesday's file again while the exporter was down.
        try append(Self.lines("monday-late", 1, at: 7 * 86_400 + 100), to: monday)
        try append(Self.lines("next-tuesday", 5, at: 8 * 86_400), to: tuesday)
        recorder = QueryRecorder()
        let second = try collector(recorder)
        try ingestRepeatedly(second)
        #expect(count(recorder, "monday-late") == 1 && count(recorder, "next-tuesday") == 5)
        #expect(count(recorder, "monday") == 0 && count(recorder, "tuesday") == 0)
    }

    @Test func aNewFileIsReadEvenWhenTheClockWentBackFurtherThanTheFileBeingWritten() async throws {
        try append(Self.lines("history", 2, at: 3600), to: "postgresql-1.json")
        let recorder = QueryRecorder()
        let collector = try collector(recorder)
        try collector.ingest(warehouse: "w")
        // The clock stepped back two hours, then the server rotated: the new file's records, its
        // name and its modification time all say it is older than the file before it.
        try append(Self.lines("after-step", 3, at: -3600), to: "postgresql-0.json")
        try await run("touch", "-d", "2020-01-01 00:00:00", "postgresql-0.json")
        try ingestRepeatedly(collector)
        #expect(count(recorder, "after-step") == 3, "read as soon as it appears")
        try append(Self.lines("after-step-more", 2, at: -3500), to: "postgresql-0.json")
        try ingestRepeatedly(collector)
        #expect(count(recorder, "after-step") == 3 && count(recorder, "after-step-more") == 2)
        #expect(count(recorder, "history") == 0)
        // And across a restart.
        try append(Self.lines("after-restart", 1, at: -3400), to: "postgresql-0.json")
        let restarted = QueryRecorder()
        try ingestRepeatedly(try self.collector(restarted))
        #expect(count(restarted, "after-restart") == 1 && count(restarted, "after-step") == 0)
    }

    @Test func aDirectoryOfManyFilesKeepsTheStateFileSmallAndEveryNewFileRead() throws {
        // A server that never deletes its files (the default log_filename has no cycle).
        for index in 0..<100 { try append(Self.lines("history", 1, at: index * 60), to: String(format: "postgresql-%03d.json", index)) }
        var recorder = QueryRecorder()
        let first = try collector(recorder)
        try first.ingest(warehouse: "w")
        for index in 100..<200 {
            try append(Self.lines("rotated", 2, at: index * 60), to: String(format: "postgresql-%03d.json", index))
            if index % 10 == 0 { try first.ingest(warehouse: "w") }
        }
        try ingestRepeatedly(first)
        #expect(count(recorder, "rotated") == 200 && count(recorder, "history") == 0)
        let saved = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: statePath))) as? [String: Any])
        let entry = try #require(saved["w/query_log"] as? [String: Any])
        #expect(((entry["others"] as? [Any])?.count ?? 0) + 1 == LogTailer.maximumMarks)
        #expect(entry["file"] as? String == "postgresql-199.json")
        #expect(try Data(contentsOf: URL(fileURLWithPath: statePath)).count < 32 << 10)

        // After a restart: new files and the newest files' growth are read, old files are not.
        try append(Self.lines("grown", 1, at: 199 * 60 + 1), to: "postgresql-199.json")
        try append(Self.lines("grown-older", 1, at: 150 * 60 + 1), to: "postgresql-150.json")
        try append(Self.lines("new", 3, at: 200 * 60), to: "postgresql-200.json")
        recorder = QueryRecorder()
        try ingestRepeatedly(try collector(recorder))
        #expect(count(recorder, "grown") == 1 && count(recorder, "grown-older") == 1 && count(recorder, "new") == 3)
        #expect(count(recorder, "rotated") == 0 && count(recorder, "history") == 0)
    }

    @Test func namesWithTheTimePlaceFilesWhoseFirstLinesHaveNone() async throws {
        // stderr files that begin with lines the server did not prefix (a library writing to
        // stderr): the time in log_filename's name places them.
        let prefix = "2026-11-21 10:00:00.000 UTC [4242] etl@db [worker] 00000 LOG:  duration: 1 ms  statement: "
        func statement(_ task: String) -> String { prefix + #"/* {"app":"airflow","dag":"d","task":"\#(task)"} */ SELECT 1"# + "\n" }
        let (older, newer) = ("postgresql-2026-11-21_100000.log", "postgresql-2026-11-21_110000.log")
        let unprefixed = "could not load library: " + String(repeating: "x", count: LogDirectory.probeLength) + "\n"
        try append(unprefixed + statement("history"), to: older)
        let recorder = QueryRecorder()
        let collector = PostgresQueryLogCollector(
            options: .init(directory: directory, format: .stderr), warehouse: "w", recorder: recorder, rules: AnnotationRules(),
            state: try StateStore(path: statePath))
        try collector.ingest(warehouse: "w")
        try append(statement("older"), to: older)
        try append(unprefixed + statement("newer") + statement("newer"), to: newer)
        try await run("touch", "-d", "2020-01-01 00:00:00", newer)
        try ingestRepeatedly(collector)
        #expect(count(recorder, "older") == 1)
        #expect(count(recorder, "newer") == 2)
    }

    @Test func theTimesFilesBeganAreReadFromRecordsAndNames() {
        func recordTime(_ text: String) -> Double? {
            Array(text.utf8).withUnsafeBufferPointer { LogFileStart.recordTime($0) }
        }
        let day = 20_413.0 * 86_400  // 2025-11-21
        #expect(recordTime(#"{"timestamp":"2025-11-21 10:15:30.250 UTC","user":"u"}"#) == day + 36_930.25)
        #expect(recordTime("2025-11-21 10:15:30.250 UTC,\"u\",\"db\"") == day + 36_930.25)
        #expect(recordTime("garbage\n2025-11-21 10:15:30 CET [1] LOG:  x") == day + 36_930)
        #expect(recordTime("no time here") == nil)
        #expect(LogFileStart.nameTime("postgresql-2025-11-21_101530.log") == day + 36_930)
        #expect(LogFileStart.nameTime("postgresql-2025-11-21_10.log") == day + 36_000)
        #expect(LogFileStart.nameTime("postgresql-2025-11-21.json") == day)
        #expect(LogFileStart.nameTime("postgresql-Mon.log") == nil)
        #expect(LogFileStart.nameTime("postgresql-2025-13-21.log") == nil)
    }
}
