/// Finds where complete log records end in a chunk of a log file: at each newline for jsonlog,
/// at each newline outside double quotes for csvlog (a statement's newlines are inside quotes),
/// at each newline not followed by a tab for stderr (the tab marks a continuation line; a newline
/// at the end of what is written so far ends the record, since the server writes whole messages).
enum RecordSplitter {
    /// Calls `body` with each complete record (without its newline) and returns the number of
    /// bytes they span; what follows is an incomplete record, to be read again when it is whole.
    static func records(in chunk: UnsafeBufferPointer<UInt8>, format: LogFormat, _ body: (UnsafeBufferPointer<UInt8>) -> Void) -> Int {
        var start = 0
        var quoted = false
        var index = 0
        let count = chunk.count
        let csv = format == .csvlog
        let stderr = format == .stderr
        while index < count {
            let byte = chunk[index]
            if csv && byte == UInt8(ascii: "\"") {
                quoted.toggle()  // `""` toggles twice: still the same state
            } else if byte == 0x0A && !quoted && !(stderr && index + 1 < count && chunk[index + 1] == 0x09) {
                if index > start { body(UnsafeBufferPointer(rebasing: chunk[start..<index])) }
                start = index + 1
            }
            index += 1
        }
        return start
    }
}
