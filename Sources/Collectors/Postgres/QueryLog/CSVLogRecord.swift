/// Reads one `csvlog` record (PostgreSQL 13 and later column order: log_time, user_name,
/// database_name, process_id, connection_from, session_id, session_line_num, command_tag,
/// session_start_time, virtual_transaction_id, transaction_id, error_severity, sql_state_code,
/// message, detail, hint, internal_query, internal_query_pos, context, query, query_pos, location,
/// application_name, backend_type, …).
enum CSVLogRecord {
    /// The entry field a column fills, for the columns the collector reads.
    static func field(column: Int) -> WritableKeyPath<LogEntry, String>? {
        switch column {
        case 0: \.timestamp
        case 1: \.user
        case 2: \.database
        case 3: \.processID
        case 5: \.sessionID
        case 6: \.lineNumber
        case 11: \.severity
        case 12: \.sqlState
        case 13: \.message
        case 19: \.statement
        case 22: \.applicationName
        default: nil
        }
    }

    static let messageColumn = 13

    static func entry(_ record: UnsafeBufferPointer<UInt8>) -> LogEntry? {
        var entry = LogEntry()
        var column = 0
        var index = 0
        let count = record.count
        while index <= count {
            var value: [UInt8] = []
            if index < count, record[index] == UInt8(ascii: "\"") {
                index += 1
                while index < count {
                    if record[index] == UInt8(ascii: "\"") {
                        if index + 1 < count, record[index + 1] == UInt8(ascii: "\"") {
                            value.append(UInt8(ascii: "\""))
                            index += 2
                            continue
                        }
                        index += 1
                        break
                    }
                    value.append(record[index])
                    index += 1
                }
            } else {
                let start = index
                while index < count, record[index] != UInt8(ascii: ","), record[index] != 0x0A { index += 1 }
                value = Array(record[start..<index])
            }
            if let field = field(column: column) { entry[keyPath: field] = String(decoding: value, as: UTF8.self) }
            column += 1
            // Past the separator; a record ends at its newline (or the end of the bytes).
            guard index < count, record[index] == UInt8(ascii: ",") else { break }
            index += 1
        }
        return column > messageColumn ? entry : nil
    }
}
