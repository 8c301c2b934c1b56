import SQLText
import Testing

/// Real-shaped annotated statements, one or more per format, with what must be read from them.
struct AnnotationCase: CustomTestStringConvertible, Sendable {
    let name: String
    let sql: String
    let source: String
    let fields: [ContextField: String]
    var attributes: [String: String] = [:]

    var testDescription: String { name }
}

enum AnnotationCorpus {
    static let intermixJSON = #"{"app":"airflow","app_ver":"1.10.2","dag":"daily_aggregations","task":"aggregate_daily-transfer","user":"etl@corp.com","at":"2018-08-28T19:15:21Z","meta":{"module":"dags.daily","function":"run","linenumber":42}}"#

    static let cases: [AnnotationCase] = [
        AnnotationCase(
            name: "intermix base64", sql: "/* INTERMIX_ID: \(base64(intermixJSON)) */\nSELECT count(*) FROM events",
            source: "intermix",
            fields: [.app: "airflow", .dag: "daily_aggregations", .task: "aggregate_daily-transfer", .user: "etl@corp.com"],
            attributes: ["meta.linenumber": "42", "app_ver": "1.10.2"]),
        AnnotationCase(
            name: "Airflow JSON of the seed talk, trailing commas",
            sql: """
                /*
                {
                 "dag": "daily_aggregations",
                 "app_ver": "1.0",
                 "at": "2018-08-28T19:15:21.070423Z",
                 "app": "airflow",
                 "task": "aggregate_daily-transfer",
                 "meta": {
                 "key1": "val1",
                 "key2": "val2",
                 },
                }
                */
                INSERT INTO daily SELECT * FROM raw
                """,
            source: "airflow",
            fields: [.app: "airflow", .dag: "daily_aggregations", .task: "aggregate_daily-transfer"],
            attributes: ["meta.key1": "val1", "meta.key2": "val2", "at": "2018-08-28T19:15:21.070423Z"]),
        AnnotationCase(
            name: "dbt prepended",
            sql: #"/* {"app": "dbt", "dbt_version": "1.7.4", "profile_name": "shop", "target_name": "prod", "node_id": "model.shop.orders"} */ create table orders as select 1"#,
            source: "dbt", fields: [.app: "dbt", .model: "model.shop.orders"], attributes: ["target_name": "prod"]),
        AnnotationCase(
            name: "dbt appended outside a node",
            sql: #"select 1 /* {"app": "dbt", "dbt_version": "1.7.4", "profile_name": "shop", "target_name": "dev", "connection_name": "master"} */"#,
            source: "dbt", fields: [.app: "dbt"], attributes: ["connection_name": "master"]),
        AnnotationCase(
            name: "Looker query context",
            sql: "SELECT 1\n-- Looker Query Context '{\"user_id\":6,\"history_slug\":\"9a1b\",\"instance_slug\":\"e3f2\"}'",
            source: "looker", fields: [.app: "looker", .user: "6"], attributes: ["history_slug": "9a1b"]),
        AnnotationCase(
            name: "Looker, older form of the seed talk",
            sql: "-- Query Context '{\"user_id\":1161,\"history_id\":21707088}'\nSELECT 1",
            source: "looker", fields: [.app: "looker", .user: "1161"], attributes: ["history_id": "21707088"]),
        AnnotationCase(
            name: "Metabase generic",
            sql: "-- Metabase:: userID: 12 queryType: MBQL queryHash: 9f8e7d\nSELECT * FROM orders",
            source: "metabase", fields: [.app: "metabase", .user: "12"], attributes: ["queryType": "MBQL", "queryHash": "9f8e7d"]),
        AnnotationCase(
            name: "Metabase Redshift driver",
            sql: #"-- /* partner: "metabase", {"dashboard_id":3,"chart_id":41,"optional_user_id":12,"optional_account_id":"a1","filter_type":"none"} */ Metabase:: userID: 12 queryType: MBQL queryHash: 77aa"#
                + "\nSELECT 1",
            source: "metabase", fields: [.app: "metabase", .user: "12", .dashboard: "3", .chart: "41"], attributes: ["queryType": "MBQL"]),
        AnnotationCase(
            name: "Metabase Snowflake driver, appended",
            sql: "SELECT 1\n-- " + #"{"client":"Metabase","userId":12,"cardId":41,"dashboardId":3,"queryHash":"cc11","queryType":"native"}"#,
            source: "metabase", fields: [.app: "metabase", .user: "12", .dashboard: "3", .chart: "41"]),
        AnnotationCase(
            name: "Redash of the seed talk (Task ID)",
            sql: "/* Username: me@company.com, Task ID: 2b182101-f26e-48ca-b172-bb26889e3457, Query ID:\n1306, Queue: queries, Query Hash: d98f7ad29a8218799c8940c2af5152b1 */ SELECT 1",
            source: "redash", fields: [.app: "redash", .user: "me@company.com", .chart: "1306"], attributes: ["Queue": "queries"]),
        AnnotationCase(
            name: "Redash scheduled",
            sql: "/* Username: Scheduled, Query ID: 42, Queue: scheduled_queries, Job ID: 77, Query Hash: abcd, Scheduled: True */ SELECT 1",
            source: "redash", fields: [.app: "redash", .user: "Scheduled", .chart: "42"], attributes: ["Scheduled": "True"]),
        AnnotationCase(
            name: "Chartio of the seed talk",
            sql: """
                /* ' Query generated by Chartio
                {"reason":"dashboard_load","user_email":"myname@company.com","datasource_id":
                32736,"dashboard_slug":"revenue","chart_id":4101698,"organization_id":
                16523,"is_manual":true,"dashboard_id":240257} ' */ SELECT 1
                """,
            source: "chartio", fields: [.app: "chartio", .user: "myname@company.com", .dashboard: "revenue", .chart: "4101698"],
            attributes: ["dashboard_id": "240257", "is_manual": "true"]),
        AnnotationCase(
            name: "Periscope of the seed talk",
            sql: """
                /*' Query generated by Periscope Data {"chart_name":"New
                Sales","dashboard_id":"210863","user_email":"myname@company.com","query_source":"user
                _chart_refresh"} '*/ SELECT 1
                """,
            source: "periscope", fields: [.app: "periscope", .user: "myname@company.com", .dashboard: "210863", .chart: "New\nSales"]),
        AnnotationCase(
            name: "Mode, appended line",
            sql: "SELECT 1\n-- " + #"{"user":"@my_user_name","email":"me@corp.com","url":"https://modeanalytics.com/corp/reports/9f8267bb8c90/runs/64984b99a42c/queries/8b5f370b92e3","scheduled":false}"#,
            source: "mode", fields: [.app: "mode", .user: "me@corp.com", .dashboard: "9f8267bb8c90", .chart: "8b5f370b92e3"],
            attributes: ["scheduled": "false"]),
        AnnotationCase(
            name: "Hex, last line",
            sql: "SELECT 1\n-- Hex query metadata: " + #"{"categories":["a","b"],"cell_type":"SQL","context":"SCHEDULED_RUN","project_id":"p-1","project_name":"Revenue","project_url":"https://app.hex.tech/p-1","user_email":"ann@corp.com"}"#,
            source: "hex", fields: [.app: "hex", .user: "ann@corp.com", .dashboard: "Revenue"], attributes: ["categories": "a,b"]),
        AnnotationCase(
            name: "Sigma",
            sql: "-- Sigma Σ " + #"{"kind":"adhoc","request-id":"r-9","email":"bo@corp.com"}"# + "\nSELECT 1",
            source: "sigma", fields: [.app: "sigma", .user: "bo@corp.com"], attributes: ["request-id": "r-9"]),
        AnnotationCase(
            name: "sqlcommenter before the semicolon",
            sql: "SELECT * FROM users /*action='run',application='shop',controller='index',framework='django%3A4.2',traceparent='00-5bd66ef5095369c7b0d1f8f4bd33716a-c532cb4098ac3dd2-01'*/;",
            source: "sqlcommenter", fields: [.app: "shop"], attributes: ["framework": "django:4.2", "controller": "index"]),
        AnnotationCase(
            name: "sqlcommenter with escaped quote",
            sql: #"SELECT 1 /*route='it\'s%20here',db_driver='psycopg2'*/"#,
            source: "sqlcommenter", fields: [:], attributes: ["route": "it's here", "db_driver": "psycopg2"]),
        AnnotationCase(
            name: "Datadog DBM",
            sql: "/*dddbs='orders-db',dde='prod',ddps='orders-api',ddpv='1.2.3',traceparent='00-aa-bb-01'*/ SELECT 1",
            source: "datadog", fields: [.app: "orders-api"], attributes: ["dde": "prod"]),
        AnnotationCase(
            name: "marginalia appended",
            sql: "SELECT * FROM orders /*application:Shop,controller:orders,action:show*/",
            source: "marginalia", fields: [.app: "Shop"], attributes: ["action": "show"]),
        AnnotationCase(
            name: "generic key=value",
            sql: "-- app=etl dag_id=nightly task_id=load_users\nINSERT INTO users SELECT 1",
            source: "keyvalue", fields: [.app: "etl", .dag: "nightly", .task: "load_users"]),
        AnnotationCase(
            name: "generic JSON",
            sql: #"/* {"app":"reverse-etl","model":"churn_v2","user":"svc_ml"} */ SELECT 1"#,
            source: "json", fields: [.app: "reverse-etl", .model: "churn_v2", .user: "svc_ml"]),
        AnnotationCase(
            name: "no annotation, prose comment",
            sql: "-- compute revenue: daily, please\nSELECT 1 /* the end */", source: "none", fields: [:]),
    ]

    static func base64(_ text: String) -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")
        let bytes = Array(text.utf8)
        var output = ""
        var index = 0
        while index < bytes.count {
            let chunk = Array(bytes[index..<min(index + 3, bytes.count)])
            let value = chunk.enumerated().reduce(0) { $0 | Int($1.element) << (16 - 8 * $1.offset) }
            for position in 0..<4 {
                output.append(position <= chunk.count ? alphabet[(value >> (18 - 6 * position)) & 63] : "=")
            }
            index += 3
        }
        return output
    }
}
