public import ArgumentParser
import Exporter

/// The demo's own tool: the workload that drives a PostgreSQL warehouse like a data team, and the
/// report that reads the result back from Prometheus. `scripts/demo` runs both.
@main
struct WarehouseDemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "warehouse_demo",
        abstract: "The warehouse_exporter demo: a data team's annotated workload with an incident, and the report that finds its root cause.",
        version: BuildInfo.version,
        subcommands: [WorkloadCommand.self, ReportCommand.self]
    )
}

extension Duration: @retroactive ExpressibleByArgument {
    /// Durations as the exporter's configuration writes them: `500ms`, `30s`, `2m`.
    public init?(argument: String) {
        guard let duration = DurationParser.parse(argument) else { return nil }
        self = duration
    }
}
