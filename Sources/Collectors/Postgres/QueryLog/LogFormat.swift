/// The `log_destination` of the PostgreSQL server whose log the `query_log` collector reads.
public enum LogFormat: String, Sendable, CaseIterable {
    /// One JSON object per line (PostgreSQL 15 and later).
    case jsonlog
    /// One CSV record per entry; a statement with newlines spans several lines.
    case csvlog
    /// Plain text with the prefix `'%m [%p] %q%u@%d [%a] %e '` (docs/postgres.md).
    case stderr

    /// The file name extension PostgreSQL gives this destination.
    var fileExtension: String {
        switch self {
        case .jsonlog: ".json"
        case .csvlog: ".csv"
        case .stderr: ".log"
        }
    }
}
