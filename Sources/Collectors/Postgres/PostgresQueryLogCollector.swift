import Foundation
public import QueryMetrics
public import SQLText
import Synchronization
public import WarehouseClient

/// Every statement PostgreSQL logs with its duration (`log_min_duration_statement`), read from the
/// server log in jsonlog or csvlog format: the one PostgreSQL source with each execution, its
/// exact duration and its comment intact. Each finished statement is observed once in the query
/// families, with its context from its annotations (`app` falling back to `application_name`),
/// and errors as `failed` or `aborted`.
///
/// With `log_temp_files`, each temporary file the server logs adds its size to
/// `warehouse_query_spilled_bytes_total`, with the context of the statement that wrote it
/// (``LastStatements`` tells which).
///
/// The read position is saved in the state file with each chunk of the log counted, so a restarted
/// exporter goes on where it stopped, even one killed in the middle of a run. The exporter's own
/// statements (``OwnStatements``) are left out.
public final class PostgresQueryLogCollector: Collector {
    public struct Options: Sendable, Equatable {
        /// The server's `log_directory`, as this machine sees it.
        public var directory: String?
        public var format: LogFormat = .jsonlog
        /// What the server costs per hour: each statement is charged its execution seconds at
        /// this rate, in `warehouse_query_cost_dollars_total`. No cost when nil.
        public var dollarsPerHour: Double?

        public init(directory: String? = nil, format: LogFormat = .jsonlog, dollarsPerHour: Double? = nil) {
            self.directory = directory
            self.format = format
            self.dollarsPerHour = dollarsPerHour
        }
    }

    public let name = "query_log"
    /// Tables named without a schema are reported in this one (PostgreSQL's default search_path).
    static let defaultSchema = "public"

    private let options: Options
    private let recorder: QueryRecorder
    private let analyzer: SQLAnalyzer
    private let state: StateStore
    private let stateKey: String
    /// The tailer, the last position written to the state file, the stderr reader's entries
    /// waiting for their statements, and who ran each session's last statement counted.
    private let reading = Mutex<Reading>(Reading())
    private struct Reading {
        var tailer: LogTailer?
        var saved: LogCursor?
        var stderr = StderrLogReader()
        var sessions = LastStatements()
    }

    private let lag = Mutex<Double?>(nil)

    public var lagSeconds: Double? { lag.withLock { $0 } }

    public init(options: Options, warehouse: String, recorder: QueryRecorder, rules: AnnotationRules, state: StateStore) {
        self.options = options
        self.recorder = recorder
        self.analyzer = SQLAnalyzer(dialect: .postgres, rules: rules)
        self.state = state
        self.stateKey = "\(warehouse)/query_log"
    }

    public func collect(_ context: CollectionContext) async throws {
        let read = try ingest(warehouse: context.warehouse, ownSessions: context.ownSessions)
        if read.skippedBytes > 0 {
            context.logger.warning("skipped unreadable log bytes", metadata: ["bytes": "\(read.skippedBytes)", "directory": "\(options.directory ?? "")"])
        }
        // What was logged is counted; then a server that logs no durations, or not in this format,
        // fails the run with the setting to change, rather than reporting a quiet warehouse.
        if let problem = try? await settingsProblem(context) { throw QueryLogError(problem) }
    }

    static let settingsSQL = """
        SELECT current_setting('log_min_duration_statement') AS duration, current_setting('log_destination') AS destination
        """

    /// A description of the server settings that keep statements out of the log, or nil.
    private func settingsProblem(_ context: CollectionContext) async throws -> String? {
        guard let row = try await context.query(Self.settingsSQL).rows.first else { return nil }
        var problems: [String] = []
        if try row.string("duration") == "-1" {
            problems.append("log_min_duration_statement is -1, so statements are not logged with their duration: set it to 0")
        }
        let destination = try row.string("destination")
        if !destination.split(separator: ",").contains(where: { $0.trimmingCharacters(in: .whitespaces) == options.format.rawValue }) {
            problems.append("log_destination is '\(destination)', which does not include \(options.format.rawValue)")
        }
        return problems.isEmpty ? nil : problems.joined(separator: "; ") + " (docs/postgres.md)"
    }

