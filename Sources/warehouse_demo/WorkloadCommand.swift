import ArgumentParser
import Demo
import Dispatch
import Exporter
import Foundation

/// Runs ``DataTeam`` against a warehouse until stopped, printing what it does.
struct WorkloadCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "workload",
        abstract: "Drive a PostgreSQL database like a data team: Airflow, dbt, Looker, Metabase, Redash, Mode and analysts; and, once, Jordan's backfill.",
        discussion: "Drops and recreates the schemas raw and marts of the database first (unless --keep-tables). SIGINT or SIGTERM stops it, cancelling its statements on the server."
    )

    @Option(help: "A libpq connection string or URI for the database to work on.")
    var dsn: String

    @Option(help: "Rows of raw.events at the start; the incident makes it about 100 times bigger.")
    var tableRows = 20_000

    @Option(help: "How often the team runs a cycle of its queries.")
    var pace: Duration = .seconds(1)

    @Option(help: "When Jordan's Redash backfill runs, after the start; none if not given.")
    var incidentAfter: Duration?

    @Option(help: "Stop after this long; runs until stopped if not given.")
    var duration: Duration?

    @Flag(help: "Work on the tables as they are, without recreating them.")
    var keepTables = false

    func run() async throws {
        let team = DataTeam(dsn: dsn, scale: DataTeam.Scale(tableRows: tableRows))
        if !keepTables {
            try await team.prepare()
            say("workload: raw.events holds \(tableRows.formatted()) rows; a cycle every \(DurationParser.format(pace))")
        }
        let work = Task {
            try await team.run(pace: pace, incidentAfter: incidentAfter, duration: duration) { event in
                switch event {
                case .cycle(let number, let seconds) where number % 10 == 0:
                    say("workload: cycle \(number): DAG daily_aggregations took \(String(format: "%.3f", seconds)) s")
                case .cycle:
                    break
                case .incident(let rows, let seconds):
                    say("workload: incident: jordan@corp.com's Redash query 123 inserted \(rows.formatted()) rows into raw.events in \(String(format: "%.1f", seconds)) s")
                case .failure(let actor, let message):
                    say("workload: \(actor): \(message)")
                }
            }
        }
        let stops = [SIGINT, SIGTERM].map { number in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number)
            source.setEventHandler { work.cancel() }
            source.resume()
            return source
        }
        defer { stops.forEach { $0.cancel() } }
        do {
            try await work.value
        } catch is CancellationError {
            say("workload: stopped")
        }
    }
}

/// Writes a line at once (unbuffered), also when standard output is a file the demo script reads.
func say(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}
