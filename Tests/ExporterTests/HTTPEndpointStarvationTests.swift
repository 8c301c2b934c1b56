import Foundation
import Synchronization
import TestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The real binary against clients that try to starve its endpoint: thousands of idle or slowly
/// dribbling connections, and many clients sending wrong passwords. Every socket is on
/// 127.0.0.1, every loop is bounded in count and time.
@Suite("The HTTP endpoint cannot be starved")
struct HTTPEndpointStarvationTests {
    /// bcrypt of "correct horse" at cost 10 (WebSecurityTests.aliceHash).
    static let aliceHash = "$2y$10$hYWeaT7Nkr9nl8fyUoLr5uvR3XBWvkr8CjU2S.bXR3LW0s.cyi2Ja"

    /// What the attacking threads saw, shared between them.
    private final class Tally: Sendable {
        let statuses = Mutex<[Int: Int]>([:])
        let latencies = Mutex<[Double]>([])
    }

    @Test func scrapesAndCollectionSurviveTwoThousandIdleAndSlowClients() async throws {
        let postgres = try TestPostgres.start(settings: TestPostgres.jsonlogSettings)
        defer { try? postgres.stop() }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("starve-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: folder + "/log", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let (log, config) = (folder + "/log/postgresql.json", folder + "/config.yml")
        try QueryLogCatchUpCrashTests.line(0).write(toFile: log, atomically: false, encoding: .utf8)
        try """
        warehouses:
          - name: pg
            kind: postgres
            dsn: "\(postgres.dsn())"
            collectors: [query_log]
            intervals: { health: 1s, query_log: 200ms }
            query_log: { directory: \(folder)/log, format: jsonlog }
        """.write(toFile: config, atomically: true, encoding: .utf8)

        // The setting: 1,024 descriptors, hard limit included, and the default flags.
        let port = try freePort()
        let process = try BackgroundProcess([
            "/bin/sh", "-c", "ulimit -n 1024 && exec \"$@\"", "sh", ExporterProcessTests.binary, "--config.file", config,
            "--web.listen-address", "127.0.0.1:\(port)",
        ])
        defer { process.signal(SIGKILL) }
        let base = "http://127.0.0.1:\(port)"
        try await Self.waitUntil("the exporter is ready") { (try? await HTTPGet.fetch(base + "/-/ready"))?.status == 200 }

        // 1,000 clients that connect and say nothing, 1,000 that send part of a request's headers
        // and then one byte a second.
        let idle = (0..<1000).map { _ in Self.connect(port) }
        let slow = (0..<1000).map { _ in Self.connect(port) }
        defer { (idle + slow).forEach { if $0 >= 0 { close($0) } } }
        #expect((idle + slow).allSatisfy { $0 >= 0 }, "every client socket opened")
        for fd in slow { _ = Self.send(fd, "GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ") }

        var answered = 0
        var failed: [String] = []
        let statements = 10
        for round in 1...statements {
            for fd in slow { _ = Self.send(fd, "a") }
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
            try handle.seekToEnd()
            try handle.write(contentsOf: Data(QueryLogCatchUpCrashTests.line(round).utf8))
            try handle.close()
            try await Task.sleep(for: .seconds(1))
            do {
                let page = try await HTTPGet.fetch(base + "/metrics")
                if page.status == 200 { answered += 1 } else { failed.append("status \(page.status)") }
            } catch {
                failed.append("\(error)")
            }
        }
        #expect(answered == statements, "scrapes under 2,000 clients: \(failed)")

        // Collection went on: the query log collector lists its directory and counts every statement.
        var counted = 0.0
        var page: HTTPGet?
        // Up to a minute: the wait is for the counting, which a busy machine slows.
        for _ in 0..<240 {
            page = try? await HTTPGet.fetch(base + "/metrics")
            counted = page.map { CountingWorkload.counted($0, warehouse: "pg") } ?? 0
            if counted == Double(statements) { break }
            try await Task.sleep(for: .milliseconds(250))
        }
        #expect(counted == Double(statements), "\(process.output.suffix(2000))")
        #expect(page?.value("warehouse_exporter_collector_success", ["warehouse": "pg", "collector": "query_log"]) == 1, "\(process.output.suffix(1500))")
        #expect(!process.output.contains("cannot list the log directory"))
        let descriptors = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(process.pid)/fd").count) ?? 0
        #expect(descriptors > 0 && descriptors < 1024, "descriptors in use: \(descriptors)")
        print("2,000 idle and slow clients under ulimit -n 1024: \(answered)/\(statements) scrapes answered, \(Int(counted)) statements counted, \(descriptors) descriptors open")
    }

    @Test func slowHeadersIdleConnectionsAndKeptAliveOnesAreClosed() async throws {
        let port = try freePort()
        let config = FileManager.default.temporaryDirectory.appendingPathComponent("timeouts-\(UUID().uuidString).yml").path
        try "warehouses:\n  - { name: nowhere, kind: postgres, dsn: \"host=127.0.0.1 port=\(try freePort()) dbname=x user=x connect_timeout=2\" }\n"
            .write(toFile: config, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: config) }
        let process = try BackgroundProcess([
            ExporterProcessTests.binary, "--config.file", config, "--web.listen-address", "127.0.0.1:\(port)",
            "--web.read-header-timeout", "1s", "--web.idle-timeout", "2s", "--no-collector.tables",
        ])
        defer { process.signal(SIGKILL) }
        let base = "http://127.0.0.1:\(port)"
        try await Self.waitUntil("the exporter answers") { (try? await HTTPGet.fetch(base + "/-/healthy"))?.status == 200 }

        let idle = Self.connect(port)
        let slow = Self.connect(port)
        let keptAlive = Self.connect(port)
        defer { [idle, slow, keptAlive].forEach { close($0) } }
        _ = Self.send(slow, "GET /metrics HTTP/1.1\r\n")
        _ = Self.send(keptAlive, "GET /-/healthy HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        var closed: [String: Bool] = [:]
        for _ in 0..<100 {
            _ = Self.send(slow, "X")
            closed = ["idle": Self.isClosed(idle), "slow": Self.isClosed(slow), "kept alive": Self.isClosed(keptAlive)]
            if closed.values.allSatisfy({ $0 }) { break }
            try await Task.sleep(for: .milliseconds(200))
        }
        #expect(closed.values.allSatisfy { $0 }, "closed by the server within 20 s: \(closed)")
        #expect(try await HTTPGet.fetch(base + "/-/healthy").status == 200)
        process.signal(SIGTERM)
        #expect(try await process.wait(timeout: .seconds(10)) == 0, "\(process.output)")
    }

    @Test func authorisedScrapesKeepSucceedingUnderSixtyFourWrongPasswordClients() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("bcrypt-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try "warehouses:\n  - { name: nowhere, kind: postgres, dsn: \"host=127.0.0.1 port=\(try freePort()) dbname=x user=x connect_timeout=2\" }\n"
            .write(toFile: folder + "/config.yml", atomically: true, encoding: .utf8)
        try "basic_auth_users:\n  alice: \(Self.aliceHash)\n".write(toFile: folder + "/web.yml", atomically: true, encoding: .utf8)
        let port = try freePort()
        let process = try BackgroundProcess([
            ExporterProcessTests.binary, "--config.file", folder + "/config.yml", "--web.config.file", folder + "/web.yml",
            "--web.listen-address", "127.0.0.1:\(port)", "--no-collector.tables",
        ])
        defer { process.signal(SIGKILL) }
        let right = "Basic " + Data("alice:correct horse".utf8).base64EncodedString()
        let wrong = "Basic " + Data("alice:wrong horse".utf8).base64EncodedString()
        try await Self.waitUntil("the exporter answers") { Self.get(port, "/-/healthy", right).status == 200 }

        let attack = Tally()
        let scrapes = Tally()
        let seconds = 8.0
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
            Thread {
                let group = DispatchGroup()
                let end = Date().addingTimeInterval(seconds)
                for _ in 0..<64 {
                    group.enter()
                    Thread {
                        while Date() < end {
                            let status = Self.get(port, "/metrics", wrong).status
                            attack.statuses.withLock { $0[status, default: 0] += 1 }
                        }
                        group.leave()
                    }.start()
                }
                Thread.sleep(forTimeInterval: 1)  // the attack in full swing
                while Date() < end {
                    let answer = Self.get(port, "/metrics", right)
                    scrapes.statuses.withLock { $0[answer.status, default: 0] += 1 }
                    scrapes.latencies.withLock { $0.append(answer.seconds) }
                    Thread.sleep(forTimeInterval: 0.1)
                }
                group.wait()
                done.resume()
            }.start()
        }
        let attackStatuses = attack.statuses.withLock { $0 }
        let scrapeStatuses = scrapes.statuses.withLock { $0 }
        let latencies = scrapes.latencies.withLock { $0 }.sorted()
        #expect(scrapeStatuses.keys.sorted() == [200], "authorised scrapes during the attack: \(scrapeStatuses)")
        #expect(attackStatuses[429, default: 0] > 0, "wrong passwords beyond the verifications allowed at once get 429: \(attackStatuses)")
        #expect(attackStatuses[200] == nil)
        func quantile(_ q: Double) -> String {
            latencies.isEmpty ? "-" : String(format: "%.1f ms", latencies[min(latencies.count - 1, Int(Double(latencies.count) * q))] * 1000)
        }
        print("64 wrong-password clients for \(Int(seconds)) s: attack answers \(attackStatuses); \(latencies.count) authorised scrapes \(scrapeStatuses), p50 \(quantile(0.5)), p99 \(quantile(0.99)), max \(quantile(1))")
    }

    // MARK: - Sockets

    static func waitUntil(_ what: String, _ condition: () async -> Bool) async throws {
        for _ in 0..<300 {
            if await condition() { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw TestSupportError("\(what): not within 30 s")
    }

    private static func address(_ port: Int) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        return address
    }

    /// A non-blocking client socket connecting to the loopback port; -1 if none could be made.
    static func connect(_ port: Int) -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return -1 }
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        var target = address(port)
        let result = withUnsafePointer(to: &target) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard result == 0 || errno == EINPROGRESS else {
            close(fd)
            return -1
        }
        return fd
    }

