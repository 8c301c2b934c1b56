import Foundation

/// The statements of ``DataTeam``, annotated as each tool annotates its SQL (docs/annotations.md).
///
/// Numbers that change from cycle to cycle are written into the text, as the tools do; the
/// exporter's fingerprint folds them, so every cycle's statement has one fingerprint.
enum DataTeamSQL {
    static let schema = [
        "DROP SCHEMA IF EXISTS raw, marts CASCADE",
        "CREATE SCHEMA raw",
        "CREATE SCHEMA marts",
        "CREATE TABLE raw.events (id bigint, user_id int, kind text, at timestamptz)",
        "CREATE TABLE raw.orders (id bigint, customer_id int, amount numeric(12,2), at timestamptz)",
        "CREATE TABLE marts.daily_users (day date, users bigint)",
        "CREATE TABLE marts.revenue (day date, orders bigint, revenue numeric)",
        "CREATE TABLE marts.customers (customer_id int, orders bigint, spent numeric)",
    ]

    static func seed(_ scale: DataTeam.Scale) -> [String] {
        [
            "INSERT INTO raw.events SELECT g, g % 5000, (ARRAY['page_view','click','signup'])[1 + g % 3], now() - (g % 30) * interval '1 day' FROM generate_series(1, \(scale.tableRows)) g",
            "INSERT INTO raw.orders SELECT g, g % 900, (g % 200) + 0.99, now() - (g % 30) * interval '1 day' FROM generate_series(1, \(max(scale.tableRows / 10, 1))) g",
            "ANALYZE raw.events",
            "ANALYZE raw.orders",
        ]
    }

    // MARK: - Airflow

    /// Airflow's DAG `daily_aggregations`, annotated with intermix's plain JSON: its first task
    /// appends a batch to raw.events, the second rebuilds a mart from the whole of raw.events
    /// (the statement that slows down when raw.events grows), the third reads the mart.
    static func dailyAggregations(cycle: Int, _ scale: DataTeam.Scale) -> [String] {
        let first = scale.tableRows + cycle * scale.batchRows
        return [
            ("load_events", "INSERT INTO raw.events SELECT g, g % 5000, 'page_view', now() FROM generate_series(\(first + 1), \(first + scale.batchRows)) g"),
            ("aggregate", "DELETE FROM marts.daily_users"),
            ("aggregate", "INSERT INTO marts.daily_users SELECT at::date, count(DISTINCT user_id) FROM raw.events GROUP BY 1"),
            ("publish", "SELECT day, users FROM marts.daily_users ORDER BY day DESC LIMIT 7"),
        ].map { task, sql in
            #"/* {"app":"airflow","dag":"daily_aggregations","task":"\#(task)","user":"etl","at":"\#(timestamp())"} */ "# + sql
        }
    }

    /// Airflow's DAG `hourly_revenue`, annotated the intermix way: base64 JSON behind `INTERMIX_ID:`.
    static func hourlyRevenue(cycle: Int, _ scale: DataTeam.Scale) -> [String] {
        let batch = max(scale.batchRows / 10, 1)
        let first = max(scale.tableRows / 10, 1) + cycle * batch
        return [
            ("load_orders", "INSERT INTO raw.orders SELECT g, g % 900, (g % 200) + 0.99, now() FROM generate_series(\(first + 1), \(first + batch)) g"),
            ("revenue", "DELETE FROM marts.revenue"),
            ("revenue", "INSERT INTO marts.revenue SELECT at::date, count(*), sum(amount) FROM raw.orders GROUP BY 1"),
        ].map { task, sql in
            let json = #"{"app":"airflow","dag":"hourly_revenue","task":"\#(task)","user":"etl","at":"\#(timestamp())"}"#
            return "/* INTERMIX_ID: \(Data(json.utf8).base64EncodedString()) */ " + sql
        }
    }

    // MARK: - dbt

    static let dbt = [
        "DELETE FROM marts.customers",
        "INSERT INTO marts.customers SELECT customer_id, count(*), sum(amount) FROM raw.orders GROUP BY 1",
    ].map {
        #"/* {"app": "dbt", "dbt_version": "1.7.4", "profile_name": "shop", "target_name": "prod", "node_id": "model.shop.customers"} */ "# + $0
    }

    // MARK: - BI

    /// Looker's two dashboards, opened by two people.
    static func looker(cycle: Int) -> String {
        let (user, dashboard) = cycle % 2 == 0 ? (6, "sales") : (11, "growth")
        return """
            -- Looker Query Context '{"user_id":\(user),"history_slug":"9a1b\(cycle % 7)","instance_slug":"f00d","dashboard_id":"\(dashboard)"}'
            SELECT day, users FROM marts.daily_users ORDER BY day
            """
    }

    static let metabase = """
        -- Metabase:: userID: 12 queryType: MBQL queryHash: 9f8e7d
        SELECT customer_id, orders, spent FROM marts.customers ORDER BY spent DESC LIMIT 10
        """

    /// The analysts who refresh Redash charts; in the tests there are more of them than the label cap.
    static let redashUsers = ["ana@corp.com", "bo@corp.com", "chen@corp.com", "dara@corp.com", "eli@corp.com", "fay@corp.com", "gus@corp.com", "hana@corp.com"]

    /// A Redash chart that reads raw.events: it slows down with the DAG task after the incident.
    static func redash(cycle: Int) -> String {
        let user = redashUsers[cycle % redashUsers.count]
        return "/* Username: \(user), Query ID: 7, Queue: queries, Query Hash: 1c2d3e, Scheduled: True */ "
            + "SELECT kind, count(*) FROM raw.events WHERE id % 10 = 0 GROUP BY kind"
    }

    /// A Mode report; every fourth run its second query names a column that is not there, as after
    /// a schema change, and fails.
    static func mode(cycle: Int) -> String {
        let column = cycle % 4 == 3 ? "margin" : "orders"
        return "SELECT day, revenue / nullif(\(column), 0) AS value FROM marts.revenue ORDER BY day\n-- "
            + #"{"user":"@bo","email":"bo@corp.com","url":"https://modeanalytics.com/corp/reports/9f8267bb8c90/runs/64984b99a42c/queries/8b5f370b92e3","scheduled":false}"#
    }

    // MARK: - Analysts

    /// An analyst's ad-hoc query from a SQL client, with no annotation: app is the client's name.
    static let adhoc = "SELECT customer_id, sum(amount) FROM raw.orders GROUP BY 1 ORDER BY 2 DESC LIMIT 20"

    /// A query an analyst started and forgot: it runs as long as the workload does.
    static let forgotten = "SELECT pg_sleep(86400)"

    // MARK: - The incident

    /// The seed talk's incident: Jordan runs Redash query 123, a backfill that multiplies raw.events.
    static func incident(_ scale: DataTeam.Scale) -> String {
        let first = scale.tableRows * 1_000
        let rows = scale.tableRows * (scale.incidentFactor - 1)
        return "/* Username: jordan@corp.com, Query ID: 123, Queue: queries, Query Hash: 5e1f0c, Scheduled: False */ "
            + "INSERT INTO raw.events SELECT g, g % 5000, 'backfill', now() - (g % 30) * interval '1 day' FROM generate_series(\(first + 1), \(first + rows)) g"
    }

    private static func timestamp() -> String {
        Date.now.formatted(.iso8601)
    }
}
