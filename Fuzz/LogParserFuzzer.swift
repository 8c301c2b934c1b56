// libFuzzer entry point for the query_log parsers; built by scripts/fuzz together with the parser
// sources of Sources/Collectors/Postgres/QueryLog as one module, so it reaches their internals.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size > 0 else { return 0 }
    // The first byte picks the format, the rest is a chunk of a log file.
    let format = LogFormat.allCases[Int(data[0]) % LogFormat.allCases.count]
    let chunk = UnsafeBufferPointer(start: data + 1, count: size - 1)
    var stderr = StderrLogReader()
    var end = 0
    let consumed = RecordSplitter.records(in: chunk, format: format) { record in
        let start = record.baseAddress! - chunk.baseAddress!
        precondition(!record.isEmpty && start >= end && start + record.count <= chunk.count, "a record outside its chunk")
        end = start + record.count
        let entry: LogEntry? = switch format {
        case .jsonlog: JSONLogLine.entry(record)
        case .csvlog: CSVLogRecord.entry(record)
        case .stderr: stderr.entry(record)
        }
        check(entry)
    }
    precondition(consumed >= end && consumed <= chunk.count, "consumed past the chunk")
    // The whole chunk as one record, as the tailer hands over the last line of a rotated file.
    check(JSONLogLine.entry(chunk))
    check(CSVLogRecord.entry(chunk))
    check(stderr.entry(chunk))
    return 0
}

/// A finished statement's duration is a time: finite and not negative.
func check(_ entry: LogEntry?) {
    guard let entry, case .finished(_, let milliseconds) = LogEvent.from(entry) else { return }
    precondition(milliseconds.isFinite && milliseconds >= 0, "an impossible duration")
}
