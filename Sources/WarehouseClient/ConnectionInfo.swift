import CLibPQ

/// A DSN as libpq itself reads it, so validation and display agree with what connecting will do.
public struct ConnectionInfo: Sendable {
    /// The options the DSN sets explicitly, by libpq keyword.
    public let options: [String: String]

    /// Parses a key/value connection string or a `postgresql://` URI without connecting.
    ///
    /// Anything else is a database name, as libpq reads the `dbname` it connects with.
    public init(parsing dsn: String) throws(WarehouseError) {
        guard dsn.contains("=") || dsn.hasPrefix("postgresql://") || dsn.hasPrefix("postgres://") else {
            self.options = dsn.isEmpty ? [:] : ["dbname": dsn]
            return
        }
        var errorMessage: UnsafeMutablePointer<CChar>?
        guard let parsed = PQconninfoParse(dsn, &errorMessage) else {
            let detail = errorMessage.map { String(cString: $0) } ?? "out of memory"
            if let errorMessage { PQfreemem(errorMessage) }
            // libpq quotes fragments of the input in its messages, and a fragment may be a password.
            throw WarehouseError(.configuration, "invalid DSN: " + Self.withoutQuotedFragments(detail))
        }
        defer { PQconninfoFree(parsed) }
        var options: [String: String] = [:]
        var option = parsed
        while let keyword = option.pointee.keyword {
            if let value = option.pointee.val {
                options[String(cString: keyword)] = String(cString: value)
            }
            option += 1
        }
        self.options = options
    }

    /// Where the DSN points, with nothing secret in it: user, host, port and database.
    public var safeDescription: String {
        let host = options["host"] ?? options["hostaddr"] ?? "(default host)"
        let port = options["port"].map { ":\($0)" } ?? ""
        let user = options["user"].map { "\($0)@" } ?? ""
        let database = options["dbname"].map { "/\($0)" } ?? ""
        return user + host + port + database
    }

    static func withoutQuotedFragments(_ message: String) -> String {
        var result = ""
        var inQuotes = false
        for character in message.trimmingTrailingNewlines() {
            if character == "\"" {
                result += inQuotes ? "\"" : "\"…"
                inQuotes.toggle()
            } else if !inQuotes {
                result.append(character)
            }
        }
        return result
    }
}

extension String {
    func trimmingTrailingNewlines() -> Substring {
        var end = endIndex
        while end > startIndex, self[index(before: end)].isNewline { end = index(before: end) }
        return self[..<end]
    }
}
