import Foundation
import Synchronization
import WarehouseClient

#if canImport(Glibc)
import Glibc
#endif

/// Runs a program to completion and returns its exit status and combined output.
///
/// Built on posix_spawn and waitpid because Foundation's `Process.waitUntilExit` on Linux can miss
/// a child's exit when several tests start programs at once.
public enum Subprocess {
    static let spawnLock = Mutex(())

    /// Runs a program to its end on a thread of its own and returns its exit status and output.
    /// Tests run on the few threads of Swift's cooperative pool (two on a two-core machine): a
    /// test that waited there for a program (promtool for 20 s) held back every other test, an
    /// in-process server's handlers among them, and their deadlines passed. So tests have no
    /// blocking variant to call.
    public static func run(_ arguments: [String], input: String? = nil) async throws -> (status: Int32, output: String) {
        try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread {
                continuation.resume(with: Result { try runBlocking(arguments, input: input) })
            }
        }
    }

    /// For the few setup steps of this module that are synchronous (a cluster's initdb), never a test.
    static func runBlocking(_ arguments: [String], input: String?) throws -> (status: Int32, output: String) {
        var pipeEnds: [Int32] = [0, 0]
        var inputPath: String?
        if let input {
            let path = FileManager.default.temporaryDirectory.appendingPathComponent("stdin-\(UUID().uuidString)").path
            try input.write(toFile: path, atomically: true, encoding: .utf8)
            inputPath = path
        }
        defer { if let inputPath { try? FileManager.default.removeItem(atPath: inputPath) } }

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, inputPath ?? "/dev/null", O_RDONLY, 0)

        let argv = arguments.map { strdup($0) } + [nil]
        let envp = ProcessInfo.processInfo.environment.map { strdup("\($0)=\($1)") } + [nil]
        defer { (argv + envp).forEach { free($0) } }
        var pid: pid_t = 0
        let spawned = spawnLock.withLock { _ -> Int32 in
            // Close-on-exec, and under the lock, so that a program started concurrently (a watchdog
            // that lives on) cannot inherit this pipe's write end and keep our read from ending.
            guard pipe(&pipeEnds) == 0 else { return errno }
            _ = fcntl(pipeEnds[0], F_SETFD, FD_CLOEXEC)
            _ = fcntl(pipeEnds[1], F_SETFD, FD_CLOEXEC)
            posix_spawn_file_actions_adddup2(&actions, pipeEnds[1], 1)
            posix_spawn_file_actions_adddup2(&actions, pipeEnds[1], 2)
            InheritedDescriptors.close(in: &actions)
            return posix_spawnp(&pid, arguments[0], &actions, nil, argv, envp)
        }
        close(pipeEnds[1])
        guard spawned == 0 else {
            close(pipeEnds[0])
            throw TestSupportError("cannot run \(arguments[0]): \(String(cString: strerror(spawned)))")
        }

        var output = Data()
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = read(pipeEnds[0], &buffer, buffer.count)
            if count > 0 { output.append(contentsOf: buffer[0..<count]) } else if count == 0 || errno != EINTR { break }
        }
        close(pipeEnds[0])
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        let exitCode = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        return (exitCode, String(decoding: output, as: UTF8.self))
    }
}

/// A program left running in the background, its output going to a file.
public final class BackgroundProcess: Sendable {
    public let pid: Int32
    public let outputPath: String

    public init(_ arguments: [String]) throws {
        outputPath = FileManager.default.temporaryDirectory.appendingPathComponent("out-\(UUID().uuidString)").path
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outputPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        InheritedDescriptors.close(in: &actions)
        let argv = arguments.map { strdup($0) } + [nil]
        let envp = ProcessInfo.processInfo.environment.map { strdup("\($0)=\($1)") } + [nil]
        defer { (argv + envp).forEach { free($0) } }
        var pid: pid_t = 0
        let spawned = Subprocess.spawnLock.withLock { _ in posix_spawnp(&pid, arguments[0], &actions, nil, argv, envp) }
        guard spawned == 0 else { throw TestSupportError("cannot run \(arguments[0]): \(String(cString: strerror(spawned)))") }
        self.pid = pid
    }

    public var output: String {
        (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
    }

    public func signal(_ signal: Int32) {
        kill(pid, signal)
    }

    /// Waits for the program to exit, at most `timeout`, and returns its exit status
    /// (128 + N when signal N ended it), or nil when it is still running.
    public func wait(timeout: Duration) async throws -> Int32? {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let status = exitStatus() { return status }
            try await Task.sleep(for: .milliseconds(50))
        }
        return nil
    }

    /// The exit status if the program has ended (as `wait` reports it), nil while it runs. The
    /// status can be read once: the first call that sees it reaps the process.
    public func exitStatus() -> Int32? {
        var status: Int32 = 0
        guard waitpid(pid, &status, WNOHANG) == pid else { return nil }
        return (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
    }

    deinit {
        kill(pid, SIGKILL)
        var status: Int32 = 0
        waitpid(pid, &status, WNOHANG)
        try? FileManager.default.removeItem(atPath: outputPath)
    }
}
