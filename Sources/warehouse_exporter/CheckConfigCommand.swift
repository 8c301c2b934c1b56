import ArgumentParser
import Exporter
import Foundation

struct CheckConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-config",
        abstract: "Validate a configuration file without connecting to anything; exits non-zero on the first problem."
    )

    @Argument(help: "The YAML configuration file.")
    var path: String

    func run() throws {
        do {
            let config = try ConfigLoader.load(path: path)
            print("\(path): OK, \(config.warehouses.count) warehouse(s): \(config.warehouses.map(\.name).joined(separator: ", "))")
        } catch {
            printError("\(error)")
            throw ExitCode(1)
        }
    }
}

func printError(_ message: String) {
    FileHandle.standardError.write(Data((message + "\n").utf8))
}
