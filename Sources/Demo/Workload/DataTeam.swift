import Foundation
import WarehouseClient

/// A data team's day on a PostgreSQL warehouse, compressed into a loop of seconds: two Airflow
/// DAGs (intermix's JSON and base64 annotations), a dbt model, Looker, Metabase, Redash and Mode
/// dashboards, an analyst's ad-hoc queries and the query they forgot, and, once, the seed talk's
/// incident: Jordan's Redash query inserts about `incidentFactor` times raw.events' rows, and the
/// DAG task that rebuilds a mart from raw.events slows down by about as much.
///
/// Every actor has its own session, as each tool has its own connections; a failing statement is
/// reported and the loop goes on, and a warehouse that goes away is reconnected to.
public struct DataTeam: Sendable {
    /// How big the tables are.
    public struct Scale: Sendable {
        /// Rows of raw.events at the start (raw.orders gets a tenth).
        public var tableRows: Int
        /// Rows the DAG appends to raw.events each cycle.
        public var batchRows: Int
        /// raw.events is about this many times bigger after the incident.
        public var incidentFactor: Int

        public init(tableRows: Int = 20_000, batchRows: Int = 10, incidentFactor: Int = 100) {
            self.tableRows = max(tableRows, 10)
            self.batchRows = max(batchRows, 1)
            self.incidentFactor = max(incidentFactor, 2)
        }
    }

    /// What the workload did, for a progress line.
    public enum Event: Sendable {
        /// One round of every actor; `dagSeconds` is how long DAG daily_aggregations took.
        case cycle(number: Int, dagSeconds: Double)
        /// Jordan's backfill committed.
        case incident(rows: Int, seconds: Double)
        /// A statement failed that was not meant to (the intended Mode failure is not reported).
        case failure(actor: String, message: String)
    }

    public let dsn: String
    public let scale: Scale

    public init(dsn: String, scale: Scale = Scale()) {
        self.dsn = dsn
        self.scale = scale
    }

    /// Every statement of one cycle and the incident's: the report names a statement by its
    /// fingerprint, and these are the texts it looks the fingerprint up in.
    public var statements: [String] {
        DataTeamSQL.dailyAggregations(cycle: 0, scale) + DataTeamSQL.hourlyRevenue(cycle: 0, scale)
            + DataTeamSQL.dbt + [DataTeamSQL.looker(cycle: 0), DataTeamSQL.metabase, DataTeamSQL.redash(cycle: 0), DataTeamSQL.mode(cycle: 0)]
            + [DataTeamSQL.adhoc, DataTeamSQL.incident(scale)]
    }

    /// Creates schemas `raw` and `marts` (dropping them first) and fills raw.events and raw.orders.
    public func prepare() async throws {
        let connection = try await Connection.connect(settings(application: "warehouse_demo", timeout: nil))
        defer { connection.close() }
        // DROP SCHEMA IF EXISTS says "skipping" on a new database; that is not news.
        for statement in ["SET client_min_messages = warning"] + DataTeamSQL.schema + DataTeamSQL.seed(scale) {
            _ = try await connection.query(statement)
        }
    }

    /// Runs cycles every `pace` until `duration` has passed (or the task is cancelled), with the
    /// incident once `incidentAfter` has passed.
    public func run(
        pace: Duration = .seconds(1), incidentAfter: Duration? = nil, duration: Duration? = nil,
        onEvent: @escaping @Sendable (Event) -> Void = { _ in }
    ) async throws {
        let airflow = session("airflow"), dbt = session("dbt"), bi = session("bi"), analyst = session("DataGrip")
        let forgotten = session("DataGrip", timeout: nil)
        defer { [airflow, dbt, bi, analyst, forgotten].forEach { $0.close() } }
        let sleeper = Task { try? await forgotten.withConnection { _ = try await $0.query(DataTeamSQL.forgotten) } }
        defer { sleeper.cancel() }

        let clock = ContinuousClock()
        let start = clock.now
        var incident: Task<Void, Never>?
        defer { incident?.cancel() }
        var cycle = 0
        while duration.map({ clock.now - start < $0 }) ?? true {
            try Task.checkCancellation()
            let began = clock.now
            if let incidentAfter, incident == nil, began - start >= incidentAfter {
                incident = Task { await runIncident(onEvent: onEvent) }
            }
            let number = cycle
            async let dagSeconds = runDAGs(cycle: number, on: airflow, onEvent: onEvent)
            async let model: Void = run("dbt", DataTeamSQL.dbt, on: dbt, onEvent: onEvent)
            async let dashboards: Void = runDashboards(cycle: number, on: bi, onEvent: onEvent)
            async let adhoc: Void = run("analyst", [DataTeamSQL.adhoc], on: analyst, onEvent: onEvent)
            let seconds = await dagSeconds
            _ = await (model, dashboards, adhoc)
            onEvent(.cycle(number: number, dagSeconds: seconds))
            cycle += 1
            try await Task.sleep(until: began + pace, clock: clock)
        }
        await incident?.value
    }

    // MARK: - Actors

    private func runDAGs(cycle: Int, on session: WarehouseSession, onEvent: @Sendable (Event) -> Void) async -> Double {
        let clock = ContinuousClock()
        let start = clock.now
        await run("airflow", DataTeamSQL.dailyAggregations(cycle: cycle, scale), on: session, onEvent: onEvent)
        let daily = clock.now - start
        await run("airflow", DataTeamSQL.hourlyRevenue(cycle: cycle, scale), on: session, onEvent: onEvent)
        return daily.seconds
    }

    private func runDashboards(cycle: Int, on session: WarehouseSession, onEvent: @Sendable (Event) -> Void) async {
        await run("bi", [DataTeamSQL.looker(cycle: cycle), DataTeamSQL.metabase, DataTeamSQL.redash(cycle: cycle)], on: session, onEvent: onEvent)
        // The Mode report's failure is part of the workload, not news.
        _ = try? await session.withConnection { try await $0.query(DataTeamSQL.mode(cycle: cycle)) }
    }

    private func runIncident(onEvent: @Sendable (Event) -> Void) async {
        let redash = session("redash", timeout: nil)
        defer { redash.close() }
        let clock = ContinuousClock()
        let start = clock.now
        do {
            _ = try await redash.withConnection { try await $0.query(DataTeamSQL.incident(scale)) }
            onEvent(.incident(rows: scale.tableRows * (scale.incidentFactor - 1), seconds: (clock.now - start).seconds))
        } catch {
            onEvent(.failure(actor: "redash", message: "\(error)"))
        }
    }

    /// Runs statements in order, stopping at the first failure, which is reported.
    private func run(_ actor: String, _ statements: [String], on session: WarehouseSession, onEvent: @Sendable (Event) -> Void) async {
        do {
            try await session.withConnection { connection in
                for statement in statements { _ = try await connection.query(statement) }
            }
        } catch let error as WarehouseError where error.kind == .cancelled {
            return
        } catch {
            onEvent(.failure(actor: actor, message: "\(error)"))
        }
    }

    private func session(_ application: String, timeout: Duration? = .seconds(300)) -> WarehouseSession {
        WarehouseSession(settings: settings(application: application, timeout: timeout))
    }

    private func settings(application: String, timeout: Duration?) -> ConnectionSettings {
        ConnectionSettings(dsn: dsn, applicationName: application, statementTimeout: timeout)
    }
}
