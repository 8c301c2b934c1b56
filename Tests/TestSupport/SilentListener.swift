import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A loopback port that completes TCP handshakes and then never says a word: a warehouse that hangs.
public final class SilentListener: Sendable {
    public let port: Int
    private let socketFD: Int32

    public init() throws {
        let socketFD = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socketFD >= 0 else { throw TestSupportError("socket() failed") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let listening = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(socketFD, pointer, length) == 0 && listen(socketFD, 64) == 0 && getsockname(socketFD, pointer, &length) == 0
            }
        }
        guard listening else {
            close(socketFD)
            throw TestSupportError("could not listen on a loopback port")
        }
        self.socketFD = socketFD
        self.port = Int(UInt16(bigEndian: address.sin_port))
    }

    deinit {
        close(socketFD)
    }
}
