import Foundation
import Synchronization
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
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, output[1], 1)
        posix_spawn_file_actions_adddup2(&actions, errors[1], 2)
        for descriptor in output + errors { posix_spawn_file_actions_addclose(&actions, descriptor) }
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
        // Both pipes are drained at once, so a command that writes much to one never blocks on it.
        let stdoutData = Drained(output[0])
        let stderrData = Drained(errors[0])
        let stopper = GroupStopper(pid, after: timeout)
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        let timedOut = stopper.processExited()
        let stdout = stdoutData.wait()
        let stderr = String(decoding: stderrData.wait().prefix(Self.stderrLimit), as: UTF8.self)
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

/// Reads a pipe on another thread until its end. A command's own children can hold the pipe
/// open after the command is gone, so a reader waits for the end a short while, then takes what
/// came.
private final class Drained: Sendable {
    private let data = Mutex(Data())
    private let done = DispatchSemaphore(value: 0)

    /// Takes over `descriptor` and closes it at its end.
    init(_ descriptor: Int32) {
        DispatchQueue.global().async { [self] in
            var chunk = [UInt8](repeating: 0, count: 4096)
            while true {
                let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
                if count < 0 && errno == EINTR { continue }
                guard count > 0 else { break }
                data.withLock { $0.append(contentsOf: chunk[..<count]) }
            }
            close(descriptor)
            done.signal()
        }
    }

    func wait(atMost seconds: Double = 1) -> Data {
        _ = done.wait(timeout: .now() + seconds)
        return data.withLock { $0 }
    }
}

/// Stops a command's process group that outlives its deadline: SIGTERM, then SIGKILL a second
/// later.
private final class GroupStopper: Sendable {
    private let state = Mutex((exited: false, fired: false))

    init(_ group: pid_t, after timeout: Duration) {
        DispatchQueue.global().asyncAfter(deadline: .now() + timeout.seconds) { [self] in
            let firing = state.withLock { state in
                if !state.exited { state.fired = true }
                return state.fired
            }
            guard firing else { return }
            kill(-group, SIGTERM)
            DispatchQueue.global().asyncAfter(deadline: .now() + 1) { [self] in
                // Once the leader is reaped its id may be reused: a child left behind is not
                // waited for (the pipes are read for a second at most), and not signalled.
                if !state.withLock({ $0.exited }) { kill(-group, SIGKILL) }
            }
        }
    }

    /// The command has exited and been reaped; returns whether its deadline had passed.
    func processExited() -> Bool {
        state.withLock { state in
            state.exited = true
            return state.fired
        }
    }
}
