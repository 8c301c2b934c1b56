/// Prometheus's own linter, run on a real exposition.
public enum Promtool {
    /// The exit code of `promtool check metrics` on the exposition, and what it printed.
    public static func checkMetrics(_ exposition: String) async throws -> (exitCode: Int32, output: String) {
        let (status, output) = try await Subprocess.run(["promtool", "check", "metrics"], input: exposition)
        if status == 127 || output.contains("No such file") {
            throw TestSupportError("promtool is missing (Debian package prometheus): \(output)")
        }
        return (status, output)
    }

    /// `promtool check rules` or `promtool test rules` (`command`) on files.
    public static func rules(_ command: String, _ files: [String]) async throws -> (exitCode: Int32, output: String) {
        let (status, output) = try await Subprocess.run(["promtool", command, "rules"] + files)
        if status == 127 {
            throw TestSupportError("promtool is missing (Debian package prometheus): \(output)")
        }
        return (status, output)
    }
}
