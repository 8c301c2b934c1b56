@testable import Collectors
import Foundation
import QueryMetrics
import SQLText
import TestSupport
import Synchronization
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The state file's contents, from what the current and earlier versions write to what a disk, an
/// editor or a bug may leave: everything is read or reported, nothing crashes.
@Suite struct StateStoreTests {
    let directory: String
    let statePath: String

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("state-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        statePath = directory + "/state.json"
    }

    /// A store on `statePath` and the warnings it gave.
    func store(exclusive: Bool = false) throws -> (StateStore, Warnings) {
        let warnings = Warnings()
        let store = try StateStore(path: statePath, exclusive: exclusive, onWarning: { message in warnings.list.withLock { $0.append(message) } })
        return (store, warnings)
    }

    final class Warnings: Sendable {
        let list = Mutex<[String]>([])
        func withLock<Result>(_ body: ([String]) -> Result) -> Result { list.withLock { body($0) } }
    }

    @Test func anEmptyFileIsAWarningNamingIt() throws {
        try "".write(toFile: statePath, atomically: true, encoding: .utf8)
        let (store, warnings) = try store()
        #expect(store.load(LogCursor.self, key: "w/query_log") == nil)
        #expect(warnings.withLock { $0 } == ["the state file \(statePath) is empty: starting without saved positions"])
    }

    /// A field of the entry and its raw JSON value ("-" leaves it out), and what the warning says.
    @Test(arguments: [
        ("offset", "-5", "offset -5 is negative"),
        ("offset", "100000000000000000000", "offset"),
        ("offset", "1.5", "offset"),
        ("inode", "-1", "inode"),
        ("headLength", "-1", "headLength -1 is not between 0 and 256"),
        ("headLength", "1000000000", "headLength 1000000000 is not between 0 and 256"),
        ("head", #""abc""#, "head"),
        ("tailLength", "300", "tailLength 300"),
        ("modified", "null", "modified is null"),
        ("file", "-", "file is missing"),
        ("others", #"[{"file": "a.json", "inode": 1, "offset": -1, "head": 0, "headLength": 0, "modified": 0}]"#, "others.0.offset: offset -1"),
        ("floor", #""soon""#, "floor"),
    ])
    func anEntryThatDoesNotDecodeIsAWarningNamingTheFileAndTheEntry(_ field: String, _ value: String, _ problem: String) throws {
        var fields = ["file": #""postgresql.json""#, "inode": "12", "offset": "40", "head": "1", "headLength": "10", "modified": "0", "tail": "7"]
        fields[field] = value == "-" ? nil : value
        let entry = fields.sorted { $0.key < $1.key }.map { #""\#($0.key)": \#($0.value)"# }.joined(separator: ", ")
        try """
        {"other": {"kept": true}, "w/query_log": {\(entry)}}
        """.write(toFile: statePath, atomically: true, encoding: .utf8)
        let (store, warnings) = try store()
        #expect(store.load(LogCursor.self, key: "w/query_log") == nil)
        let warning = try #require(warnings.withLock { $0 }.first)
        #expect(warning.contains("the state file \(statePath) has an entry \"w/query_log\" that cannot be read"), "\(warning)")
        #expect(warning.contains(problem), "\(warning)")
        // Reported once; the next save writes the file without it, and keeps the others.
        #expect(store.load(LogCursor.self, key: "w/query_log") == nil)
        #expect(warnings.withLock { $0.count } == 1)
        try store.save(["n": 1], key: "x")
        let saved = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: statePath))) as? [String: Any])
        #expect(Set(saved.keys) == ["other", "x"])
    }

    @Test func aNegativeOffsetInTheStateFileLeavesTheCollectorReadingFromTheEnd() throws {
        try FileManager.default.createDirectory(atPath: directory + "/log", withIntermediateDirectories: true)
        let log = directory + "/log/postgresql.json"
        try QueryLogFileIdentityTests.lines("history", 2, at: 0).write(toFile: log, atomically: false, encoding: .utf8)
        let inode = try #require(try FileManager.default.attributesOfItem(atPath: log)[.systemFileNumber] as? UInt64)
        try """
        {"w/query_log": {"file": "postgresql.json", "inode": \(inode), "offset": -5, "head": 0, "headLength": 0, "modified": 0}}
        """.write(toFile: statePath, atomically: true, encoding: .utf8)
        let (store, warnings) = try store()
        let recorder = QueryRecorder()
        let collector = PostgresQueryLogCollector(
            options: .init(directory: directory + "/log", format: .jsonlog), warehouse: "w", recorder: recorder, rules: AnnotationRules(),
            state: store)
        try collector.ingest(warehouse: "w")
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(QueryLogFileIdentityTests.lines("after", 3, at: 10).utf8))
        try handle.close()
        try collector.ingest(warehouse: "w")
        let labels = [
            "warehouse": "w", "database": "db", "app": "airflow", "user": "etl", "dag": "d", "task": "after", "query_type": "select", "status": "success",
        ]
        #expect(Exposition(recorder).value("warehouse_query_duration_seconds_count", labels) == 3, "the statements after the start, once")
        #expect(warnings.withLock { $0.count } == 1)
    }

