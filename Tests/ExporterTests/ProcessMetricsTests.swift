@testable import Exporter
import Foundation
import QueryMetrics
import TestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The exporter's own health, as every exporter serves it: the `process_*` families read from
/// `/proc` for this very process, and its scrapes counted by the code they were answered with.
@Suite("The exporter's process and scrape metrics")
struct ProcessMetricsTests {
    /// This test process's `VmRSS` (proc(5)), in bytes.
    private func statusResidentBytes() throws -> Double {
        let status = try String(contentsOfFile: "/proc/self/status", encoding: .utf8)
        let line = try #require(status.split(separator: "\n").first { $0.hasPrefix("VmRSS:") })
        let kilobytes = try #require(line.split(separator: " ").dropFirst().first.flatMap { Double($0) })
        return kilobytes * 1024
    }

    private func openFilesLimit() -> Double {
        var limit = rlimit()
        getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
        return Double(limit.rlim_cur)
    }

    @Test func theFiguresAreThoseOfThisProcess() throws {
        let limitBefore = openFilesLimit()
        let residentBefore = try statusResidentBytes()
        let sample = ProcessStatus.current()
        let residentAfter = try statusResidentBytes()
        let limitAfter = openFilesLimit()

        let cpu = try #require(sample.cpuSeconds)
        #expect(cpu > 0)
        #expect(cpu <= ProcessInfo.processInfo.systemUptime * Double(ProcessInfo.processInfo.activeProcessorCount))
        // Other tests of this process allocate meanwhile: a few MiB either way.
        let resident = try #require(sample.residentMemoryBytes)
        let slack = 16.0 * 1024 * 1024
        #expect(resident >= min(residentBefore, residentAfter) - slack && resident <= max(residentBefore, residentAfter) + slack,
                "stat says \(resident), VmRSS \(residentBefore) then \(residentAfter)")
        #expect(try #require(sample.virtualMemoryBytes) > resident)
        #expect(try #require(sample.virtualMemoryMaxBytes) > 0)
        // The exporters other tests start raise the soft limit to the hard one.
        let maxFDs = try #require(sample.maxFDs)
        #expect(maxFDs == limitBefore || maxFDs == limitAfter, "\(maxFDs), getrlimit \(limitBefore) then \(limitAfter)")
        let start = try #require(sample.startTimeSeconds)
        let now = Date().timeIntervalSince1970
        #expect(start <= now && start > now - ProcessInfo.processInfo.systemUptime - 1, "started at \(start), now \(now)")
    }

    @Test func openDescriptorsFollowTheFilesThisProcessOpens() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("fds-\(UUID().uuidString)").path
        try "x".write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let before = try #require(ProcessStatus.current().openFDs)
        let opened = (0..<100).map { _ in open(path, O_RDONLY | O_CLOEXEC) }
        #expect(opened.allSatisfy { $0 >= 0 })
        let during = try #require(ProcessStatus.current().openFDs)
        for descriptor in opened { close(descriptor) }
        let after = try #require(ProcessStatus.current().openFDs)
        // Other tests open and close descriptors meanwhile, but not dozens in these few microseconds.
        #expect(during - before >= 90 && during - before <= 110, "\(before) → \(during)")
        #expect(during - after >= 90, "\(during) → \(after)")
    }

    @Test func slashMetricsServesTheProcessFamiliesAsClientGolangDoes() async throws {
        let running = try await RunningExporter.start(ExporterConfig(warehouses: []))
        let exposition = try await running.metrics().exposition
        #expect(exposition.malformedLines.isEmpty)
        let expected: [(String, String, String)] = [
            ("process_cpu_seconds_total", "counter", "Total user and system CPU time spent in seconds."),
            ("process_resident_memory_bytes", "gauge", "Resident memory size in bytes."),
            ("process_virtual_memory_bytes", "gauge", "Virtual memory size in bytes."),
            ("process_virtual_memory_max_bytes", "gauge", "Maximum amount of virtual memory available in bytes."),
            ("process_open_fds", "gauge", "Number of open file descriptors."),
            ("process_max_fds", "gauge", "Maximum number of open file descriptors."),
            ("process_start_time_seconds", "gauge", "Start time of the process since unix epoch in seconds."),
        ]
        for (name, type, help) in expected {
            #expect(exposition.type(of: name) == type, "\(name)")
            #expect(exposition.text.contains("# HELP \(name) \(help)\n"), "\(name)")
            #expect(exposition.value(name).map { $0 > 0 } == true, "\(name): \(String(describing: exposition.value(name)))")
        }
        // Read at each scrape, not on a timer: the CPU time the scrapes themselves take shows.
        let cpu = try #require(exposition.value("process_cpu_seconds_total"))
        var later = cpu
        for _ in 0..<100 where later == cpu {
            later = try #require(try await running.metrics().value("process_cpu_seconds_total"))
        }
        #expect(later > cpu, "process_cpu_seconds_total stayed at \(cpu) over 100 scrapes")
        try await running.stop()
    }

    @Test func scrapesAreCountedByTheCodeTheyGot() async throws {
        var web = WebConfig()
        web.basicAuthUsers = ["alice": WebSecurityTests.aliceHash]
        let running = try await RunningExporter.start(ExporterConfig(warehouses: []), web: web)
        let url = "http://127.0.0.1:\(running.port)/metrics"
        func scrape() async throws -> Exposition {
            let answer = try await Subprocess.run(["curl", "-sS", "--max-time", "30", "--fail", "-u", "alice:correct horse", url])
            #expect(answer.status == 0)
            return Exposition(text: answer.output)
        }
        // promhttp's start: the likely codes at 0, so that rate() has a first sample.
        let first = try await scrape()
        for code in ["200", "500", "503"] {
            #expect(first.value("promhttp_metric_handler_requests_total", ["code": code]) == 0, "\(code)")
        }
        #expect(first.type(of: "promhttp_metric_handler_requests_total") == "counter")
        #expect(first.text.contains("# HELP promhttp_metric_handler_requests_total Total number of scrapes by HTTP status code.\n"))
        // The scrape being served sees itself in flight, as with promhttp.
        #expect(first.value("promhttp_metric_handler_requests_in_flight", [:]) == 1)
        #expect(first.type(of: "promhttp_metric_handler_requests_in_flight") == "gauge")

        for _ in 0..<2 { #expect(try await WebSecurityTests.curl(url, ["-u", "alice:wrong"]).status == 401) }
        #expect(try await WebSecurityTests.curl(url, []).status == 401)
        // Not scrapes: another path, and another method on this one.
        #expect(try await WebSecurityTests.curl("http://127.0.0.1:\(running.port)/-/healthy", ["-u", "alice:correct horse"]).status == 200)
        #expect(try await WebSecurityTests.curl(url, ["-u", "alice:correct horse", "-X", "POST"]).status != 200)

        // A lone scraper gets a page rendered after it asked: every scrape before it shows.
        let second = try await scrape()
        #expect(second.value("promhttp_metric_handler_requests_total", ["code": "200"]) == 1)
        #expect(second.value("promhttp_metric_handler_requests_total", ["code": "401"]) == 3)
        #expect(second.value("promhttp_metric_handler_requests_total", ["code": "405"]) == nil)
        #expect(second.value("promhttp_metric_handler_requests_total", ["code": "404"]) == nil)
        #expect(second.type(of: "warehouse_exporter_scrape_duration_seconds") == "histogram")
        #expect(second.value("warehouse_exporter_scrape_duration_seconds_count", ["code": "200"]) == 1)
        #expect(second.value("warehouse_exporter_scrape_duration_seconds_count", ["code": "401"]) == 3)
        #expect(second.value("warehouse_exporter_scrape_duration_seconds_bucket", ["code": "200", "le": "+Inf"]) == 1)
        #expect(second.value("warehouse_exporter_scrape_duration_seconds_sum", ["code": "200"]).map { $0 > 0 } == true)
        try await running.stop()
    }
}
