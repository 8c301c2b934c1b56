import ArgumentParser
import Exporter

@main
struct WarehouseExporterCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "warehouse_exporter",
        abstract: "Prometheus exporter for data warehouses: query latency, queueing, failures, cost and tables, by app, DAG, task, dashboard, model and user.",
        version: BuildInfo.versionText,
        subcommands: [ServeCommand.self, CheckConfigCommand.self, AnnotateCommand.self, HealthcheckCommand.self],
        defaultSubcommand: ServeCommand.self
    )
}
