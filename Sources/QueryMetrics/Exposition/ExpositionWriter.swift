/// Writes the Prometheus text format (version 0.0.4) into a byte buffer without building
/// intermediate strings: label values escaped once when a series is created, integers written
/// digit by digit.
enum ExpositionWriter {
    /// `name="value",…` for the labels with non-empty values (an empty label is the same as
    /// none to Prometheus), values escaped as the format requires: `\` `"` and newline.
    static func labelText(names: [String], values: [String]) -> [UInt8] {
        var text: [UInt8] = []
        for (name, value) in zip(names, values) where !value.isEmpty {
            if !text.isEmpty { text.append(UInt8(ascii: ",")) }
            text += name.utf8
            text += "=\"".utf8
            for byte in value.utf8 {
                switch byte {
                case UInt8(ascii: "\\"): text += "\\\\".utf8
                case UInt8(ascii: "\""): text += "\\\"".utf8
                case UInt8(ascii: "\n"): text += "\\n".utf8
                default: text.append(byte)
                }
            }
            text.append(UInt8(ascii: "\""))
        }
        return text
    }

    /// The label names and values of a ``labelText(names:values:)``, unescaped: for the stores that
    /// keep only the text, when the protobuf format needs the pairs.
    static func labelPairs(_ text: [UInt8]) -> [(String, String)] {
        var pairs: [(String, String)] = []
        var index = 0
        while index < text.count {
            let nameStart = index
            while index < text.count && text[index] != UInt8(ascii: "=") { index += 1 }
            let name = String(decoding: text[nameStart..<index], as: UTF8.self)
            index += 2  // `="`
            var value: [UInt8] = []
            while index < text.count && text[index] != UInt8(ascii: "\"") {
                if text[index] == UInt8(ascii: "\\"), index + 1 < text.count {
                    index += 1
                    value.append(text[index] == UInt8(ascii: "n") ? 0x0A : text[index])
                } else {
                    value.append(text[index])
                }
                index += 1
            }
            pairs.append((name, String(decoding: value, as: UTF8.self)))
            index += 2  // `",`
        }
        return pairs
    }

    /// The family's `# HELP` and `# TYPE` lines. OpenMetrics names a counter family without the
    /// `_total` its samples carry.
    static func header(_ family: MetricFamily, format: ExpositionFormat, into buffer: inout [UInt8]) {
        let name = format == .openMetrics && family.kind == .counter ? family.name.dropLast("_total".count) : Substring(family.name)
        buffer += "# HELP ".utf8
        buffer += name.utf8
        buffer.append(UInt8(ascii: " "))
        buffer += family.help.utf8
        buffer += "\n# TYPE ".utf8
        buffer += name.utf8
        buffer.append(UInt8(ascii: " "))
        buffer += family.kind.rawValue.utf8
        buffer.append(UInt8(ascii: "\n"))
    }

    /// `name{labels} ` (or `name ` without labels), up to the sample's value.
    static func sampleName(_ name: String, suffix: String = "", labels: [UInt8], into buffer: inout [UInt8]) {
        buffer += name.utf8
        buffer += suffix.utf8
        if !labels.isEmpty {
            buffer.append(UInt8(ascii: "{"))
            buffer += labels
            buffer.append(UInt8(ascii: "}"))
        }
        buffer.append(UInt8(ascii: " "))
    }

    @inline(__always)
    static func append(_ value: UInt64, into buffer: inout [UInt8]) {
        if value < 10 {
            buffer.append(UInt8(ascii: "0") + UInt8(value))
            return
        }
        var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                     UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
            (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var count = 0
        var rest = value
        withUnsafeMutableBytes(of: &digits) { digits in
            while rest > 0 {
                digits[19 - count] = UInt8(ascii: "0") + UInt8(rest % 10)
                rest /= 10
                count += 1
            }
            buffer.append(contentsOf: digits[(20 - count)...])
        }
    }

    /// A float as Prometheus reads it: `+Inf`, `-Inf`, `NaN`, else Swift's shortest
    /// round-tripping form.
    static func append(_ value: Double, into buffer: inout [UInt8]) {
        if value.isNaN {
            buffer += "NaN".utf8
        } else if value.isInfinite {
            buffer += (value > 0 ? "+Inf" : "-Inf").utf8
        } else if value == value.rounded(), abs(value) < 1e15 {
            if value < 0 { buffer.append(UInt8(ascii: "-")) }
            append(UInt64(abs(value)), into: &buffer)
        } else {
            buffer += value.description.utf8
        }
    }
}
