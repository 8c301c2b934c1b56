import Foundation
import Testing

/// README's "Install from source" names the Debian packages a build needs: the same ones that
/// scripts/install-deps installs for the build's libraries, so a fresh machine that follows either builds.
@Suite("The install instructions")
struct InstallInstructionsTests {
    static func read(_ relative: String) throws -> String {
        try String(contentsOfFile: AlertRulesTests.root.appendingPathComponent(relative).path, encoding: .utf8)
    }

    /// The packages of README's `sudo apt-get install` line.
    static func readmePackages() throws -> Set<String> {
        let line = try #require(try read("README.md").split(separator: "\n").first { $0.hasPrefix("sudo apt-get install ") })
        let command = line.prefix { $0 != "#" }.dropFirst("sudo apt-get install ".count)
        return Set(command.split(separator: " ").map(String.init))
    }

    /// The packages scripts/install-deps installs when pkg-config cannot find a library the build links.
    static func scriptPackages() throws -> Set<String> {
        var packages = Set<String>()
        for line in try read("scripts/install-deps").split(separator: "\n") where line.hasPrefix("pkg-config --exists") {
            guard let open = line.range(of: "missing+=("), let close = line.range(of: ")", range: open.upperBound..<line.endIndex) else { continue }
            packages.formUnion(line[open.upperBound..<close.lowerBound].split(separator: " ").map(String.init))
        }
        return packages
    }

    @Test func readmeNamesWhatTheScriptInstallsForTheBuild() throws {
        let script = try Self.scriptPackages()
        #expect(script.isSuperset(of: ["libpq-dev", "zlib1g-dev", "libcrypt-dev", "pkg-config"]), "\(script)")
        #expect(try Self.readmePackages() == script)
    }

    @Test func everySystemLibraryOfThePackageIsInstalled() throws {
        // Package.swift's `.apt([...])` providers: what SwiftPM itself would suggest.
        let manifest = try Self.read("Package.swift")
        var providers = Set<String>()
        var rest = manifest[...]
        while let start = rest.range(of: ".apt([\"") {
            let tail = rest[start.upperBound...]
            guard let end = tail.range(of: "\"]") else { break }
            providers.formUnion(tail[..<end.lowerBound].components(separatedBy: "\", \""))
            rest = tail[end.upperBound...]
        }
        #expect(!providers.isEmpty)
        #expect(providers.isSubset(of: try Self.readmePackages()), "\(providers)")
    }
}
