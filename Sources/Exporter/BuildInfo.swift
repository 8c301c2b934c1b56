import CBuildStamp
import Foundation

/// The running build, for `warehouse_exporter_build_info` and `--version`.
public enum BuildInfo {
    public static let version = "0.1.0"

    /// The git commit: WAREHOUSE_EXPORTER_REVISION in the environment when set (an image built
    /// before the stamp existed set it so), else what the build stamped, else "unknown".
    public static var revision: String {
        ProcessInfo.processInfo.environment["WAREHOUSE_EXPORTER_REVISION"] ?? String(cString: warehouse_exporter_revision())
    }

    /// When the build was made, as the build stamped it (ISO 8601), or "unknown".
    public static var buildDate: String {
        String(cString: warehouse_exporter_build_date())
    }

    /// What `--version` prints, in the shape of the Prometheus exporters' `--version`.
    public static var versionText: String {
        """
        warehouse_exporter, version \(version) (revision: \(revision))
          build date:       \(buildDate)
          platform:         \(platform)
        """
    }

    private static var platform: String {
        #if os(Linux)
        let system = "linux"
        #elseif os(macOS)
        let system = "darwin"
        #else
        let system = "unknown"
        #endif
        #if arch(x86_64)
        return "\(system)/amd64"
        #elseif arch(arm64)
        return "\(system)/arm64"
        #else
        return system
        #endif
    }
}
