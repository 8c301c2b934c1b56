/// When the server began a log file, read from what the server wrote rather than from the file's
/// modification time (which a clock stepped back, `touch` or a copy changes): the time of its first
/// record, else the time its `log_filename` put in its name.
///
/// Both are the server's wall clock in `log_timezone`, compared as written (as if UTC), so a time
/// from a record and one from a name order alike.
enum LogFileStart {
    /// The first `YYYY-MM-DD HH:MM:SS[.fraction]` in `bytes`, the first bytes of a file. Every format
    /// begins a record with its time (jsonlog's `timestamp`, csvlog's first column, stderr's `%m`),
    /// so the first such time is the first record's.
    static func recordTime(_ bytes: UnsafeBufferPointer<UInt8>) -> Double? {
        let count = bytes.count
        var index = 0
        while index + 19 <= count {
            if let seconds = dateTime(bytes, at: index) { return seconds }
            index += 1
        }
        return nil
    }

    /// The date and time in a name made by `log_filename`'s strftime escapes: `%Y-%m-%d`, then up
    /// to three two-digit fields (hour, minute, second) each after an optional `_`, `-`, `T` or
    /// `:` (`postgresql-2026-11-21_101500.log`). Nil for names without a date
    /// (`postgresql-Mon.log`), which only the records can place.
    static func nameTime(_ name: String) -> Double? {
        let bytes = Array(name.utf8)
        var index = 0
        while index + 10 <= bytes.count {
            if let date = date(bytes, at: index) {
                var seconds = Double(date) * 86_400
                var position = index + 10
                let units: [(limit: Int, seconds: Double)] = [(24, 3600), (60, 60), (60, 1)]
                for unit in units {
                    var start = position
                    if start < bytes.count, [UInt8(ascii: "_"), UInt8(ascii: "-"), UInt8(ascii: "T"), UInt8(ascii: ":")].contains(bytes[start]) {
                        start += 1
                    }
                    guard let value = number(bytes, start..<(start + 2)), value < unit.limit else { break }
                    seconds += Double(value) * unit.seconds
                    position = start + 2
                }
                return seconds
            }
            index += 1
        }
        return nil
    }

    /// `YYYY-MM-DD HH:MM:SS` (and a fraction) at `index`, as seconds.
    private static func dateTime(_ bytes: UnsafeBufferPointer<UInt8>, at index: Int) -> Double? {
        guard bytes[index + 10] == UInt8(ascii: " "), bytes[index + 13] == UInt8(ascii: ":"), bytes[index + 16] == UInt8(ascii: ":"),
              let days = date(bytes, at: index),
              let hour = number(bytes, (index + 11)..<(index + 13)), hour < 24,
              let minute = number(bytes, (index + 14)..<(index + 16)), minute < 60,
              let second = number(bytes, (index + 17)..<(index + 19)), second < 61
        else { return nil }
        var seconds = Double(days * 86_400 + hour * 3600 + minute * 60 + second)
        var position = index + 19
        if position < bytes.count, bytes[position] == UInt8(ascii: ".") {
            var scale = 0.1
            position += 1
            while position < bytes.count, let digit = digit(bytes[position]) {
                seconds += Double(digit) * scale
                scale /= 10
                position += 1
            }
        }
        return seconds
    }

    /// `YYYY-MM-DD` at `index`, as days since 1970-01-01.
    private static func date<Bytes: RandomAccessCollection<UInt8>>(_ bytes: Bytes, at index: Int) -> Int? where Bytes.Index == Int {
        guard index + 10 <= bytes.endIndex, bytes[index + 4] == UInt8(ascii: "-"), bytes[index + 7] == UInt8(ascii: "-"),
              let year = number(bytes, index..<(index + 4)), year >= 1970,
              let month = number(bytes, (index + 5)..<(index + 7)), (1...12).contains(month),
              let day = number(bytes, (index + 8)..<(index + 10)), (1...31).contains(day)
        else { return nil }
        return Int(RedshiftTimestamp.daysFromCivil(year: Int64(year), month: Int64(month), day: Int64(day)))
    }

    private static func number<Bytes: RandomAccessCollection<UInt8>>(_ bytes: Bytes, _ range: Range<Int>) -> Int? where Bytes.Index == Int {
        guard range.lowerBound >= bytes.startIndex, range.upperBound <= bytes.endIndex else { return nil }
        var value = 0
        for index in range {
            guard let digit = digit(bytes[index]) else { return nil }
            value = value * 10 + digit
        }
        return value
    }

    private static func digit(_ byte: UInt8) -> Int? {
        byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") ? Int(byte - UInt8(ascii: "0")) : nil
    }
}
