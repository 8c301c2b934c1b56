import QueryMetrics

/// What a recorder serves, and its samples by series, for assertions.
struct Exposition {
    let text: String

    init(text: String) {
        self.text = text
    }

    init(_ recorder: QueryRecorder) {
        var buffer: [UInt8] = []
        recorder.emit(into: &buffer)
        text = String(decoding: buffer, as: UTF8.self)
    }

    /// The value of the series written exactly as `series` (name and labels), nil when absent.
    func sample(_ series: String) -> Double? {
        text.split(separator: "\n").first { $0.hasPrefix(series + " ") }.flatMap { Double($0.split(separator: " ").last!) }
    }
}
