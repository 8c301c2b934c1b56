#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A `host:port` to listen on, as `--web.listen-address` takes it: `:10150`, `0.0.0.0:10150`,
/// `localhost:10150` or `[::1]:10150`. An empty host means every interface, IPv6 and IPv4 both.
public struct ListenAddress: Sendable, Equatable, CustomStringConvertible {
    public static let defaultPort = 10150

    /// The host as given, without brackets; "" for every interface.
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
        self.init(host: host, port: port)
    }

    /// The host to bind: for every interface `::`, which on Linux also accepts IPv4 (as
    /// IPv4-mapped addresses, `net.ipv6.bindv6only` being 0 by default), as Go's `:PORT` does;
    /// `0.0.0.0` where the kernel has no IPv6.
    public var bindHost: String {
        guard host.isEmpty else { return host }
        return Self.ipv6Available ? "::" : "0.0.0.0"
    }

    /// The host a client on this machine reaches this address at: loopback for every interface.
    public var loopbackHost: String {
        switch bindHost {
        case "::": "::1"
        case "0.0.0.0": "127.0.0.1"
        default: host
        }
    }

    public var description: String {
        host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }

    /// Whether an IPv6 socket can be bound: false on kernels booted with `ipv6.disable=1` and in
    /// containers without IPv6, where binding `::` would fail the start.
    static let ipv6Available: Bool = {
        #if canImport(Glibc)
        let fd = socket(AF_INET6, Int32(SOCK_STREAM.rawValue), 0)
        #else
        let fd = socket(AF_INET6, SOCK_STREAM, 0)
        #endif
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_in6()
        address.sin6_family = sa_family_t(AF_INET6)
        address.sin6_addr = in6addr_any
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in6>.size)) }
        }
        return bound == 0
    }()
}
