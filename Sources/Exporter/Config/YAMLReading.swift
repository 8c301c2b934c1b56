import Yams

/// Typed, strict reads of a YAML node tree (the configuration, the web configuration): every
/// problem is an error naming the file, line and column, so a typo never silently turns a feature off.
protocol YAMLReading {
    /// The file the nodes came from, for error messages.
    var file: String { get }
}

extension YAMLReading {
    // MARK: - Typed reads

    func positiveInteger(_ node: Node, _ what: String) throws(ConfigError) -> Int {
        guard let value = node.int, value > 0 else { throw error(node, "\"\(what)\" must be a positive whole number") }
        return value
    }

    /// The node's number, nil when it is not one. Infinity and NaN are refused here, for every
    /// number in the configuration: `.inf` dollars per hour made a cost counter `+Inf` forever.
    func number(_ node: Node, _ what: String) throws(ConfigError) -> Double? {
        guard let value = node.float else { return nil }
        guard value.isFinite else {
            throw error(node, "\"\(what)\" must be a finite number, not \(node.string ?? "\(value)")")
        }
        return value
    }

    /// A mapping whose keys are all in `allowed` (any key when nil).
    func mapping(_ node: Node, _ what: String, allowed: Set<String>?) throws(ConfigError) -> Node.Mapping {
        guard case .mapping(let mapping) = node else { throw error(node, "\(what) must be a mapping of keys to values") }
        guard let allowed else { return mapping }
        for key in mapping.keys {
            let name = key.string ?? ""
            guard allowed.contains(name) else {
                throw error(key, "unknown key \"\(name)\" in \(what)" + suggestion(name, allowed))
            }
        }
        return mapping
    }

    func required(_ fields: Node.Mapping, _ key: String, in node: Node) throws(ConfigError) -> Node {
        guard let value = fields[key] else { throw error(node, "missing key \"\(key)\"") }
        return value
    }

    func string(_ node: Node, _ what: String) throws(ConfigError) -> String {
        guard case .scalar(let scalar) = node else { throw error(node, "\"\(what)\" must be a single value") }
        return scalar.string
    }

    func stringList(_ node: Node, _ what: String) throws(ConfigError) -> [String] {
        guard case .sequence(let items) = node else { throw error(node, "\"\(what)\" must be a list") }
        var values: [String] = []
        for item in items { values.append(try string(item, what)) }
        return values
    }

    func positiveDuration(_ node: Node, _ what: String) throws(ConfigError) -> Duration {
        let text = try string(node, what)
        guard let duration = DurationParser.parse(text), duration > .zero else {
            throw error(node, "\"\(what)\" must be a duration such as 500ms, 30s, 5m or 1h30m, got \"\(text)\"")
        }
        return duration
    }

    // MARK: - Messages

    func error(_ node: Node, _ message: String) -> ConfigError {
        ConfigError(file: file, line: node.mark?.line, column: node.mark?.column, message: message)
    }

    /// "(did you mean …?)" for a key one or two edits away from an allowed one.
    func suggestion(_ name: String, _ allowed: Set<String>) -> String {
        let ranked = allowed.sorted().map { (key: $0, distance: editDistance(name, $0)) }
        if let closest = ranked.min(by: { $0.distance < $1.distance }), closest.distance <= 2 {
            return " (did you mean \"\(closest.key)\"?)"
        }
        return " (allowed: \(allowed.sorted().joined(separator: ", ")))"
    }

    /// Levenshtein distance, small strings only.
    func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a)
        let b = Array(b)
        var previous = Array(0...b.count)
        for (i, characterA) in a.enumerated() {
            var current = [i + 1]
            for (j, characterB) in b.enumerated() {
                let substitution = previous[j] + (characterA == characterB ? 0 : 1)
                let insertion = current[j] + 1
                let deletion = previous[j + 1] + 1
                current.append(Swift.min(substitution, insertion, deletion))
            }
            previous = current
        }
        return previous[b.count]
    }
}
