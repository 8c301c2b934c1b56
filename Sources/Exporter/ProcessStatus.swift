#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import QueryMetrics

/// Reads the exporter's own process from `/proc` as client_golang's process collector (through
/// procfs) does, so the `process_*` families mean the same as every other exporter's: CPU time
/// from `/proc/self/stat`, memory from the same line, open descriptors by listing
/// `/proc/self/fd`, limits from `/proc/self/limits`, the start from the boot time in
/// `/proc/stat`. Where `/proc` is missing (not Linux) every figure is nil and none is served.
enum ProcessStatus {
    /// Clock ticks and page size do not change while the process runs.
    private static let ticksPerSecond = Double(sysconf(Int32(_SC_CLK_TCK)))
    private static let pageSize = Double(sysconf(Int32(_SC_PAGESIZE)))

    static func current() -> ProcessFamilies.Sample {
        var sample = ProcessFamilies.Sample()
        if let stat = contents("/proc/self/stat") {
            readStat(stat, into: &sample)
        }
        sample.openFDs = openDescriptors().map(Double.init)
        if let limits = contents("/proc/self/limits") {
            sample.maxFDs = softLimit("Max open files", in: limits)
            sample.virtualMemoryMaxBytes = softLimit("Max address space", in: limits)
        }
        return sample
    }

    /// The fields after the command name, which is in parentheses and may itself hold spaces and
    /// parentheses: hence the last `)`. proc(5) numbers them from 1; field 3 is the first here.
    private static func readStat(_ stat: String, into sample: inout ProcessFamilies.Sample) {
        guard let close = stat.lastIndex(of: ")") else { return }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        func field(_ number: Int) -> Double? {
            let index = number - 3
            return fields.indices.contains(index) ? Double(fields[index]) : nil
        }
        if let user = field(14), let system = field(15) { sample.cpuSeconds = (user + system) / ticksPerSecond }
        sample.virtualMemoryBytes = field(23)
        sample.residentMemoryBytes = field(24).map { $0 * pageSize }
        if let ticks = field(22), let boot = bootTime() { sample.startTimeSeconds = boot + ticks / ticksPerSecond }
    }

    private static func bootTime() -> Double? {
        guard let stat = contents("/proc/stat") else { return nil }
        for line in stat.split(separator: "\n") where line.hasPrefix("btime ") {
            return line.split(separator: " ").last.flatMap { Double($0) }
        }
        return nil
    }

    /// The soft limit's column of a `/proc/self/limits` row; `unlimited` as client_golang serves it.
    private static func softLimit(_ name: String, in limits: String) -> Double? {
        for line in limits.split(separator: "\n") where line.hasPrefix(name) {
            guard let soft = line.dropFirst(name.count).split(separator: " ").first else { return nil }
            return soft == "unlimited" ? Double(UInt64.max) : Double(soft)
        }
        return nil
    }

    /// The entries of `/proc/self/fd`. The directory's own descriptor, open while it is listed, is
    /// among them, as it is in procfs's count.
    private static func openDescriptors() -> Int? {
        guard let directory = opendir("/proc/self/fd") else { return nil }
        defer { closedir(directory) }
        var count = 0
        // The name is read where readdir put it: a record is only as long as its name, so copying
        // the whole 256-byte d_name of the buffer's last record can read past its mapped end.
        let nameOffset = MemoryLayout<dirent>.offset(of: \dirent.d_name) ?? 0
        while let entry = readdir(directory) {
            let name = UnsafeRawPointer(entry).advanced(by: nameOffset).assumingMemoryBound(to: UInt8.self)
            let isDot = name[0] == UInt8(ascii: ".") && (name[1] == 0 || (name[1] == UInt8(ascii: ".") && name[2] == 0))
            if !isDot { count += 1 }
        }
        return count
    }

    /// A `/proc` file whole: they report a size of 0, so it is read until the end.
    private static func contents(_ path: String) -> String? {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            guard count >= 0 else { return nil }
            if count == 0 { break }
            bytes += chunk[..<count]
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

