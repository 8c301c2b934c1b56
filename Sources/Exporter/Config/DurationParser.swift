/// Durations written the way Prometheus writes them: `500ms`, `30s`, `5m`, `1h30m`, `7d`.
public enum DurationParser {
    private static let units: [(suffix: String, milliseconds: Int64)] = [
        ("ms", 1), ("s", 1000), ("m", 60_000), ("h", 3_600_000), ("d", 86_400_000), ("w", 604_800_000), ("y", 31_536_000_000),
    ]

    /// The duration, or `nil` when the text is not one.
    public static func parse(_ text: String) -> Duration? {
        var rest = Substring(text)
        var total: Int64 = 0
        guard !rest.isEmpty else { return nil }
        while !rest.isEmpty {
            let digits = rest.prefix { $0.isASCII && $0.isNumber }
            guard !digits.isEmpty, digits.count <= 12, let number = Int64(digits) else { return nil }
            rest = rest.dropFirst(digits.count)
            // `units` lists "ms" before "m", so 500ms is not read as 500 minutes followed by an "s".
            guard let unit = units.first(where: { rest.hasPrefix($0.suffix) }) else {
                return nil
            }
            rest = rest.dropFirst(unit.suffix.count)
            let (product, overflow) = number.multipliedReportingOverflow(by: unit.milliseconds)
            guard !overflow else { return nil }
            total += product
        }
        return .milliseconds(total)
    }

    /// The shortest Prometheus-style text for a duration (`90s` becomes `1m30s`).
    public static func format(_ duration: Duration) -> String {
        var milliseconds = duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000
        guard milliseconds > 0 else { return "0s" }
        var text = ""
        for unit in units.reversed() where unit.suffix != "y" && unit.suffix != "w" {
            let count = milliseconds / unit.milliseconds
            if count > 0 {
                text += "\(count)\(unit.suffix)"
                milliseconds -= count * unit.milliseconds
            }
        }
        return text
    }
}
