import ArgumentParser
import Exporter
import Foundation
import SQLText

struct AnnotateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "annotate",
        abstract: "Show what the exporter reads from one SQL statement: its annotation source, context fields, raw attributes, fingerprint and tables.",
        discussion: """
            Reads the whole FILE (or standard input) as one statement and prints one JSON object. Its source is \
            the annotation that took precedence: \(AnnotationSource.builtIn.map(\.description).joined(separator: ", ")), \
            the name of one of your patterns, or none (docs/annotations.md).
            """
    )

    enum Dialect: String, ExpressibleByArgument, CaseIterable {
        case postgres, redshift
    }

    @Argument(help: "A file holding one SQL statement; standard input when omitted.")
    var file: String?

    @Option(name: .customLong("config.file"), help: "Apply the annotation aliases and patterns of this configuration.")
    var configFile: String?

    @Option(help: "Literal rules to lex by: postgres or redshift (backslash escapes in every string).")
    var dialect: Dialect = .postgres

    @Flag(name: .customLong("stored-escapes"), help: "The text is as Redshift stores it, with \\n and \\\\ escaped.")
    var storedEscapes = false

    func run() throws {
        var rules = AnnotationRules()
        if let configFile {
            do {
                rules = try ConfigLoader.load(path: configFile).annotationRules
            } catch {
                printError("\(error)")
                throw ExitCode(2)
            }
        }
        let data: Data
        if let file {
            guard let contents = FileManager.default.contents(atPath: file) else {
                printError("\(file): cannot read the file")
                throw ExitCode(1)
            }
            data = contents
        } else {
            data = FileHandle.standardInput.readDataToEndOfFile()
        }
        var bytes = [UInt8](data)
        if storedEscapes { bytes = StoredText.unescapeRedshift(bytes) }
        let analyzer = SQLAnalyzer(dialect: dialect == .redshift ? .redshift : .postgres, rules: rules)
        let analysis = bytes.withUnsafeBufferPointer { analyzer.analyze(utf8: $0) }

        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let json = try encoder.encode(AnnotateOutput(analysis))
        print(String(decoding: json, as: UTF8.self))
    }
}

/// The JSON of `annotate` (docs/annotations.md): fields that were not found are left out.
struct AnnotateOutput: Encodable {
    let analysis: SQLAnalysis

    init(_ analysis: SQLAnalysis) { self.analysis = analysis }

    private struct Key: CodingKey {
        let stringValue: String
        init(_ string: String) { stringValue = string }
        init?(stringValue: String) { self.stringValue = stringValue }
        var intValue: Int? { nil }
        init?(intValue: Int) { nil }
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Key.self)
        try container.encode(analysis.source.description, forKey: Key("source"))
        for field in ContextField.allCases {
            try container.encodeIfPresent(analysis.context[field], forKey: Key(field.rawValue))
        }
        var attributes: [String: String] = [:]
        for attribute in analysis.annotated.attributes { attributes[attribute.key] = attribute.value }
        try container.encode(attributes, forKey: Key("attributes"))
        try container.encode(analysis.fingerprint.description, forKey: Key("fingerprint"))
        let tables = ["read": analysis.tables.read.map(\.description), "written": analysis.tables.written.map(\.description)]
        try container.encode(tables, forKey: Key("tables"))
        if analysis.truncated { try container.encode(true, forKey: Key("truncated")) }
    }
}
