@testable import QueryMetrics
import SQLText
import Testing

/// The bounded table of statements whose queries have `app` `unknown`, alone and as the recorder
/// feeds it.
@Suite struct UnattributedStatementsTests {
    @Test func ranksByTheSecondsObservedAndKeepsTheFirstShape() {
        var statements = UnattributedStatements(capacity: 8)
        statements.record(1, seconds: 1, shape: "select ? from a", now: 0)
        statements.record(2, seconds: 5, shape: "select ? from b", now: 1)
        statements.record(1, seconds: 2, shape: "a later shape", now: 2)
        statements.record(3, seconds: 3, shape: nil, now: 3)
        statements.record(3, seconds: 0, shape: "select ? from c", now: 4)
        let top = statements.heaviest(10, now: 10)
        #expect(top.map(\.fingerprint.value) == [2, 1, 3])  // 5 s, 3 s, 3 s in fewer executions
        #expect(top[1] == UnattributedStatement(fingerprint: Fingerprint(1), executions: 2, seconds: 3, shape: "select ? from a", idleSeconds: 8))
        #expect(top[2].shape == "select ? from c")  // the first execution that had one
        #expect(statements.heaviest(2, now: 10).count == 2)
    }

    @Test func holdsAtMostItsCapacityAndKeepsTheHeavyStatementThroughAFloodOfOneOffs() {
        var statements = UnattributedStatements(capacity: 4)
        for _ in 0..<10 { statements.record(99, seconds: 10, shape: "heavy", now: 0) }
        // 200 s of one-offs: the heavy statement's 100 s are over a capacity's share of the
        // 300 s in all, which Space-Saving guarantees to keep.
        for fingerprint in UInt64(1000)..<UInt64(1400) {
            statements.record(fingerprint, seconds: 0.5, shape: "one-off", now: 1)
        }
        let top = statements.heaviest(100, now: 1)
        #expect(top.count == 4)
        #expect(top.first?.fingerprint.value == 99 && top.first?.seconds == 100 && top.first?.executions == 10)
        // A newcomer shows what it was observed doing, not the weight it inherited to stay.
        #expect(top.dropFirst().allSatisfy { $0.seconds == 0.5 && $0.executions == 1 })
    }

    @Test func forgetsStatementsIdlePastTheCutoff() {
        var statements = UnattributedStatements()
        statements.record(1, seconds: 1, shape: nil, now: 0)
        statements.record(2, seconds: 1, shape: nil, now: 50)
        statements.expire(before: 10)
        #expect(statements.heaviest(10, now: 60).map(\.fingerprint.value) == [2])
        statements.expire(before: 100)
        #expect(statements.isEmpty)
    }

    static func record(warehouse: String = "w", app: String?, session: String? = nil, fingerprint: UInt64, seconds: Double, shape: String? = nil) -> QueryRecord {
        var record = QueryRecord(
            warehouse: warehouse, database: "db", attribution: Attribution(context: QueryContext(app: app), fallbackApp: session),
            queryType: "select", status: .success, durationSeconds: seconds, fingerprint: Fingerprint(fingerprint))
        record.shape = shape
        return record
    }

    @Test func theRecorderListsOnlyQueriesWhoseAppIsUnknownPerWarehouseAndBounded() {
        var policy = LabelPolicy()
        policy.seriesTTL = .seconds(100)
        let recorder = QueryRecorder(policy: policy)
        recorder.observe(Self.record(app: "airflow", fingerprint: 1, seconds: 50), now: 0)
        recorder.observe(Self.record(app: nil, session: "psql", fingerprint: 2, seconds: 50), now: 0)
        recorder.observe(Self.record(app: nil, session: "", fingerprint: 3, seconds: 2, shape: "select ? from t"), now: 0)
        recorder.observe(Self.record(app: nil, fingerprint: 3, seconds: 1, shape: "ignored"), now: 1)
        recorder.observe(Self.record(warehouse: "other", app: nil, fingerprint: 4, seconds: 1), now: 1)
        for fingerprint in UInt64(100)..<UInt64(200) {
            recorder.observe(Self.record(app: "unknown", fingerprint: fingerprint, seconds: 0.001), now: 2)
        }
        let listed = recorder.unattributedStatements(warehouse: "w")
        #expect(listed.count == UnattributedStatement.shown)
        #expect(listed.first?.fingerprint.value == 3 && listed.first?.executions == 2 && listed.first?.seconds == 3)
        #expect(listed.first?.shape == "select ? from t")
        #expect(!listed.contains { $0.fingerprint.value == 1 || $0.fingerprint.value == 2 || $0.fingerprint.value == 4 })
        #expect(recorder.unattributedStatements(warehouse: "other").map(\.fingerprint.value) == [4])
        #expect(recorder.unattributedStatements(warehouse: "none").isEmpty)

        // Idle past the series TTL, they leave with the series.
        recorder.expireIdleSeries(now: 150)
        #expect(recorder.unattributedStatements(warehouse: "w").isEmpty)
        #expect(recorder.unattributedStatements(warehouse: "other").isEmpty)
    }
}
