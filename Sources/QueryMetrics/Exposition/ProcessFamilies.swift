/// The exporter process's own figures, read when the registry renders rather than on a timer, so
/// a scrape sees the process as it is then (client_golang's process collector does the same).
/// The reading comes from outside: this module knows no operating system.
public final class ProcessFamilies: Sendable, RenderedFamily {
    /// One reading of the process. A figure that could not be read is nil, and its family is left
    /// out of that rendering rather than served as 0.
    public struct Sample: Sendable, Equatable {
        /// User and system CPU time, in seconds.
        public var cpuSeconds: Double?
        public var residentMemoryBytes: Double?
        public var virtualMemoryBytes: Double?
        /// The address-space limit; `unlimited` reads as 2⁶⁴ − 1, as client_golang serves it.
        public var virtualMemoryMaxBytes: Double?
        public var openFDs: Double?
        /// The soft limit on open files.
        public var maxFDs: Double?
        /// Unix time in seconds.
        public var startTimeSeconds: Double?

        public init(
            cpuSeconds: Double? = nil, residentMemoryBytes: Double? = nil, virtualMemoryBytes: Double? = nil,
            virtualMemoryMaxBytes: Double? = nil, openFDs: Double? = nil, maxFDs: Double? = nil, startTimeSeconds: Double? = nil
        ) {
            self.cpuSeconds = cpuSeconds
            self.residentMemoryBytes = residentMemoryBytes
            self.virtualMemoryBytes = virtualMemoryBytes
            self.virtualMemoryMaxBytes = virtualMemoryMaxBytes
            self.openFDs = openFDs
            self.maxFDs = maxFDs
            self.startTimeSeconds = startTimeSeconds
        }
    }

    private let read: (@Sendable () -> Sample)?

    init(read: (@Sendable () -> Sample)?) {
        self.read = read
    }

    var families: [MetricFamily] {
        [.processCPU, .processResidentMemory, .processVirtualMemory, .processVirtualMemoryMax, .processOpenFDs, .processMaxFDs, .processStartTime]
    }

    /// The process belongs to no warehouse.
    func removeSeries(warehouse: String) {}

    func emit(into buffer: inout [UInt8], format: ExpositionFormat) {
        guard let sample = read?() else { return }
        let values = [
            sample.cpuSeconds, sample.residentMemoryBytes, sample.virtualMemoryBytes, sample.virtualMemoryMaxBytes, sample.openFDs,
            sample.maxFDs, sample.startTimeSeconds,
        ]
        for (family, value) in zip(families, values) {
            guard let value else { continue }
            if format == .protobuf {
                var writer = ProtobufWriter()
                let type: ProtobufWriter.MetricType = family.kind == .counter ? .counter : .gauge
                writer.family(family, type: type) { $0.metric([(String, String)](), type: type, value: value) }
                buffer += writer.bytes
                continue
            }
            ExpositionWriter.header(family, format: format, into: &buffer)
            ExpositionWriter.sampleName(family.name, labels: [], into: &buffer)
            ExpositionWriter.append(value, into: &buffer)
            buffer.append(UInt8(ascii: "\n"))
        }
    }
}
