/// The fields of one server log entry that the `query_log` collector uses.
struct LogEntry: Equatable {
    /// When the server wrote the entry (`%m`, the `log_timezone`'s time): for a statement's
    /// duration line, when the statement finished.
    var timestamp = ""
    var user = ""
    var database = ""
    var applicationName = ""
    /// The server process that wrote it (`%p`): the session's, which tells the exporter's own
    /// statements from others' (``OwnStatements``).
    var processID = ""
    /// The session's id (`%c`: its start time and process id in hex) and the record's number in it
    /// (`%l`): together, this one record's id, which the log can be searched for.
    var sessionID = ""
    var lineNumber = ""
    /// `LOG`, `ERROR`, `FATAL`, …
    var severity = ""
    /// SQLSTATE, five characters.
    var sqlState = ""
    var message = ""
    /// The statement an error happened in, when `log_min_error_statement` lets the server log it.
    var statement = ""

    /// `<session>:<line>`, the execution's id in exemplars; nil without a session id.
    var queryID: String? {
        sessionID.isEmpty ? nil : lineNumber.isEmpty ? sessionID : sessionID + ":" + lineNumber
    }

    /// ``processID`` as a number; nil when the record has none.
    var session: Int64? { Int64(processID) }
}
