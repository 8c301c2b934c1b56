import ArgumentParser
import Demo
import Foundation

/// Prints the demo's report from Prometheus.
struct ReportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Print where to look, the slowest apps and DAG tasks, the alerts, and the root-cause walk, from Prometheus."
    )

    @Option(help: "Prometheus's address.")
    var prometheus = "http://127.0.0.1:9090"

    @Option(help: "The exporter's address, for the links.")
    var exporter = "http://127.0.0.1:10150"

    @Option(help: "How far back the root-cause walk's \"now\" reaches.")
    var window: Duration = .seconds(30)

    @Option(help: "The warehouse to walk; every warehouse's DAG tasks compete if not given.")
    var warehouse: String?

    func run() async throws {
        guard let prometheusURL = URL(string: prometheus), let exporterURL = URL(string: exporter) else {
            throw ValidationError("--prometheus and --exporter take URLs such as http://127.0.0.1:9090")
        }
        let report = DemoReport(
            prometheus: PrometheusAPI(base: prometheusURL), exporter: exporterURL, window: window,
            statements: DataTeam(dsn: "").statements, warehouse: warehouse)
        print(try await report.render())
    }
}
