import QueryMetrics
import SQLText
import TestSupport
import Testing

/// The query families under the label policy, driven with records as collectors produce them.
@Suite struct QueryRecorderTests {
    static func record(
        app: String? = "airflow", user: String? = "ana", dag: String? = "daily", task: String? = "load",
        seconds: Double = 1, queue: Double = 0, status: QueryStatus = .success, fingerprint: UInt64? = 1, cost: Double? = nil
    ) -> QueryRecord {
        QueryRecord(
            warehouse: "w", database: "analytics", attribution: Attribution(context: QueryContext(app: app, user: user, dag: dag, task: task)),
            queryType: "select", status: status, durationSeconds: seconds, queueSeconds: queue,
            costDollars: cost, fingerprint: fingerprint.map(Fingerprint.init))
    }

    static func exposition(_ recorder: QueryRecorder) -> String {
        var buffer: [UInt8] = []
        recorder.emit(into: &buffer)
        return String(decoding: buffer, as: UTF8.self)
    }

    /// The value of the one line that starts with `prefix`.
    static func value(_ exposition: String, _ prefix: String) -> String? {
        exposition.split(separator: "\n").first { $0.hasPrefix(prefix) }.map { String($0.split(separator: " ").last!) }
    }

    /// The values `label` takes on the lines starting with `prefix`.
    static func labelValues(_ exposition: String, _ prefix: String, _ label: String) -> Set<String> {
        var values: Set<String> = []
        for line in exposition.split(separator: "\n") where line.hasPrefix(prefix) {
            guard let start = line.firstRange(of: "\(label)=\"") else { continue }
            values.insert(String(line[start.upperBound...].prefix { $0 != "\"" }))
        }
        return values
    }

    @Test func observesEachRecordIntoEveryFamily() async throws {
        let recorder = QueryRecorder()
        for seconds in [0.02, 0.3, 7.0] {
            recorder.observe(Self.record(seconds: seconds, queue: seconds / 10, cost: 0.5))
        }
        recorder.observe(Self.record(seconds: 45, status: .failed))
        let text = Self.exposition(recorder)
        let labels = #"warehouse="w",database="analytics",app="airflow",user="ana",dag="daily",task="load",query_type="select""#
        #expect(Self.value(text, #"warehouse_query_duration_seconds_bucket{\#(labels),status="success",le="0.01"}"#) == "0")
        #expect(Self.value(text, #"warehouse_query_duration_seconds_bucket{\#(labels),status="success",le="0.05"}"#) == "1")
        #expect(Self.value(text, #"warehouse_query_duration_seconds_bucket{\#(labels),status="success",le="0.5"}"#) == "2")
        #expect(Self.value(text, #"warehouse_query_duration_seconds_bucket{\#(labels),status="success",le="10"}"#) == "3")
        #expect(Self.value(text, #"warehouse_query_duration_seconds_bucket{\#(labels),status="success",le="+Inf"}"#) == "3")
        #expect(Self.value(text, #"warehouse_query_duration_seconds_count{\#(labels),status="success"}"#) == "3")
        #expect(Self.value(text, #"warehouse_query_duration_seconds_sum{\#(labels),status="success"}"#) == "7.32")
        #expect(Self.value(text, #"warehouse_query_duration_seconds_count{\#(labels),status="failed"}"#) == "1")
        #expect(Self.value(text, #"warehouse_query_queue_seconds_count{\#(labels)}"#) == "4")
        let context = #"{warehouse="w",app="airflow",user="ana",dag="daily",task="load"}"#
        #expect(Self.value(text, "warehouse_query_execution_seconds_total\(context)") == "51.588")  // durations minus queue waits
        #expect(Self.value(text, "warehouse_query_cost_dollars_total\(context)") == "1.5")
        #expect(Self.value(text, #"warehouse_statement_duration_seconds_count{warehouse="w",app="airflow",dag="daily",task="load",fingerprint="0000000000000001"}"#) == "4")
        #expect(try await Promtool.checkMetrics(text).exitCode == 0)
    }

