/// The fields of one server log entry that the `query_log` collector uses.
struct LogEntry: Equatable {
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
