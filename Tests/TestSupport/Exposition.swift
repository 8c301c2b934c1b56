/// A Prometheus text exposition (format 0.0.4) parsed into its samples, for assertions that name
/// a series by its sample name and its set of labels, in any order.
///
/// ```swift
/// let exposition = Exposition(text: body)
/// exposition.value("warehouse_up", ["warehouse": "main"])  // 1.0, or nil when absent
/// exposition.value("warehouse_query_duration_seconds_bucket", ["warehouse": "w", "le": "+Inf"])
/// ```
public struct Exposition: Sendable {
    /// One sample line: the sample's full name (`…_bucket`, `…_sum` and `…_count` for a
    /// histogram's), its labels with their values unescaped, and its value.
    public struct Sample: Sendable, Equatable, CustomStringConvertible {
        /// The sample's full name, e.g. `warehouse_query_duration_seconds_bucket`.
        public let name: String
        /// The sample's labels, their values unescaped (`\\`, `\"` and `\n`).
        public let labels: [String: String]
        /// The sample's value; `+Inf`, `-Inf` and `NaN` are read as such.
        public let value: Double

        /// A sample, as a parsed line gives it.
        public init(name: String, labels: [String: String], value: Double) {
            self.name = name
            self.labels = labels
            self.value = value
        }

        /// The sample as a line of the exposition, its labels in name order.
        public var description: String {
            let labels = self.labels.sorted { $0.key < $1.key }.map { name, value in
                let escaped = value.replacing("\\", with: "\\\\").replacing("\"", with: "\\\"").replacing("\n", with: "\\n")
                return "\(name)=\"\(escaped)\""
            }
            return name + (labels.isEmpty ? "" : "{" + labels.joined(separator: ",") + "}") + " \(value)"
        }
    }

    /// The exposition as served.
    public let text: String
    /// Every sample, in the order of the text.
    public let samples: [Sample]
    /// Each family's `# TYPE` (`counter`, `gauge`, `histogram`, …), by family name.
    public let types: [String: String]
    /// The lines that are neither a comment, blank, nor a well-formed sample: empty for a valid
    /// exposition.
    public let malformedLines: [String]

