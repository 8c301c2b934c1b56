import Foundation

/// The running build, for `warehouse_exporter_build_info` and `--version`.
public enum BuildInfo {
    public static let version = "0.1.0"
    /// The git commit, when the build set WAREHOUSE_EXPORTER_REVISION (the Docker image does).
    public static var revision: String {
        ProcessInfo.processInfo.environment["WAREHOUSE_EXPORTER_REVISION"] ?? "unknown"
    }
}
