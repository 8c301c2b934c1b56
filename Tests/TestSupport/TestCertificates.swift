import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A certificate authority, a server certificate for 127.0.0.1 and localhost, a client certificate
/// it signed, and a client certificate from a second, untrusted authority: made with the openssl
/// command in a new folder, valid for a day.
public struct TestCertificates: Sendable {
    public let folder: String
    public var caCertificate: String { folder + "/ca.pem" }
    public var serverCertificate: String { folder + "/server.pem" }
    public var serverKey: String { folder + "/server.key" }
    public var clientCertificate: String { folder + "/client.pem" }
    public var clientKey: String { folder + "/client.key" }
    public var strangerCertificate: String { folder + "/stranger.pem" }
    public var strangerKey: String { folder + "/stranger.key" }

    /// `serverNames` are the server certificate's subject alternative names (OpenSSL's syntax).
    public static func make(serverNames: String = "IP:127.0.0.1,DNS:localhost") throws -> TestCertificates {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("certs-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let certificates = TestCertificates(folder: folder)
        try "subjectAltName=\(serverNames)\nextendedKeyUsage=serverAuth\n".write(
            toFile: folder + "/server.ext", atomically: true, encoding: .utf8)
        try "extendedKeyUsage=clientAuth\n".write(toFile: folder + "/client.ext", atomically: true, encoding: .utf8)
        try certificates.authority("ca")
        try certificates.authority("stranger-ca")
        try certificates.leaf("server", signedBy: "ca", extensions: "server.ext")
        try certificates.leaf("client", signedBy: "ca", extensions: "client.ext")
        try certificates.leaf("stranger", signedBy: "stranger-ca", extensions: "client.ext")
        return certificates
    }

    /// A new server certificate and key from the same authority, written beside the old pair
    /// and renamed over it, as certificate managers do.
    public func renewServer(commonName: String) throws {
        try leaf("renewed", signedBy: "ca", extensions: "server.ext", commonName: commonName)
        for (new, old) in [(folder + "/renewed.key", serverKey), (folder + "/renewed.pem", serverCertificate)] {
            guard rename(new, old) == 0 else { throw TestSupportError("cannot rename \(new) over \(old)") }
        }
    }

    public func remove() {
        try? FileManager.default.removeItem(atPath: folder)
    }

    private static let key = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]

    private func authority(_ name: String) throws {
        try openssl(["req", "-x509"] + Self.key + ["-keyout", "\(name).key", "-out", "\(name).pem", "-days", "1", "-subj", "/CN=\(name)"])
    }

    private func leaf(_ name: String, signedBy authority: String, extensions: String, commonName: String? = nil) throws {
        try openssl(["req"] + Self.key + ["-keyout", "\(name).key", "-out", "\(name).csr", "-subj", "/CN=\(commonName ?? name)"])
        try openssl([
            "x509", "-req", "-in", "\(name).csr", "-CA", "\(authority).pem", "-CAkey", "\(authority).key", "-CAcreateserial",
            "-out", "\(name).pem", "-days", "1", "-extfile", extensions,
        ])
    }

    private func openssl(_ arguments: [String]) throws {
        // Relative names, run from the folder: openssl has no -C, so go through sh.
        let command = (["openssl"] + arguments).map { "'\($0)'" }.joined(separator: " ")
        let (status, output) = try Subprocess.runBlocking(["sh", "-c", "cd '\(folder)' && \(command)"], input: nil)
        guard status == 0 else { throw TestSupportError("openssl \(arguments.first ?? "") failed: \(output)") }
    }
}