    static func send(_ fd: Int32, _ text: String) -> Bool {
        Array(text.utf8).withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) } > 0
    }

    /// Whether the server has closed the connection: whatever it sent is read, then the end or an error.
    static func isClosed(_ fd: Int32) -> Bool {
        var buffer = [UInt8](repeating: 0, count: 4096)
        for _ in 0..<64 {
            let read = recv(fd, &buffer, buffer.count, Int32(MSG_DONTWAIT))
            if read == 0 { return true }
            if read < 0 { return errno != EAGAIN && errno != EWOULDBLOCK }
        }
        return false
    }

    /// One blocking request on its own connection, with a 20 s bound: the status (0 for none) and
    /// how long it took.
    static func get(_ port: Int, _ path: String, _ authorization: String) -> (status: Int, seconds: Double) {
        let start = DispatchTime.now().uptimeNanoseconds
        func elapsed() -> Double { Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 }
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return (0, elapsed()) }
        defer { close(fd) }
        var timeout = timeval(tv_sec: 20, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var target = address(port)
        let connected = withUnsafePointer(to: &target) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0,
            send(fd, "GET \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: \(authorization)\r\nConnection: close\r\n\r\n")
        else { return (0, elapsed()) }
        var response: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let read = recv(fd, &buffer, buffer.count, 0)
            if read <= 0 { break }
            response += buffer[0..<read]
            // The status line is all this needs.
            if response.count >= 12 { break }
        }
        let line = String(decoding: response.prefix(12), as: UTF8.self)
        return (Int(line.dropFirst(9).prefix(3)) ?? 0, elapsed())
    }
}
