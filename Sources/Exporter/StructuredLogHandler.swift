import Foundation
public import Logging

/// Writes one log line per event to standard error, as logfmt or JSON, the way Prometheus
/// exporters do (`--log.format logfmt|json`).
public struct StructuredLogHandler: LogHandler {
    public enum Format: String, Sendable, CaseIterable {
        case logfmt
        case json
    }

    public var logLevel: Logger.Level
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    private let format: Format

    public init(format: Format, level: Logger.Level) {
        self.format = format
        self.logLevel = level
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var fields: [(String, String)] = [
            ("time", Date().formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))),
            ("level", event.level.rawValue),
            ("msg", event.message.description),
        ]
        let merged = metadata.merging(metadataProvider?.get() ?? [:]) { $1 }.merging(event.metadata ?? [:]) { $1 }
        for key in merged.keys.sorted() {
            fields.append((key, merged[key]!.description))
        }
        // One write per line, so lines from concurrent tasks never interleave.
        FileHandle.standardError.write(Data((render(fields) + "\n").utf8))
    }

    func render(_ fields: [(String, String)]) -> String {
        switch format {
        case .logfmt:
            fields.map { "\($0)=\(logfmtValue($1))" }.joined(separator: " ")
        case .json:
            "{" + fields.map { "\(jsonString($0)):\(jsonString($1))" }.joined(separator: ",") + "}"
        }
    }

    private func logfmtValue(_ value: String) -> String {
        let needsQuotes = value.isEmpty || value.contains { $0 == " " || $0 == "=" || $0 == "\"" || $0.isNewline || $0 == "\\" }
        guard needsQuotes else { return value }
        var quoted = "\""
        for character in value {
            switch character {
            case "\"": quoted += "\\\""
            case "\\": quoted += "\\\\"
            case "\n": quoted += "\\n"
            case "\r": quoted += "\\r"
            default: quoted.append(character)
            }
        }
        return quoted + "\""
    }

    private func jsonString(_ value: String) -> String {
        var quoted = "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": quoted += "\\\""
            case "\\": quoted += "\\\\"
            case "\n": quoted += "\\n"
            case "\r": quoted += "\\r"
            case "\t": quoted += "\\t"
            case _ where scalar.value < 0x20:
                quoted += String(format: "\\u%04x", scalar.value)
            default: quoted.unicodeScalars.append(scalar)
            }
        }
        return quoted + "\""
    }
}
