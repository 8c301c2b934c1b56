/// What a log entry says about a statement: it finished (with its duration) or it failed.
enum LogEvent: Equatable {
    case finished(statement: String, milliseconds: Double)
    /// An error in a statement; `aborted` for cancellations, timeouts and terminations (SQLSTATE
    /// class 57), `failed` otherwise.
    case failed(statement: String, sqlState: String, aborted: Bool)

    /// The event in `entry`, or nil for entries about no single statement. Counts each execution
    /// once: `duration: … statement:` (simple protocol) and `duration: … execute …:` (extended
    /// protocol), never the `parse` and `bind` steps of the same execution.
    static func from(_ entry: LogEntry) -> LogEvent? {
        switch entry.severity {
        case "LOG":
            return finished(entry.message)
        case "ERROR", "FATAL", "PANIC":
            guard !entry.statement.isEmpty else { return nil }
            return .failed(statement: entry.statement, sqlState: entry.sqlState, aborted: entry.sqlState.hasPrefix("57"))
        default:
            return nil
        }
    }

    /// `duration: 12.345 ms  statement: …` or `duration: 0.5 ms  execute <unnamed>: …`.
    private static func finished(_ message: String) -> LogEvent? {
        guard message.hasPrefix("duration: ") else { return nil }
        let afterPrefix = message.dropFirst("duration: ".count)
        guard let unit = afterPrefix.firstRange(of: " ms  ") else { return nil }
        guard let milliseconds = Double(afterPrefix[..<unit.lowerBound]) else { return nil }
        let rest = afterPrefix[unit.upperBound...]
        if rest.hasPrefix("statement: ") {
            return .finished(statement: String(rest.dropFirst("statement: ".count)), milliseconds: milliseconds)
        }
        if rest.hasPrefix("execute "), let colon = rest.firstRange(of: ": ") {
            return .finished(statement: String(rest[colon.upperBound...]), milliseconds: milliseconds)
        }
        return nil
    }
}
