import Foundation

/// A jsonlog file as PostgreSQL 15 writes it with `log_min_duration_statement = 0`: every line a
/// finished statement, 200 B to 2 KB of SQL, most of them annotated, a few errors.
enum LogFile {
    static let annotations = [
        #"/* {\"app\": \"dbt\", \"dbt_version\": \"1.7.4\", \"node_id\": \"model.shop.orders\"} */ "#,
        #"/* {\"app\":\"airflow\",\"dag\":\"daily_aggregations\",\"task\":\"load_events\",\"user\":\"etl\"} */ "#,
        #"/* Username: alice@corp.com, Query ID: 42, Queue: queries, Query Hash: d98f, Scheduled: False */ "#,
        #"-- Metabase:: userID: 12 queryType: MBQL queryHash: 9f8e7d\n"#,
        "",
    ]

    static func line(_ index: Int) -> String {
        let columns = (0..<(index % 40 + 2)).map { "c.col_\($0)" }.joined(separator: ", ")
        let sql = annotations[index % annotations.count]
            + (index % 4 == 0
                ? "INSERT INTO marts.daily_events (kind, n) SELECT kind, count(*) FROM raw.events WHERE day = '2026-11-\(index % 28 + 1)' GROUP BY kind"
                : "SELECT \(columns) FROM analytics.customers c JOIN analytics.orders o ON o.customer_id = c.id WHERE o.region IN ('EU', 'US') AND o.total > \(index % 1000) ORDER BY 1 LIMIT 100")
        let severity = index % 100 == 99 ? "ERROR" : "LOG"
        let message = severity == "ERROR" ? "division by zero" : "duration: \(Double(index % 5000) / 7) ms  statement: \(sql)"
        let statement = severity == "ERROR" ? #","statement":"\#(sql)","state_code":"22012""# : #","state_code":"00000""#
        return #"{"timestamp":"2026-11-21 19:00:00.123 UTC","user":"etl","dbname":"analytics","pid":\#(4000 + index % 64),"remote_host":"10.0.0.7","remote_port":51234,"session_id":"655cf0a0.fa0","line_num":\#(index),"ps":"SELECT","session_start":"2026-11-21 18:00:00 UTC","vxid":"3/\#(index)","txid":0,"error_severity":"\#(severity)","message":"\#(message)","application_name":"airflow_worker","backend_type":"client backend","query_id":0\#(statement)}"#
    }

    /// Writes `count` lines to `path` and returns the byte count.
    static func write(_ count: Int, to path: String) throws -> Int {
        var text = ""
        text.reserveCapacity(count * 700)
        for index in 0..<count { text += line(index) + "\n" }
        try text.write(toFile: path, atomically: false, encoding: .utf8)
        return text.utf8.count
    }
}
