import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A command that prints a warehouse's password: the AWS CLI's `redshift get-cluster-credentials`
/// or `redshift-serverless get-credentials`, Vault, a secrets manager. It is run before each
/// connection attempt, so a rotated password is picked up without a restart.
///
/// The first line of its standard output is the password. Its standard error is kept for the
/// error message when it fails (never its output, which may hold the secret); a command that
/// outlives its timeout is killed.
public struct PasswordCommand: Sendable, Equatable {
    /// The program and its arguments; the program is looked up in `PATH` when it has no `/`.
    public var arguments: [String]
    public var timeout: Duration

    public init(arguments: [String], timeout: Duration = .seconds(10)) {
        precondition(!arguments.isEmpty, "a password command needs a program")
        self.arguments = arguments
        self.timeout = timeout
    }

    /// Most of a failing command's standard error that an error message carries.
    static let stderrLimit = 2048

    /// Runs the command and returns the first line of its output. Blocks the calling thread.
    ///
    /// The command runs in a process group of its own, so that at its deadline the shell and
    /// whatever it started are stopped together: a child left behind would keep the pipes open.
    func run() throws(WarehouseError) -> String {
        let program = arguments[0]
        var output: [Int32] = [0, 0]
        var errors: [Int32] = [0, 0]
        guard pipe(&output) == 0, pipe(&errors) == 0 else {
            throw WarehouseError(.configuration, "password_command \(program) could not start: no pipe (\(String(cString: strerror(errno))))")
        }
        // Close-on-exec, so that a command another connection starts meanwhile does not inherit
        // this one's pipes and hold them open (the spawned command gets its ends by dup2).
        for descriptor in output + errors { _ = fcntl(descriptor, F_SETFD, FD_CLOEXEC) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, output[1], 1)
        posix_spawn_file_actions_adddup2(&actions, errors[1], 2)
        for descriptor in output + errors { posix_spawn_file_actions_addclose(&actions, descriptor) }
        // Nor may it hold the exporter's sockets and files while it runs.
        InheritedDescriptors.close(in: &actions)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP))
        posix_spawnattr_setpgroup(&attributes, 0)

        let argv = arguments.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let spawned = posix_spawnp(&pid, program, &actions, &attributes, argv, environ)
        close(output[1])
        close(errors[1])
        guard spawned == 0 else {
            close(output[0])
            close(errors[0])
            throw WarehouseError(.configuration, "password_command \(program) could not start: \(String(cString: strerror(spawned)))")
        }
        let (stdout, stderrData, status, timedOut) = Self.collect(pid: pid, output: output[0], errors: errors[0], timeout: timeout)
        let stderr = String(decoding: stderrData, as: UTF8.self)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let said = stderr.isEmpty ? "" : ": \(stderr)"
        if timedOut {
            throw WarehouseError(.configuration, "password_command \(program) did not finish within \(timeout.wholeSeconds)s and was killed\(said)")
        }
        // The low seven bits are the signal that ended it, if one did; then the exit status.
        let signal = status & 0x7F
        let exitStatus = (status >> 8) & 0xFF
        guard signal == 0, exitStatus == 0 else {
            let how = signal == 0 ? "exit status \(exitStatus)" : "signal \(signal)"
            throw WarehouseError(.configuration, "password_command \(program) failed (\(how))\(said)")
        }
        let text = String(decoding: stdout, as: UTF8.self)
        let password = String(String.UnicodeScalarView(text.unicodeScalars.prefix { $0 != "\n" && $0 != "\r" }))
        guard !password.isEmpty else {
            throw WarehouseError(.configuration, "password_command \(program) printed no password on its first line\(said)")
        }
        return password
    }
}

extension PasswordCommand {
    /// Most of a command's standard output that is kept: the password is its first line.
    static let stdoutLimit = 64 * 1024
    /// How long the pipes are still read once the command is gone: a child it left behind can
    /// hold them open, and is not waited for.
    static let drainAfterExit = Duration.seconds(1)

    /// Reads both pipes and reaps the command on the calling thread, with no other thread to wait
    /// for: a reader scheduled late on a busy machine once lost the standard error of a command
    /// that had already failed. At the deadline the command's process group gets SIGTERM, and
    /// SIGKILL a second later.
    static func collect(pid: pid_t, output: Int32, errors: Int32, timeout: Duration) -> (stdout: Data, stderr: Data, status: Int32, timedOut: Bool) {
        defer {
            close(output)
            close(errors)
        }
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        var pipes = [(descriptor: output, data: Data(), limit: stdoutLimit, open: true), (descriptor: errors, data: Data(), limit: stderrLimit, open: true)]
        var status: Int32 = 0
        var exitedAt: ContinuousClock.Instant?
        var terminatedAt: ContinuousClock.Instant?
        var killed = false
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            if exitedAt == nil {
                let reaped = waitpid(pid, &status, WNOHANG)
                if reaped == pid || (reaped == -1 && errno != EINTR) { exitedAt = clock.now }
            }
            let now = clock.now
            if let exitedAt, !pipes.contains(where: \.open) || now - exitedAt >= drainAfterExit { break }
            // Once the leader is reaped its id may be reused: the group is signalled only before.
            if exitedAt == nil {
                if terminatedAt == nil, now >= deadline {
                    kill(-pid, SIGTERM)
                    terminatedAt = now
                } else if let terminatedAt, !killed, now - terminatedAt >= .seconds(1) {
                    kill(-pid, SIGKILL)
                    killed = true
                }
            }
            var descriptors = pipes.filter(\.open).map { pollfd(fd: $0.descriptor, events: Int16(POLLIN), revents: 0) }
            // A short wait: the command's exit is noticed by polling waitpid, not by a signal.
            _ = poll(&descriptors, nfds_t(descriptors.count), 20)
            for ready in descriptors where ready.revents != 0 {
                guard let index = pipes.firstIndex(where: { $0.descriptor == ready.fd }) else { continue }
                let count = chunk.withUnsafeMutableBytes { read(ready.fd, $0.baseAddress, $0.count) }
                if count < 0 && (errno == EINTR || errno == EAGAIN) { continue }
                guard count > 0 else {
                    pipes[index].open = false
                    continue
                }
                // Past its limit a pipe is still read, so that the command never blocks writing.
                let room = max(0, pipes[index].limit - pipes[index].data.count)
                pipes[index].data.append(contentsOf: chunk[..<min(count, room)])
            }
        }
        return (pipes[0].data, pipes[1].data, status, terminatedAt != nil)
    }
}