    /// Reads what the server logged since the last run, observes it, and saves the position with
    /// each chunk of the log counted, so a crash in the middle of a long catch-up counts at most
    /// that chunk again. Returns the number of log records read and of bytes skipped as unreadable.
    /// Statements of `ownSessions` that carry the exporter's annotation are left out.
    @discardableResult
    public func ingest(warehouse: String, ownSessions: SessionRegistry = SessionRegistry()) throws -> (records: Int, skippedBytes: Int) {
        guard let directory = options.directory else {
            throw QueryLogError("query_log.directory is not set: point it at the server's log_directory (see docs/postgres.md)")
        }
        return try reading.withLock { reading in
            if reading.tailer == nil {
                let saved = state.load(LogCursor.self, key: stateKey)
                reading = Reading(tailer: LogTailer(directory: directory, format: options.format, cursor: saved), saved: saved)
            }
            var tailer = reading.tailer!
            var saved = reading.saved
            var stderr = reading.stderr
            var sessions = reading.sessions
            defer { reading = Reading(tailer: tailer, saved: saved, stderr: stderr, sessions: sessions) }
            // Written when the position moved past what the file holds, and again after a failed
            // write: an idle server costs no disk writes.
            func save(_ cursor: LogCursor) throws {
                if cursor != saved, try state.save(cursor, key: stateKey) { saved = cursor }
            }
            // The log is in time order, so the run's first counted entry is its oldest (to the
            // milliseconds by which concurrent backends' lines interleave): one time read a run.
            var oldest: String? = nil
            let read = try tailer.read(checkpoint: save) { record in
                func counted(_ entry: LogEntry) {
                    if observe(entry, warehouse: warehouse, ownSessions: ownSessions, &sessions), oldest == nil { oldest = entry.timestamp }
                }
                switch options.format {
                case .jsonlog: JSONLogLine.entry(record).map(counted)
                case .csvlog: CSVLogRecord.entry(record).map(counted)
                case .stderr: stderr.entries(record, counted)
                }
            }
            stderr.releaseTemporaryFiles { entry in _ = observe(entry, warehouse: warehouse, ownSessions: ownSessions, &sessions) }
            let now = Date().timeIntervalSince1970
            let lagNow: Double? = if let oldest { LogTimestamp.seconds(oldest).map { max(0, now - $0) } } else { 0 }
            lag.withLock { $0 = lagNow }
            if let cursor = tailer.cursor { try save(cursor) }  // a write that failed at the last checkpoint
            return read
        }
    }

    /// Counts the entry if it is a finished or failed statement, and returns whether it did; adds
    /// a temporary file's size to its statement's context.
    private func observe(_ entry: LogEntry, warehouse: String, ownSessions: SessionRegistry, _ sessions: inout LastStatements) -> Bool {
        guard let event = LogEvent.from(entry) else { return false }
        let statement: String
        let status: QueryStatus
        var seconds = 0.0
        var extended = false
        switch event {
        case .spilled(let bytes, let text):
            spilled(bytes, statement: text, entry, warehouse: warehouse, ownSessions: ownSessions, sessions)
            return false
        case .bound:
            sessions.bound(entry)
            return false
        case .finished(let text, let milliseconds, let isExtended):
            statement = text
            status = .success
            seconds = milliseconds / 1000
            extended = isExtended
        case .failed(let text, _, let aborted):
            // The server logs no duration for a statement that failed: its count is exact, its
            // time is not known and is observed as 0.
            statement = text
            status = aborted ? .aborted : .failed
        }
        let analysis = analyzer.analyze(statement)
        let attribution = Attribution(context: analysis.context, fallbackApp: entry.applicationName, databaseUser: entry.user)
        sessions.counted(entry, attribution, extended: extended)
        guard !OwnStatements.contains(attribution, session: entry.session, in: ownSessions) else { return false }
        var record = QueryRecord(
            warehouse: warehouse, database: entry.database, attribution: attribution, queryType: analysis.queryType, status: status, durationSeconds: seconds,
            fingerprint: analysis.fingerprint)
        record.costDollars = options.dollarsPerHour.map { seconds * $0 / 3600 }
        record.queryID = entry.queryID
        record.traceID = analysis.traceID
        record.endedAt = LogTimestamp.seconds(entry.timestamp)
        if attribution.isUnattributed { record.shape = analyzer.shape(of: statement, limit: UnattributedStatement.shapeLimit) }
        record.tablesRead = analysis.tables.read.map(Self.qualified)
        record.tablesWritten = analysis.tables.written.map(Self.qualified)
        recorder.observe(record)
        return true
    }

    /// A temporary file's `bytes`, with the context of the statement that wrote it.
    private func spilled(
        _ bytes: Double, statement: String, _ entry: LogEntry, warehouse: String, ownSessions: SessionRegistry, _ sessions: LastStatements
    ) {
        let attribution = sessions.owner(of: entry, statement: statement) { text in
            Attribution(context: analyzer.context(of: text).context, fallbackApp: entry.applicationName, databaseUser: entry.user)
        }
        guard !OwnStatements.contains(attribution, session: entry.session, in: ownSessions) else { return }
        var activity = TableActivity(warehouse: warehouse, attribution: attribution, queryType: "", tablesRead: [], tablesWritten: [], rowsWritten: [])
        activity.queryID = entry.queryID
        activity.endedAt = LogTimestamp.seconds(entry.timestamp)
        activity.resources = QueryResources(spilledBytes: bytes)
        recorder.observe(activity)
    }

    private static func qualified(_ table: TableName) -> TableName {
        table.schema == nil ? TableName(schema: defaultSchema, name: table.name) : table
    }
}
