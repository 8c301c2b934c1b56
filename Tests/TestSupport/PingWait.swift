/// Waits until a server started as `process` answers `GET /ping` on `port` with 200 (ClickHouse's
/// health check, which the tests' chdb server answers too); throws when the process exited or never
/// answered. Starting the engine takes seconds, more on a busy machine.
func waitForPing(_ process: BackgroundProcess, port: Int) async throws {
    for _ in 0..<600 {
        if let exit = try await process.wait(timeout: .milliseconds(1)) { throw TestSupportError("the server exited with status \(exit)") }
        if let ping = try? await HTTPGet.fetch("http://127.0.0.1:\(port)/ping"), ping.status == 200 { return }
        try await Task.sleep(for: .milliseconds(100))
    }
    throw TestSupportError("the server did not answer /ping")
}

/// Starts a server on a free port, up to three times: the port is free when chosen but can be
/// taken before the server binds it. The last attempt's error carries the server's output.
func startOnAFreePort<Server>(_ attempt: (Int) async throws -> (Server, BackgroundProcess)) async throws -> Server {
    var failure: (any Error)?
    for _ in 0..<3 {
        let port = try freePort()
        let (server, process) = try await attempt(port)
        do {
            try await waitForPing(process, port: port)
            return server
        } catch {
            failure = TestSupportError("\(error)\nserver output:\n\(process.output)")
        }
    }
    throw failure!
}
