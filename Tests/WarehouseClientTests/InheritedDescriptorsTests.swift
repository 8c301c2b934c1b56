import Foundation
import TestSupport
import Testing
import WarehouseClient

#if canImport(Glibc)
import Glibc
#endif

/// A program the exporter (a password command) or the tests (a tool, a watchdog) start holds only
/// its standard descriptors, not the files and sockets its parent opened without close-on-exec.
@Suite("Descriptors a spawned program inherits")
struct InheritedDescriptorsTests {
    /// A file held open in this process the way Foundation and C libraries open theirs: without
    /// close-on-exec, so that any program spawned meanwhile would inherit it.
    private static func leakedDescriptor() throws -> Int32 {
        let descriptor = open("/dev/null", O_RDONLY)
        try #require(descriptor >= 3)
        try #require(fcntl(descriptor, F_GETFD) & FD_CLOEXEC == 0)
        return descriptor
    }

    /// The descriptors of the shell that ran `ls /proc/$$/fd` (its `ls` is a child of its own).
    private static func descriptors(_ listing: String) -> Set<Int32> {
        Set(listing.split(whereSeparator: \.isWhitespace).compactMap { Int32($0) })
    }

    @Test func aPasswordCommandHoldsOnlyItsStandardDescriptors() async throws {
        let leaked = try Self.leakedDescriptor()
        defer { close(leaked) }
        let postgres = try TestPostgres.shared()
        let role = "fds_\(UUID().uuidString.prefix(8).lowercased())"
        try await postgres.execute("CREATE ROLE \(role) LOGIN PASSWORD 'fd-secret'")
        let listing = NSTemporaryDirectory() + "fds-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: listing) }
        let command = PasswordCommand(arguments: ["/bin/sh", "-c", "ls /proc/$$/fd > '\(listing)'; echo fd-secret"])
        let connection = try await Connection.connect(ConnectionSettings(dsn: postgres.dsn(user: role), passwordCommand: command))
        connection.close()
        let held = Self.descriptors(try String(contentsOfFile: listing, encoding: .utf8))
        #expect(held.isSuperset(of: [0, 1, 2]), "\(held.sorted())")
        #expect(!held.contains(leaked), "the password command inherited descriptor \(leaked): \(held.sorted())")
    }

    @Test func aProgramTheTestsRunHoldsOnlyItsStandardDescriptors() async throws {
        let leaked = try Self.leakedDescriptor()
        defer { close(leaked) }
        let (status, output) = try await Subprocess.run(["/bin/sh", "-c", "ls /proc/$$/fd"])
        #expect(status == 0)
        let held = Self.descriptors(output)
        #expect(held.isSuperset(of: [0, 1, 2]), "\(held.sorted())")
        #expect(!held.contains(leaked), "the program inherited descriptor \(leaked): \(held.sorted())")
    }
}
