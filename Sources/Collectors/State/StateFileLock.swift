import Foundation

/// An exclusive `flock` on `<state file>.lock`, held as long as this lives (and released by the
/// kernel however the process ends), so that one process at a time writes a state file.
///
/// The lock is on a file beside the state file rather than on the state file itself because each
/// save renames a new file over the state file: a lock on the old one would not stop a process
/// that opened the new one. The lock file holds its holder's process id, for the message the next
/// process gets; it is left in place, since removing it would let two processes each lock a file
/// of that name.
final class StateFileLock: Sendable {
    enum Failure: Error {
        /// Another process holds the lock.
        case held(String)
        /// The lock could not be taken for another reason (the folder cannot be written).
        case unavailable(String)
    }

    let path: String
    private let descriptor: Int32

    init(statePath: String) throws(Failure) {
        let path = statePath + ".lock"
        self.path = path
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw .unavailable(
                "cannot lock the state file \(statePath): cannot open \(path): \(Self.systemError(errno)); "
                    + "another exporter given the same state file would not be stopped")
        }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            let code = errno
            defer { close(descriptor) }
            guard code == EWOULDBLOCK else {
                throw .unavailable(
                    "cannot lock the state file \(statePath) (\(path): \(Self.systemError(code))); "
                        + "another exporter given the same state file would not be stopped")
            }
            let holder = Self.holder(descriptor).map { "process \($0)" } ?? "another process"
            throw .held(
                "the state file \(statePath) is in use by another warehouse_exporter (\(holder) holds \(path)): "
                    + "two exporters given one state file overwrite each other's read positions; give each its own state_file")
        }
        let pid = Array("\(getpid())\n".utf8)
        if ftruncate(descriptor, 0) == 0 {
            _ = pid.withUnsafeBytes { pwrite(descriptor, $0.baseAddress, $0.count, 0) }
        }
        self.descriptor = descriptor
    }

    deinit {
        close(descriptor)
    }

    /// The process id the holder wrote, if it did.
    private static func holder(_ descriptor: Int32) -> Int32? {
        var buffer = [UInt8](repeating: 0, count: 32)
        let count = buffer.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, $0.count, 0) }
        guard count > 0 else { return nil }
        return Int32(String(decoding: buffer[..<count], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
    }

    private static func systemError(_ code: Int32) -> String {
        String(cString: strerror(code))
    }
}