    /// What queries read, wrote and held is summed by who ran them; only queries that held memory
    /// are observed into the memory histogram, and records without resources add no series.
    @Test func resourcesAreSummedByContextAndPeakMemoryIsAHistogramOfQueriesThatRan() async throws {
        let recorder = QueryRecorder()
        recorder.observe(Self.record(app: "looker"))  // no resources reported: no series
        var ran = Self.record(seconds: 2)
        ran.queryID = "q-1"
        ran.resources = QueryResources(readRows: 1_000, readBytes: 64_000, writtenRows: 10, writtenBytes: 640, peakMemoryBytes: 3_000_000)
        recorder.observe(ran)
        var big = Self.record(seconds: 9, status: .failed)
        big.queryID = "q-2"
        big.resources = QueryResources(readRows: 5_000_000, readBytes: 2e9, writtenRows: 0, writtenBytes: 0, peakMemoryBytes: 5e9)
        recorder.observe(big)
        var refused = Self.record(seconds: 0.001, status: .failed)
        refused.resources = QueryResources(readRows: 0, readBytes: 0, writtenRows: 0, writtenBytes: 0, peakMemoryBytes: 0)
        recorder.observe(refused)

        let text = Self.exposition(recorder)
        let context = #"{warehouse="w",app="airflow",user="ana",dag="daily",task="load"}"#
        #expect(Self.value(text, "warehouse_query_read_rows_total\(context)") == "5001000")
        #expect(Self.value(text, "warehouse_query_read_bytes_total\(context)") == "2000064000")
        #expect(Self.value(text, "warehouse_query_written_rows_total\(context)") == "10")
        #expect(Self.value(text, "warehouse_query_written_bytes_total\(context)") == "640")
        let memory = #"warehouse_query_peak_memory_bytes"#
        let labels = #"warehouse="w",app="airflow",user="ana",dag="daily",task="load""#
        #expect(Self.value(text, "\(memory)_count{\(labels)}") == "2")  // the refused query held nothing
        #expect(Self.value(text, "\(memory)_sum{\(labels)}") == "5003000000")
        #expect(Self.value(text, "\(memory)_bucket{\(labels),le=\"4194304\"}") == "1")
        #expect(Self.value(text, "\(memory)_bucket{\(labels),le=\"4294967296\"}") == "1")
        #expect(Self.value(text, "\(memory)_bucket{\(labels),le=\"17179869184\"}") == "2")
        #expect(!text.contains(#"warehouse_query_read_rows_total{warehouse="w",app="looker""#))
        #expect(try await Promtool.checkMetrics(text).exitCode == 0)

        // In OpenMetrics, the query behind the bytes read and behind the memory is their exemplar.
        var buffer: [UInt8] = []
        recorder.emit(into: &buffer, format: .openMetrics)
        let open = String(decoding: buffer, as: UTF8.self)
        #expect(open.contains(#"warehouse_query_read_bytes_total{\#(labels)} 2000064000 # {query_id="q-2"} 2000000000"#), "\(open)")
        #expect(open.contains(#"\#(memory)_bucket{\#(labels),le="4194304.0"} 1 # {query_id="q-1"} 3000000"#), "\(open)")
    }

    @Test func aRecordWithoutContextFallsBackToItsAppThenUnknown() {
        let recorder = QueryRecorder()
        var record = Self.record(app: nil, user: nil, dag: nil, task: nil)
        record.attribution.fallbackApp = "psql"
        record.attribution.databaseUser = "etl_role"
        recorder.observe(record)
        recorder.observe(Self.record(app: nil, user: nil, dag: nil, task: nil))
        let text = Self.exposition(recorder)
        #expect(text.contains(#"warehouse_query_execution_seconds_total{warehouse="w",app="psql",user="etl_role"} 1"#))
        #expect(text.contains(#"warehouse_query_execution_seconds_total{warehouse="w",app="unknown"} 1"#))
    }

    @Test func capsValuesPerLabelAndCountsTheOverflow() {
        var policy = LabelPolicy()
        policy.maxValuesPerLabel = 3
        let recorder = QueryRecorder(policy: policy)
        for index in 0..<10 { recorder.observe(Self.record(user: "user\(index)")) }
        let text = Self.exposition(recorder)
        let users = Self.labelValues(text, "warehouse_query_duration_seconds_count", "user")
        #expect(users == ["user0", "user1", "user2", LabelPolicy.other])
        #expect(recorder.overflowCount(metric: MetricFamily.queryDuration.name, label: "user") == 7)
        #expect(recorder.overflowCount(metric: MetricFamily.queryExecution.name, label: "user") == 7)
        #expect(recorder.overflowCount(metric: MetricFamily.queryDuration.name, label: "app") == 0)
        #expect(text.contains(#"warehouse_exporter_label_overflow_total{metric="warehouse_query_duration_seconds",label="user"} 7"#))
        // Every observation is still counted: folded, not lost.
        #expect(Self.value(text, #"warehouse_query_duration_seconds_count{warehouse="w",database="analytics",app="airflow",user="__other__",dag="daily",task="load",query_type="select",status="success"}"#) == "7")
        // The overflow counts observations: the same folded user again counts again.
        recorder.observe(Self.record(user: "user9"))
        recorder.observe(Self.record(user: "user9"))
        #expect(recorder.overflowCount(metric: MetricFamily.queryDuration.name, label: "user") == 9)
        #expect(recorder.overflowCount(metric: MetricFamily.statementDuration.name, label: "user") == 0)
    }

