/// A Redshift `timestamp` (no zone, UTC) as microseconds since 1970, read from and written as
/// `YYYY-MM-DD HH:MM:SS.ffffff` (the form `to_char(…, 'YYYY-MM-DD HH24:MI:SS.US')` gives), so the
/// cursor can move back by the overlap window without the warehouse's date functions.
struct RedshiftTimestamp: Comparable, Codable, Sendable {
    var microseconds: Int64

    init(microseconds: Int64) {
        self.microseconds = microseconds
    }

    /// Saved as its microseconds alone: a cursor saves one for each query id it remembers with
    /// every page it reads, and an object for each cost the encoding its allocations and the file
    /// its key. An entry saved as `{"microseconds": N}` (before 2026-12-03) still reads.
    init(from decoder: any Decoder) throws {
        if let value = try? decoder.singleValueContainer().decode(Int64.self) {
            microseconds = value
            return
        }
        microseconds = try decoder.container(keyedBy: CodingKeys.self).decode(Int64.self, forKey: .microseconds)
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(microseconds)
    }

    private enum CodingKeys: String, CodingKey {
        case microseconds
    }

    init?(_ text: String) {
        let digits = Array(text.utf8)
        func number(_ range: Range<Int>) -> Int64? {
            guard range.upperBound <= digits.count else { return nil }
            var value: Int64 = 0
            for byte in digits[range] {
                guard byte >= 0x30 && byte <= 0x39 else { return nil }
                value = value * 10 + Int64(byte - 0x30)
            }
            return value
        }
        guard let year = number(0..<4), let month = number(5..<7), let day = number(8..<10),
              let hour = number(11..<13), let minute = number(14..<16), let second = number(17..<19)
        else { return nil }
        var fraction: Int64 = 0
        if digits.count > 20, let value = number(20..<digits.count) {
            fraction = value
            for _ in 0..<(6 - min(6, digits.count - 20)) { fraction *= 10 }
        }
        let days = Self.daysFromCivil(year: year, month: month, day: day)
        microseconds = ((days * 24 + hour) * 60 + minute) * 60_000_000 + second * 1_000_000 + fraction
    }

    var text: String {
        let days = microseconds >= 0 ? microseconds / 86_400_000_000 : (microseconds - 86_399_999_999) / 86_400_000_000
        let rest = microseconds - days * 86_400_000_000
        let (year, month, day) = Self.civil(fromDays: days)
        func pad(_ value: Int64, _ width: Int) -> String {
            let digits = String(value)
            return String(repeating: "0", count: max(0, width - digits.count)) + digits
        }
        return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2)) \(pad(rest / 3_600_000_000, 2)):\(pad(rest / 60_000_000 % 60, 2)):"
            + "\(pad(rest / 1_000_000 % 60, 2)).\(pad(rest % 1_000_000, 6))"
    }

    static func < (lhs: Self, rhs: Self) -> Bool { lhs.microseconds < rhs.microseconds }

    func adding(seconds: Double) -> RedshiftTimestamp {
        RedshiftTimestamp(microseconds: microseconds + Int64(seconds * 1_000_000))
    }

    /// Howard Hinnant's days_from_civil: days since 1970-01-01 of a proleptic Gregorian date.
    static func daysFromCivil(year: Int64, month: Int64, day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    static func civil(fromDays days: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthPart = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthPart + 2) / 5 + 1
        let month = monthPart < 10 ? monthPart + 3 : monthPart - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }
}
