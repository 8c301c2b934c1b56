/// The fields of one server log entry that the `query_log` collector uses.
struct LogEntry: Equatable {
    /// When the server wrote the entry (`%m`, the `log_timezone`'s time): for a statement's
    /// duration line, when the statement finished.
    var timestamp = ""
    var user = ""
    var database = ""
    var applicationName = ""
    /// `LOG`, `ERROR`, `FATAL`, …
    var severity = ""
    /// SQLSTATE, five characters.
    var sqlState = ""
    var message = ""
    /// The statement an error happened in, when `log_min_error_statement` lets the server log it.
    var statement = ""
}
