import QueryMetrics

/// Who ran each session's last counted statement, for the temporary files the server logs apart
/// from it (`log_temp_files`).
///
/// The simple protocol removes a statement's files before its duration line and logs them with
/// its text. The extended protocol keeps the execution's portal, and its files, open after the
/// `execute` duration line: they are removed when the session commits (logged with no text) or
/// when the next `bind` replaces the portal, and that `bind` has already set the server's current
/// text to the next statement's, so the text logged with those files is the wrong one. Until a
/// `bind` line follows an `execute`, a file is that execution's whatever text it carries.
///
/// Keyed by the session's id where the format has one (jsonlog, csvlog), else by its process id;
/// bounded, as sessions come and go.
struct LastStatements {
    private struct Last {
        var attribution: Attribution
        /// An `execute` with no `bind` since: its portal may still hold files.
        var portalOpen: Bool
    }

    private var bySession: [String: Last] = [:]
    static let maximum = 10_000

    private static func key(_ entry: LogEntry) -> String { entry.sessionID.isEmpty ? entry.processID : entry.sessionID }

    /// `entry`'s session counted a statement, through the extended protocol or not.
    mutating func counted(_ entry: LogEntry, _ attribution: Attribution, extended: Bool) {
        let key = Self.key(entry)
        if bySession[key] == nil, bySession.count >= Self.maximum { bySession.removeAll() }
        bySession[key] = Last(attribution: attribution, portalOpen: extended)
    }

    /// `entry`'s session bound a new portal: the last one's files are logged by now.
    mutating func bound(_ entry: LogEntry) {
        bySession[Self.key(entry)]?.portalOpen = false
    }

    /// Who a temporary file of `entry`'s session is charged to: the last execution whose portal may
    /// still be open; else the statement the entry names (`analyzed`); else the session's last
    /// statement counted; else the session alone (`application_name`, the database user).
    func owner(of entry: LogEntry, statement: String, analyzed: (String) -> Attribution) -> Attribution {
        let last = bySession[Self.key(entry)]
        if let last, last.portalOpen { return last.attribution }
        if !statement.isEmpty { return analyzed(statement) }
        return last?.attribution ?? Attribution(fallbackApp: entry.applicationName, databaseUser: entry.user)
    }
}