    @Test func capsSeriesPerMetric() {
        var policy = LabelPolicy()
        policy.maxSeriesPerMetric = 5
        let recorder = QueryRecorder(policy: policy)
        for index in 0..<50 { recorder.observe(Self.record(dag: "dag\(index % 25)", task: "task\(index)")) }
        #expect(recorder.seriesCount(MetricFamily.queryDuration.name) == 6)  // five, and the folded one
        #expect(recorder.seriesCount(MetricFamily.queryExecution.name) == 6)
        #expect(recorder.overflowCount(metric: MetricFamily.queryDuration.name, label: "__series__") == 45)
        let text = Self.exposition(recorder)
        #expect(Self.value(text, #"warehouse_query_duration_seconds_count{warehouse="w",database="__other__",app="__other__",user="__other__",dag="__other__",task="__other__",query_type="__other__",status="success"}"#) == "45")
    }

    @Test func idleSeriesExpireAndFreeTheirLabelValues() {
        var policy = LabelPolicy()
        policy.maxValuesPerLabel = 2
        policy.seriesTTL = .seconds(3600)
        let recorder = QueryRecorder(policy: policy)
        recorder.observe(Self.record(user: "departed"), now: 0)
        recorder.observe(Self.record(user: "stays"), now: 0)
        recorder.observe(Self.record(user: "stays"), now: 3000)
        recorder.observe(Self.record(user: "newcomer"), now: 3000)  // over the cap while `departed` lives
        #expect(recorder.overflowCount(metric: MetricFamily.queryDuration.name, label: "user") == 1)

        recorder.expireIdleSeries(now: 3700)
        var text = Self.exposition(recorder)
        #expect(!text.contains("departed"))
        #expect(text.contains(#"user="stays""#))
        recorder.observe(Self.record(user: "newcomer"), now: 3700)  // `departed`'s place is free again
        text = Self.exposition(recorder)
        #expect(text.contains(#"user="newcomer""#))
        #expect(recorder.overflowCount(metric: MetricFamily.queryDuration.name, label: "user") == 1)
        // Expiry also runs as records arrive.
        recorder.observe(Self.record(user: "stays"), now: 20_000)
        #expect(!Self.exposition(recorder).contains("newcomer"))
    }

    @Test func hashedUsersAreStableAndUnreadable() {
        var policy = LabelPolicy()
        policy.user = .hash
        policy.userHashSalt = "s3cret"
        let first = Self.exposition({ let r = QueryRecorder(policy: policy); r.observe(Self.record(user: "ana@corp.com")); return r }())
        let second = Self.exposition({ let r = QueryRecorder(policy: policy); r.observe(Self.record(user: "ana@corp.com")); return r }())
        policy.userHashSalt = "other"
        let salted = Self.exposition({ let r = QueryRecorder(policy: policy); r.observe(Self.record(user: "ana@corp.com")); return r }())
        #expect(!first.contains("ana@corp.com"))
        #expect(first == second)
        #expect(first != salted)
        // The value UserHasherTests pins.
        #expect(first.contains(#"user="u6790ce7644b92308""#))

        policy.user = .drop
        let dropped = Self.exposition({ let r = QueryRecorder(policy: policy); r.observe(Self.record(user: "ana@corp.com")); return r }())
        #expect(!dropped.contains("user="))
    }

    @Test func keepsOnlyTheHeaviestStatementsPerTask() {
        var policy = LabelPolicy()
        policy.topStatements = 2
        let recorder = QueryRecorder(policy: policy)
        // Statement 1 is the heaviest, then 2; 3, 4 and 5 are light.
        for (fingerprint, seconds) in [(UInt64(1), 100.0), (2, 50), (3, 1), (4, 1), (5, 1), (1, 100), (2, 50), (3, 1)] {
            recorder.observe(Self.record(seconds: seconds, fingerprint: fingerprint))
        }
        let text = Self.exposition(recorder)
        let fingerprints = Self.labelValues(text, "warehouse_statement_duration_seconds_count", "fingerprint")
        #expect(fingerprints == ["0000000000000001", "0000000000000002", LabelPolicy.other])
        // Another task has its own top statements.
        recorder.observe(Self.record(task: "other", seconds: 1, fingerprint: 9))
        #expect(Self.exposition(recorder).contains(#"task="other",fingerprint="0000000000000009""#))
    }

