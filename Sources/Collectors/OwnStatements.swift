public import QueryMetrics
import WarehouseClient

/// How the exporter tells its own polling from the warehouse's work, which the warehouse records
/// alike: every statement it sends on Redshift (where a session carries no application name into
/// the history views) starts with ``annotation``, and every session it opens is named ``app``.
public enum OwnStatements {
    /// The exporter's name: its sessions' `application_name` and its annotation's `app`.
    public static let app = ConnectionSettings.defaultApplicationName

    /// Starts every statement the exporter sends to a warehouse whose history keeps only the text.
    public static let annotation = #"/* {"app":"warehouse_exporter"} */"#

    /// Whether a statement so attributed is the exporter's own: its annotation or its session
    /// names the exporter.
    public static func contains(_ attribution: Attribution) -> Bool {
        attribution.context.app == app || attribution.fallbackApp == app
    }
}