    /// Parses `text`; a line that is not a well-formed sample is kept in `malformedLines`.
    public init(text: String) {
        self.text = text
        var samples: [Sample] = []
        var types: [String: String] = [:]
        var malformed: [String] = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: true) {
            let trimmed = line.drop { $0 == " " || $0 == "\t" }
            if trimmed.isEmpty { continue }
            if trimmed.first == "#" {
                let words = trimmed.split(separator: " ", maxSplits: 3, omittingEmptySubsequences: true)
                if words.count >= 4, words[0] == "#", words[1] == "TYPE" {
                    types[String(words[2])] = String(words[3].trimmingSuffix(while: { $0 == " " || $0 == "\t" }))
                }
                continue
            }
            if let sample = Self.parseSample(trimmed) {
                samples.append(sample)
            } else {
                malformed.append(String(line))
            }
        }
        self.samples = samples
        self.types = types
        malformedLines = malformed
    }

    /// The value of the sample named `name` whose label set is exactly `labels` (no label more,
    /// none less; order does not matter); nil when there is none.
    ///
    /// `name` is a sample's name alone: labels written into it (`name{…}`) are a mistake, and stop
    /// the test.
    public func value(_ name: String, _ labels: [String: String] = [:]) -> Double? {
        Self.check(name)
        return samples.first { $0.name == name && $0.labels == labels }?.value
    }

    /// Every sample named `name` (`…_bucket` for a histogram's buckets), in the order of the text.
    public func samples(_ name: String) -> [Sample] {
        Self.check(name)
        return samples.filter { $0.name == name }
    }

    /// The samples named `name` whose labels include every one of `labels` with its value; they
    /// may have more.
    public func samples(_ name: String, including labels: [String: String]) -> [Sample] {
        Self.check(name)
        return samples.filter { sample in sample.name == name && labels.allSatisfy { sample.labels[$0.key] == $0.value } }
    }

    /// The values `label` takes across the samples named `name` (those without it left out).
    public func labelValues(_ label: String, of name: String) -> Set<String> {
        Set(samples(name).compactMap { $0.labels[label] })
    }

    /// The `# TYPE` of the family `family` (a histogram's is its name without `_bucket`); nil
    /// when the exposition declares none.
    public func type(of family: String) -> String? {
        types[family]
    }

    /// Stops the test at a name with labels written into it: it would match nothing, silently.
    private static func check(_ name: String) {
        precondition(!name.contains("{"), "Exposition: pass the labels of \(name) as a dictionary, not in the name")
    }

    // MARK: - Parsing

    /// A sample line: `name`, optionally `{label="value",…}` (a trailing comma allowed), the value,
    /// and optionally a timestamp, separated by blanks.
    static func parseSample(_ line: Substring) -> Sample? {
        var scalars = line.unicodeScalars[...]
        func isBlank(_ scalar: Unicode.Scalar) -> Bool { scalar == " " || scalar == "\t" }
        func skipBlanks() { while let first = scalars.first, isBlank(first) { scalars.removeFirst() } }
        func isNameStart(_ scalar: Unicode.Scalar) -> Bool {
            ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar) || scalar == "_" || scalar == ":"
        }
        func isNameContinuation(_ scalar: Unicode.Scalar) -> Bool { isNameStart(scalar) || ("0"..."9").contains(scalar) }
        func readName(colons: Bool) -> String? {
            guard let first = scalars.first, isNameStart(first), colons || first != ":" else { return nil }
            var name = String.UnicodeScalarView()
            while let next = scalars.first, isNameContinuation(next), colons || next != ":" {
                name.append(next)
                scalars.removeFirst()
            }
            return String(name)
        }

        guard let name = readName(colons: true) else { return nil }
        skipBlanks()
        var labels: [String: String] = [:]
        if scalars.first == "{" {
            scalars.removeFirst()
            while true {
                skipBlanks()
                if scalars.first == "}" {
                    scalars.removeFirst()
                    break
                }
                guard let label = readName(colons: false), labels[label] == nil else { return nil }
                skipBlanks()
                guard scalars.popFirst() == "=" else { return nil }
                skipBlanks()
                guard scalars.popFirst() == "\"" else { return nil }
                var value = String.UnicodeScalarView()
                while true {
                    guard let scalar = scalars.popFirst() else { return nil }
                    if scalar == "\"" { break }
                    if scalar == "\\" {
                        guard let escaped = scalars.popFirst() else { return nil }
                        switch escaped {
                        case "\\": value.append("\\")
                        case "\"": value.append("\"")
                        case "n": value.append("\n")
                        default:  // not an escape of the format: kept as written
                            value.append(scalar)
                            value.append(escaped)
                        }
                    } else {
                        value.append(scalar)
                    }
                }
                labels[label] = String(value)
                skipBlanks()
                if scalars.first == "," {
                    scalars.removeFirst()
                } else if scalars.first != "}" {
                    return nil
                }
            }
        }
        // The value, then an optional timestamp (an integer of milliseconds), and nothing more.
        let rest = Substring(scalars).split(whereSeparator: { $0 == " " || $0 == "\t" })
        guard rest.count == 1 || (rest.count == 2 && Int64(rest[1]) != nil), let value = parseValue(rest[0]) else { return nil }
        return Sample(name: name, labels: labels, value: value)
    }

    /// A sample's value as Go's `strconv.ParseFloat` reads it, with the format's `+Inf`, `-Inf`
    /// and `NaN`.
    static func parseValue(_ text: Substring) -> Double? {
        switch text.lowercased() {
        case "+inf", "inf": return .infinity
        case "-inf": return -.infinity
        case "nan": return .nan
        default: return Double(text)
        }
    }
}

extension Substring {
    /// The substring without the trailing characters that match `predicate`.
    fileprivate func trimmingSuffix(while predicate: (Character) -> Bool) -> Substring {
        var end = endIndex
        while end > startIndex, predicate(self[index(before: end)]) { end = index(before: end) }
        return self[startIndex..<end]
    }
}