    @Test func aStateFileWrittenByThePreviousVersionIsReadAndItsPositionKept() throws {
        // What the previous version wrote: the cursor without start or tail, its head hash above
        // Int64.max, as JSONSerialization prints it.
        try FileManager.default.createDirectory(atPath: directory + "/log", withIntermediateDirectories: true)
        let log = directory + "/log/postgresql.json"
        let history = QueryLogFileIdentityTests.lines("history", 3, at: 0)
        try history.write(toFile: log, atomically: false, encoding: .utf8)
        let attributes = try FileManager.default.attributesOfItem(atPath: log)
        let inode = try #require(attributes[.systemFileNumber] as? UInt64)
        let modified = try #require(attributes[.modificationDate] as? Date).timeIntervalSince1970
        let head = LogFile.fingerprint(Array(history.utf8).prefix(256))
        try """
        {
          "w/query_log" : {
            "file" : "postgresql.json",
            "head" : \(head),
            "headLength" : 256,
            "inode" : \(inode),
            "modified" : \(modified),
            "offset" : \(history.utf8.count)
          }
        }
        """.write(toFile: statePath, atomically: true, encoding: .utf8)
        let (store, warnings) = try store()
        let cursor = try #require(store.load(LogCursor.self, key: "w/query_log"))
        #expect(cursor.current.head == head && cursor.current.offset == history.utf8.count)
        #expect(cursor.current.start == nil && cursor.current.tail == nil && cursor.others.isEmpty && cursor.floor == nil)

        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(QueryLogFileIdentityTests.lines("after", 2, at: 10).utf8))
        try handle.close()
        let recorder = QueryRecorder()
        let collector = PostgresQueryLogCollector(
            options: .init(directory: directory + "/log", format: .jsonlog), warehouse: "w", recorder: recorder, rules: AnnotationRules(),
            state: try StateStore(path: statePath))
        try collector.ingest(warehouse: "w")
        try collector.ingest(warehouse: "w")
        let labels = ["warehouse": "w", "database": "db", "app": "airflow", "user": "etl", "dag": "d", "query_type": "select", "status": "success"]
        #expect(Exposition(recorder).value("warehouse_query_duration_seconds_count", labels.merging(["task": "after"]) { $1 }) == 2)
        #expect(Exposition(recorder).value("warehouse_query_duration_seconds_count", labels.merging(["task": "history"]) { $1 }) == nil)
        #expect(warnings.withLock { $0 }.isEmpty)
    }

    @Test func fingerprintsOfEverySizeSurviveTheFile() throws {
        let current = LogFileMark(
            file: "postgresql.json", inode: UInt64.max - 1, offset: Int(Int32.max) * 4, head: UInt64.max, headLength: 256,
            modified: 1_795_255_200.123456, start: 1_795_255_200.5, tail: 0x8000_0000_0000_0001, tailLength: 256)
        var other = current
        (other.file, other.inode, other.head, other.start) = ("postgresql-Mon.json", 3, 0x7FFF_FFFF_FFFF_FFFF, 1_795_000_000.25)
        let cursor = LogCursor(current: current, others: [other], floor: 1_794_000_000.125)
        try StateStore(path: statePath).save(cursor, key: "w/query_log")
        let (store, warnings) = try store()
        #expect(store.load(LogCursor.self, key: "w/query_log") == cursor)
        #expect(warnings.withLock { $0 }.isEmpty)
        // The newest file's mark is where the previous version kept its one position.
        let saved = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: statePath))) as? [String: Any])
        let entry = try #require(saved["w/query_log"] as? [String: Any])
        #expect(entry["file"] as? String == "postgresql.json" && entry["offset"] as? Int == Int(Int32.max) * 4)
    }

    /// The file is one JSON object whatever the keys hold (quotes, backslashes, slashes, line
    /// breaks, letters beyond ASCII), with an entry a line in the order of its key, and a new
    /// store reads back every value saved.
    @Test func everyKeyAndValueSurvivesTheFile() throws {
        let keys = ["w/query_log", #"quote " and \ backslash"#, "line\nbreak\ttab", "ünïcode/集計", "a"]
        do {
            let store = try StateStore(path: statePath)
            for (index, key) in keys.enumerated() { try store.save(["n": index, "text": key.count], key: key) }
            try store.save(["n": 99, "text": 0], key: "a")
        }
        let text = try String(contentsOfFile: statePath, encoding: .utf8)
        #expect(text.hasPrefix("{\n  \"a\": ") && text.hasSuffix("}\n") && text.split(separator: "\n").count == keys.count + 2, "\(text)")
        let saved = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: [String: Int]])
        #expect(Set(saved.keys) == Set(keys))
        let (store, warnings) = try store()
        for (index, key) in keys.enumerated() {
            #expect(store.load([String: Int].self, key: key) == ["n": key == "a" ? 99 : index, "text": key == "a" ? 0 : key.count])
        }
        #expect(warnings.withLock { $0 }.isEmpty)
    }

    /// Collectors save from tasks of their own: however their saves interleave, the file left
    /// holds each one's last value, never an older copy of the entries written over a newer one.
    @Test func concurrentSavesLeaveEveryKeysLastValue() async throws {
        let store = try StateStore(path: statePath)
        let rounds = 200
        await withTaskGroup(of: Void.self) { group in
            for collector in 0..<4 {
                group.addTask {
                    // A cursor of a few thousand ids, so that saves take long enough to overlap.
                    let ids = Dictionary(uniqueKeysWithValues: (0..<2_000).map { ("\($0)", collector) })
                    for round in 1...rounds { _ = try? store.save(["round": ["\(round)": 1], "ids": ids], key: "w\(collector)/history") }
                }
            }
        }
        let saved = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: statePath))) as? [String: [String: Any]])
        for collector in 0..<4 {
            #expect((saved["w\(collector)/history"]?["round"] as? [String: Int])?.keys.first == "\(rounds)", "w\(collector)")
        }
    }

    @Test func anExclusiveStoreHoldsItsLockUntilItIsGone() throws {
        do {
            let (first, _) = try store(exclusive: true)
            let error = #expect(throws: StateStoreError.self) { try StateStore(path: statePath, exclusive: true) }
            #expect(error?.description.contains("the state file \(statePath) is in use by another warehouse_exporter (process \(getpid())") == true)
            withExtendedLifetime(first) {}
        }
        // The locked store gone, the lock with it.
        _ = try StateStore(path: statePath, exclusive: true)
        // Without the exclusive option (a tool reading the file), no lock is taken.
        _ = try StateStore(path: statePath)
    }
}
