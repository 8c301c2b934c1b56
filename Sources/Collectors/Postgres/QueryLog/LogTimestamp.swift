/// PostgreSQL's `%m` log time, `2026-11-21 23:58:49.123 UTC`, as seconds since 1970.
///
/// The zone is the server's `log_timezone` abbreviation. UTC and GMT and numeric offsets (`+01`,
/// `-05:30`) are read; named zones (`CET`, `EST`) are ambiguous across the world and are not,
/// so with those the collector reports no lag (docs/postgres.md asks for `log_timezone = 'UTC'`).
enum LogTimestamp {
    static func seconds(_ text: String) -> Double? {
        let bytes = Array(text.utf8)
        // Date, time and optional fraction end at the first space after the time.
        guard bytes.count >= 19 else { return nil }
        var end = 19
        if end < bytes.count, bytes[end] == UInt8(ascii: ".") {
            end += 1
            while end < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[end]) { end += 1 }
        }
        guard let local = RedshiftTimestamp(String(decoding: bytes[..<end], as: UTF8.self)) else { return nil }
        let zone = String(decoding: bytes[end...], as: UTF8.self).trimmingSpaces
        guard let offset = offsetSeconds(zone) else { return nil }
        return Double(local.microseconds) / 1_000_000 - Double(offset)
    }

    /// Seconds east of UTC.
    static func offsetSeconds(_ zone: Substring) -> Int? {
        if zone.isEmpty || zone == "UTC" || zone == "GMT" || zone == "Z" { return 0 }
        guard let sign = zone.first, sign == "+" || sign == "-" else { return nil }
        let digits = zone.dropFirst().filter { $0 != ":" }
        guard digits.count == 2 || digits.count == 4, digits.allSatisfy(\.isASCIIDigit),
            let hours = Int(digits.prefix(2)), let minutes = Int(digits.dropFirst(2).isEmpty ? "0" : digits.dropFirst(2)),
            hours <= 14, minutes < 60
        else { return nil }
        let seconds = hours * 3600 + minutes * 60
        return sign == "+" ? seconds : -seconds
    }
}

extension String {
    fileprivate var trimmingSpaces: Substring {
        var text = self[...]
        while text.first == " " { text.removeFirst() }
        while text.last == " " { text.removeLast() }
        return text
    }
}

extension Character {
    fileprivate var isASCIIDigit: Bool { isASCII && isNumber }
}
