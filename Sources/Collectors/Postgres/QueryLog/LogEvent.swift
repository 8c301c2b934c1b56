/// What a log entry says about a statement: it finished (with its duration) or it failed.
enum LogEvent: Equatable {
    /// `extended`: through the extended protocol (`execute`), whose portal, and the temporary
    /// files it holds, outlive the duration line.
    case finished(statement: String, milliseconds: Double, extended: Bool = false)
    /// An error in a statement; `aborted` for cancellations, timeouts and terminations (SQLSTATE
    /// class 57), `failed` otherwise.
    case failed(statement: String, sqlState: String, aborted: Bool)
    /// A temporary file removed (`log_temp_files`), with its size in bytes: a sort, hash or
    /// aggregation that outgrew `work_mem`. `statement` is the text the server was running, empty
    /// when it logged none: with the extended protocol the file goes when the portal closes, after
    /// the execution's duration line.
    case spilled(bytes: Double, statement: String)
    /// The `bind` step of an extended-protocol execution: its portal takes the place of the last
    /// one, whose temporary files are removed, and logged, before this line.
    case bound

    /// The event in `entry`, or nil for entries about no single statement. Counts each execution
    /// once: `duration: … statement:` (simple protocol) and `duration: … execute …:` (extended
    /// protocol), never the `parse` and `bind` steps of the same execution (a `bind` is an event
    /// of its own, counted as nothing).
    static func from(_ entry: LogEntry) -> LogEvent? {
        switch entry.severity {
        case "LOG":
            return finished(entry.message) ?? spilled(entry)
        case "ERROR", "FATAL", "PANIC":
            guard !entry.statement.isEmpty else { return nil }
            return .failed(statement: entry.statement, sqlState: entry.sqlState, aborted: entry.sqlState.hasPrefix("57"))
        default:
            return nil
        }
    }

    /// Whether a `LOG` message is a temporary file's removal, which ``spilled(_:)`` reads.
    static func isTemporaryFile(_ message: some StringProtocol) -> Bool {
        message.utf8.starts(with: #"temporary file: path ""#.utf8)
    }

    /// `temporary file: path "base/pgsql_tmp/pgsql_tmp1234.0", size 2800000`.
    private static func spilled(_ entry: LogEntry) -> LogEvent? {
        let bytes = entry.message.utf8
        guard isTemporaryFile(entry.message) else { return nil }
        let marker = ", size ".utf8
        guard let at = bytes.indices.last(where: { bytes[$0...].starts(with: marker) }),
              let size = Double(Substring(bytes[bytes.index(at, offsetBy: marker.count)...])), size.isFinite, size >= 0
        else { return nil }
        return .spilled(bytes: size, statement: entry.statement)
    }

    /// `duration: 12.345 ms  statement: …` or `duration: 0.5 ms  execute <unnamed>: …`, read on
    /// bytes (this runs for every logged statement).
    private static func finished(_ message: String) -> LogEvent? {
        let bytes = message.utf8
        guard bytes.starts(with: "duration: ".utf8) else { return nil }
        let numberStart = bytes.index(bytes.startIndex, offsetBy: 10)
        guard let numberEnd = bytes[numberStart...].firstIndex(of: UInt8(ascii: " ")),
              bytes[numberEnd...].starts(with: " ms  ".utf8),
              let milliseconds = Double(Substring(bytes[numberStart..<numberEnd])),
              milliseconds.isFinite, milliseconds >= 0  // `nan`, `inf` or `-1` would poison the sums
        else { return nil }
        let rest = bytes[bytes.index(numberEnd, offsetBy: 5)...]
        if rest.starts(with: "statement: ".utf8) {
            return .finished(statement: String(Substring(rest.dropFirst(11))), milliseconds: milliseconds)
        }
        if rest.starts(with: "execute ".utf8), let colon = rest.firstIndex(of: UInt8(ascii: ":")),
           bytes[colon...].starts(with: ": ".utf8) {
            return .finished(statement: String(Substring(bytes[bytes.index(colon, offsetBy: 2)...])), milliseconds: milliseconds, extended: true)
        }
        return rest.starts(with: "bind ".utf8) ? .bound : nil
    }
}