    @Test func disabledDimensionsAreLeftOut() {
        var policy = LabelPolicy()
        policy.dimensions = [.app, .dag]
        let recorder = QueryRecorder(policy: policy)
        recorder.observe(Self.record())
        let text = Self.exposition(recorder)
        #expect(text.contains(#"warehouse_query_execution_seconds_total{warehouse="w",app="airflow",dag="daily"} 1"#))
        #expect(!text.contains("user=") && !text.contains("task="))
    }

    @Test func hostileValuesNeverBreakTheExposition() async throws {
        var policy = LabelPolicy()
        policy.maxLabelLength = 200
        let recorder = QueryRecorder(policy: policy)
        let invalidUTF8 = String(decoding: [0x61, 0xFF, 0xC3, 0x28, 0xED, 0xA0, 0x80], as: UTF8.self)
        let hostile = [
            #"quote" and \ backslash"#, "new\nline", "carriage\rreturn\0nul\u{7}", invalidUTF8,
            String(repeating: "é", count: 5_000), "} 1\nfake_metric 2", #"\"#, "",
        ]
        for (index, value) in hostile.enumerated() {
            recorder.observe(Self.record(app: value, user: value, dag: "d\(index)", task: value))
        }
        let text = Self.exposition(recorder)
        let check = try await Promtool.checkMetrics(text)
        #expect(check.exitCode == 0, "\(check.output)")
        #expect(!text.contains("\nfake_metric"))
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            #expect(line.utf8.count < 2_000)
        }
        // Cut to the policy's length on a character boundary: 100 é are 200 bytes.
        #expect(text.contains("app=\"" + String(repeating: "é", count: 100) + "\""))
    }

    @Test func registryRendersGaugesAndQueryFamiliesTogether() async throws {
        let metrics = MetricCatalog()
        metrics.up.set(1, ["w"])
        metrics.queries.observe(Self.record())
        let text = String(decoding: metrics.registry.render(), as: UTF8.self)
        #expect(text.contains("warehouse_up{warehouse=\"w\"} 1"))
        #expect(text.contains("# TYPE warehouse_query_duration_seconds histogram"))
        #expect(try await Promtool.checkMetrics(text).exitCode == 0)
    }

    @Test func countsTableReadsAndWritesOfSuccessfulStatements() async throws {
        let recorder = QueryRecorder()
        var insert = QueryRecord(
            warehouse: "w", database: "db", attribution: Attribution(context: QueryContext(app: "redash", user: "jordan", chart: "42")),
            queryType: "insert", status: .success, durationSeconds: 2)
        insert.tablesRead = [TableName(schema: "raw", name: "events")]
        insert.tablesWritten = [TableName(schema: "marts", name: "daily")]
        recorder.observe(insert)
        recorder.observe(insert)
        var failed = insert
        failed.status = .failed
        recorder.observe(failed)
        var read = Self.record()
        read.tablesRead = [TableName(schema: "marts", name: "daily"), TableName(name: "lookup")]
        recorder.observe(read)

        let text = Self.exposition(recorder)
        #expect(text.contains(#"warehouse_table_writes_total{warehouse="w",schema="marts",table="daily",operation="insert",app="redash",user="jordan",chart="42"} 2"#))
        #expect(text.contains(#"warehouse_table_reads_total{warehouse="w",schema="raw",table="events",app="redash"} 2"#))
        #expect(text.contains(#"warehouse_table_reads_total{warehouse="w",schema="marts",table="daily",app="airflow",dag="daily",task="load"} 1"#))
        #expect(text.contains(#"warehouse_table_reads_total{warehouse="w",table="lookup",app="airflow",dag="daily",task="load"} 1"#))
        #expect(try await Promtool.checkMetrics(text).exitCode == 0)
    }

    @Test func activitySnapshotsReplaceTheirSeriesAndRespectTheCaps() async throws {
        var policy = LabelPolicy()
        policy.maxValuesPerLabel = 2
        let recorder = QueryRecorder(policy: policy)
        // Five users running queries: the two with the most queries keep their names.
        var sessions = (0..<5).map { ActivitySnapshot.Session(state: .running, attribution: Attribution(fallbackApp: "bi", databaseUser: "u\($0)"), age: Double($0)) }
        sessions += [ActivitySnapshot.Session(state: .running, attribution: Attribution(fallbackApp: "bi", databaseUser: "u0"), age: 30)]
        sessions += [ActivitySnapshot.Session(state: .running, attribution: Attribution(fallbackApp: "bi", databaseUser: "u1"), age: 1)]
        recorder.observe(ActivitySnapshot(warehouse: "w", sessions: sessions))
        var text = Self.exposition(recorder)
        #expect(text.contains(#"warehouse_queries_running{warehouse="w",app="bi",user="u0"} 2"#))
        #expect(text.contains(#"warehouse_queries_running{warehouse="w",app="bi",user="u1"} 2"#))
        #expect(text.contains(#"warehouse_queries_running{warehouse="w",app="bi",user="__other__"} 3"#))
        #expect(text.contains(#"warehouse_query_oldest_running_seconds{warehouse="w",app="bi"} 30"#))
        #expect(recorder.overflowCount(metric: MetricFamily.running.name, label: "user") == 3)
        #expect(try await Promtool.checkMetrics(text).exitCode == 0)

        // The next snapshot replaces the series: an idle warehouse shows no running query, as 0.
        recorder.observe(ActivitySnapshot(warehouse: "w", sessions: []))
        text = Self.exposition(recorder)
        #expect(text.split(separator: "\n").filter { $0.hasPrefix("warehouse_queries_running{") } == [#"warehouse_queries_running{warehouse="w"} 0"#])
    }

    /// A source without queue times (PostgreSQL's log) feeds no queue histogram, rather than one of
    /// zeros; a source with them does. Each latency family has its own bounds.
    @Test func theQueueFamilyOnlyForSourcesWithQueueTimesAndEachFamilyItsBounds() {
        let recorder = QueryRecorder(buckets: HistogramBuckets(duration: [0.001, 1], queue: [2, 4, 8], statement: [60]))
        var log = Self.record(seconds: 0.0005)
        log.queueSeconds = nil
        recorder.observe(log)
        var text = Self.exposition(recorder)
        #expect(!text.contains("warehouse_query_queue_seconds_"))
        #expect(text.contains(#"le="0.001"} 1"#) && text.contains(#"le="1"} 1"#) && !text.contains(#"le="0.01""#))
        #expect(Self.value(text, #"warehouse_query_execution_seconds_total{warehouse="w",app="airflow",user="ana",dag="daily",task="load"}"#) == "0.0005")

        recorder.observe(Self.record(seconds: 5, queue: 3))
        text = Self.exposition(recorder)
        #expect(Self.labelValues(text, "warehouse_query_queue_seconds_bucket", "le") == ["2", "4", "8", "+Inf"])
        #expect(Self.value(text, #"warehouse_query_queue_seconds_count{warehouse="w",database="analytics",app="airflow",user="ana",dag="daily",task="load",query_type="select"}"#) == "1")
        #expect(Self.labelValues(text, "warehouse_statement_duration_seconds_bucket", "le") == ["60", "+Inf"])
    }

    /// Counts that can be zero read zero: a warehouse with nothing running has
    /// `warehouse_queries_running 0`, and every (metric, label) the policy may fold has an overflow
    /// counter at 0 from the start, which `increase()` needs to see the first fold.
    @Test func zerosAreShownNotLeftOut() {
        let recorder = QueryRecorder()
        var text = Self.exposition(recorder)
        #expect(text.contains(#"warehouse_exporter_label_overflow_total{metric="warehouse_query_duration_seconds",label="user"} 0"#))
        #expect(text.contains(#"warehouse_exporter_label_overflow_total{metric="warehouse_statement_duration_seconds",label="__series__"} 0"#))
        #expect(text.contains(#"warehouse_exporter_label_overflow_total{metric="warehouse_queries_running",label="queue"} 0"#))
        #expect(!text.contains(#"label="warehouse""#) && !text.contains(#"label="status""#))

        recorder.observe(ActivitySnapshot(warehouse: "w", sessions: []))
        text = Self.exposition(recorder)
        #expect(Self.value(text, #"warehouse_queries_running{warehouse="w"}"#) == "0")
        #expect(Self.value(text, #"warehouse_queries_queued{warehouse="w"}"#) == "0")
        #expect(Self.value(text, #"warehouse_queries_blocked{warehouse="w"}"#) == "0")
        #expect(!text.contains("warehouse_query_oldest_running_seconds{"))
        recorder.observe(ActivitySnapshot(warehouse: "w", sessions: [.init(state: .running, attribution: Attribution(context: QueryContext(app: "etl")), age: 3)]))
        text = Self.exposition(recorder)
        #expect(Self.value(text, #"warehouse_queries_running{warehouse="w",app="etl"}"#) == "1")
        #expect(Self.value(text, #"warehouse_queries_running{warehouse="w"}"#) == nil, "the zero gave way")
    }
}
