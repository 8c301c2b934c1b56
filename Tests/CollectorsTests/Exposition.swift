import QueryMetrics
import TestSupport

extension Exposition {
    /// What `recorder` serves, parsed.
    init(_ recorder: QueryRecorder) {
        var buffer: [UInt8] = []
        recorder.emit(into: &buffer)
        self.init(text: String(decoding: buffer, as: UTF8.self))
    }
}
