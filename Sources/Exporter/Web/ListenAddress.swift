/// A `host:port` to listen on, as `--web.listen-address` takes it: `:10150`, `0.0.0.0:10150`,
/// `localhost:10150` or `[::1]:10150`. An empty host means every interface.
public struct ListenAddress: Sendable, Equatable, CustomStringConvertible {
    public static let defaultPort = 10150

    public let host: String
    public let port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    public init?(_ text: String) {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]), (0...65535).contains(port)
        else { return nil }
        var host = String(text[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") {
            host = String(host.dropFirst().dropLast())
        } else if host.contains(":") {
            return nil  // an IPv6 address needs brackets
        }
        self.init(host: host.isEmpty ? "0.0.0.0" : host, port: port)
    }

    public var description: String {
        host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }
}
