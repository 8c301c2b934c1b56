import ArgumentParser
import Exporter
import Foundation

struct CheckConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-config",
        abstract: "Validate a configuration file, and the files and patterns it names, without connecting to anything; exits non-zero on the first problem."
    )

    @Argument(help: "The YAML configuration file.")
    var path: String

    @Option(name: .customLong("web.config.file"), help: "Also validate this web configuration file, loading its certificates and keys.")
    var webConfigFile: String?

    func run() throws {
        do {
            let config = try ConfigLoader.check(path: path)
            print("\(path): OK, \(config.warehouses.count) warehouse(s): \(config.warehouses.map(\.name).joined(separator: ", "))")
            if let webConfigFile {
                let web = try WebConfigLoader.load(path: webConfigFile)
                print("\(webConfigFile): OK, TLS \(web.tls == nil ? "off" : "on"), \(web.basicAuthUsers.count) basic auth user(s)")
            }
        } catch {
            printError("\(error)")
            throw ExitCode(1)
        }
    }
}

func printError(_ message: String) {
    FileHandle.standardError.write(Data((message + "\n").utf8))
}
