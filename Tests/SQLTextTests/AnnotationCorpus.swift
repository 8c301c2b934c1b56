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

        // MARK: Redash (getredash/redash: query_runner/__init__.py `annotate_query`, the metadata of
        // handlers/query_results.py, tasks/queries/maintenance.py and tasks/queries/execution.py;
        // the Redshift runner's query group in query_runner/pg.py)
        AnnotationCase(
            name: "Redash ad hoc, current key and order",
            sql: "/* Username: alice@corp.com, query_id: adhoc, Queue: queries, Job ID: 6b3f0c52-8a1e-4d7b-9f25-0e4c1a7d2b90, Query Hash: 0b1f8e0d6b9c2f4a7e5d3c1b9a8f7e6d, Scheduled: False */ SELECT count(*) FROM orders",
            source: "redash", fields: [.app: "redash", .user: "alice@corp.com"],
            attributes: ["query_id": "adhoc", "Queue": "queries", "Scheduled": "False", "Job ID": "6b3f0c52-8a1e-4d7b-9f25-0e4c1a7d2b90"]),
        AnnotationCase(
            name: "Redash scheduled, query_id first",
            sql: "/* query_id: 42, Username: alice@corp.com, Queue: scheduled_queries, Job ID: 0e9d4c1a-77b2-4f6e-a0c3-5d8b2e1f9a46, Query Hash: 5d41402abc4b2a76b9719d911017c592, Scheduled: True */ SELECT * FROM revenue",
            source: "redash", fields: [.app: "redash", .user: "alice@corp.com", .chart: "42"],
            attributes: ["query_id": "42", "Queue": "scheduled_queries", "Scheduled": "True"]),
        AnnotationCase(
            name: "Redash scheduled, Query ID first (releases of 2020)",
            sql: "/* Query ID: 42, Username: Scheduled, Queue: scheduled_queries, Job ID: 3c1e9a70-2b4d-4e8f-9a61-7d0c5b2e8f13, Query Hash: 5d41402abc4b2a76b9719d911017c592, Scheduled: True */ SELECT 1",
            source: "redash", fields: [.app: "redash", .user: "Scheduled", .chart: "42"], attributes: ["Query ID": "42"]),
        AnnotationCase(
            name: "Redash run by an API key",
            sql: "/* Username: <ApiKey: 7>, query_id: 42, Queue: queries, Job ID: 9a7c2e41-0d5b-4c83-b6f1-2e4a8d0c7b95, Query Hash: 7215ee9c7d9dc229d2921a40e899ec5f, Scheduled: False */ SELECT * FROM revenue",
            source: "redash", fields: [.app: "redash", .user: "<ApiKey: 7>", .chart: "42"], attributes: ["Username": "<ApiKey: 7>"]),
        AnnotationCase(
            name: "Redash on Redshift with a query group set first",
            sql: "set query_group to redash_adhoc;\n/* Username: bob@corp.com, query_id: 108, Queue: queries, Job ID: 4d2f8b60-1e7a-4c39-8b05-6a9e3d1c7f28, Query Hash: e4d909c290d0fb1ca068ffaddf22cbd0, Scheduled: False */ SELECT * FROM events",
            source: "redash", fields: [.app: "redash", .user: "bob@corp.com", .chart: "108"], attributes: ["Queue": "queries"]),

        // MARK: sqlcommenter as libraries write it
        AnnotationCase(
            // google/sqlcommenter python/…/sqlcommenter/__init__.py: values URL-quoted, every `%`
            // doubled; Django ran the statement with parameters, so psycopg2 undid the doubling.
            name: "sqlcommenter, Django, parameters bound",
            sql: #"SELECT "polls_question"."id", "polls_question"."question_text" FROM "polls_question" WHERE "polls_question"."id" = 7 /*controller='index',framework='django%3A4.2.11',route='polls/%3Cint%3Aquestion_id%3E/'*/"#,
            source: "sqlcommenter", fields: [:],
            attributes: ["framework": "django:4.2.11", "route": "polls/<int:question_id>/", "controller": "index"]),
        AnnotationCase(
            // open-telemetry/opentelemetry-python-contrib: instrumentation/dbapi and
            // sqlcommenter_utils.py: `%` doubled (run without parameters, so it stays doubled),
            // numbers unquoted by `repr`, before the final `;`.
            name: "sqlcommenter, OpenTelemetry DB-API, % doubled and numbers unquoted",
            sql: "SELECT 1 /*db_driver='psycopg2%%3A2.9.9',dbapi_level='2.0',dbapi_threadsafety=2,driver_paramstyle='pyformat',libpq_version=160002,traceparent='00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01'*/;",
            source: "sqlcommenter", fields: [:],
            attributes: ["db_driver": "psycopg2:2.9.9", "dbapi_threadsafety": "2", "libpq_version": "160002", "dbapi_level": "2.0",
                         "driver_paramstyle": "pyformat"]),
        AnnotationCase(
            // DataDog/dd-trace-py: propagation/_database_monitoring.py (prepended) with its
            // vendored sqlcommenter (sorted keys, `%` doubled).
            name: "Datadog, dd-trace-py, prepended with % doubled",
            sql: "/*dddb='orders',dddbs='orders-db',dde='prod',ddh='db.internal',ddps='orders-api',ddpv='1.4.0%%2Bbuild.7',traceparent='00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01'*/ SELECT * FROM orders WHERE id = 42",
            source: "datadog", fields: [.app: "orders-api"], attributes: ["ddpv": "1.4.0+build.7", "ddh": "db.internal", "dde": "prod"]),
        AnnotationCase(
            // google/sqlcommenter java/…/threadlocalstorage/State.java and
            // SpringSQLCommenterInterceptor.java: `URLEncoder`, so a blank is `+`.
            name: "sqlcommenter, Spring, + for a blank",
            sql: "select order0_.id as id1_0_ from orders order0_ /*action='listOrders',controller='Order',framework='spring',traceparent='00-a22901f654b534675439f71fbe43783d-7fde95452aa72253-01',tracestate='congo%3Dt61rcWkgMzE%2C+rojo%3D00f067aa0ba902b7'*/",
            source: "sqlcommenter", fields: [:],
            attributes: ["tracestate": "congo=t61rcWkgMzE, rojo=00f067aa0ba902b7", "controller": "Order", "action": "listOrders"]),
        AnnotationCase(
            // google/sqlcommenter go/database/sql/connection.go `withComment` (no blank before
            // the comment, which goes before the `;`) and go/core/core.go (`url.QueryEscape`).
            name: "sqlcommenter, Go database/sql, glued before the semicolon",
            sql: "SELECT id, title FROM todos WHERE id=$1/*action='github.com%2Facme%2Ftodos%2Fhandlers.%28%2ATodos%29.Get-fm',application='github.com%2Facme%2Ftodos',db_driver='database%2Fsql%3Apostgres',framework='net%2Fhttp',route='%2Ftodos%2F%7Bid%7D',traceparent='00-7d2c6a1f0e9b4c3d8a5f1e2b3c4d5e6f-1a2b3c4d5e6f7a8b-01'*/;",
            source: "sqlcommenter", fields: [.app: "github.com/acme/todos"],
            attributes: ["action": "github.com/acme/todos/handlers.(*Todos).Get-fm", "db_driver": "database/sql:postgres", "route": "/todos/{id}"]),
        AnnotationCase(
            // prisma/prisma packages/client-engine-runtime/src/sql-commenter.ts (`encodeURIComponent`,
            // `'` then escaped as `\'`), with the query-insights, query-tags and trace-context plugins.
            name: "sqlcommenter, Prisma plugins",
            sql: #"SELECT "public"."Post"."id", "public"."Post"."title" FROM "public"."Post" WHERE 1=1 OFFSET $1 /*feature='editor\'s%20picks',prismaQuery='Post.findMany%3AeyJzZWxlY3Rpb24iOnsiJHNjYWxhcnMiOnRydWV9fQ',route='%2Fapi%2Fposts',traceparent='00-5bd66ef5095369c7b0d1f8f4bd33716a-c532cb4098ac3dd2-01',user='user-123'*/"#,
            source: "sqlcommenter", fields: [.user: "user-123"],
            attributes: ["prismaQuery": "Post.findMany:eyJzZWxlY3Rpb24iOnsiJHNjYWxhcnMiOnRydWV9fQ", "feature": "editor's picks", "route": "/api/posts"]),
        AnnotationCase(
            // DataDog/dd-trace-java SQLCommenter.java and SharedDBCommenter.java: its own key order,
            // appended (before the `;`) when a pg_hint_plan hint is present.
            name: "Datadog, dd-trace-java, appended after a /*+ hint",
            sql: "/*+ SeqScan(orders) */ SELECT * FROM orders WHERE status = 'open' /*ddps='billing-api',dddbs='billing-db',ddh='db.internal',dddb='billing',dde='prod',ddpv='2.3.1',traceparent='00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01'*/;",
            source: "datadog", fields: [.app: "billing-api"], attributes: ["dddbs": "billing-db", "dddb": "billing", "ddpv": "2.3.1"]),
        AnnotationCase(
            name: "Datadog, dd-trace-java, prepended",
            sql: "/*ddps='billing-api',dddbs='billing-db',dde='prod',ddpv='2.3.1',traceparent='00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01'*/ SELECT * FROM invoices",
            source: "datadog", fields: [.app: "billing-api"], attributes: ["dde": "prod"]),

        // MARK: marginalia (basecamp/marginalia lib/marginalia/comment.rb) and Rails query logs
        // (rails/rails activerecord/lib/active_record/query_logs.rb and query_logs_formatter.rb)
        AnnotationCase(
            name: "marginalia with its line component",
            sql: "SELECT \"orders\".* FROM \"orders\" WHERE \"orders\".\"id\" = $1 LIMIT $2 /*application:Shop,controller:orders,action:create,line:/app/controllers/orders_controller.rb:18:in `create'*/",
            source: "marginalia", fields: [.app: "Shop"],
            attributes: ["line": "/app/controllers/orders_controller.rb:18:in `create'", "controller": "orders", "action": "create"]),
        AnnotationCase(
            name: "marginalia prepended",
            sql: "/*application:Shop,controller:orders,action:index*/ SELECT \"orders\".* FROM \"orders\"",
            source: "marginalia", fields: [.app: "Shop"], attributes: ["action": "index"]),
        AnnotationCase(
            name: "Rails query logs, legacy formatter, prepended",
            sql: "/*action:show,application:Shop,controller:orders,source_location:app/controllers/orders_controller.rb:12:in 'OrdersController#show'*/ SELECT \"orders\".* FROM \"orders\" WHERE \"orders\".\"id\" = $1 LIMIT $2",
            source: "marginalia", fields: [.app: "Shop"],
            attributes: ["source_location": "app/controllers/orders_controller.rb:12:in 'OrdersController#show'", "controller": "orders"]),
        AnnotationCase(
            name: "Rails query logs, legacy formatter, a job",
            sql: "UPDATE \"invoices\" SET \"sent_at\" = $1 WHERE \"invoices\".\"id\" = $2 /*application:Shop,job:InvoiceMailerJob*/",
            source: "marginalia", fields: [.app: "Shop"], attributes: ["job": "InvoiceMailerJob"]),
        AnnotationCase(
            name: "Rails query logs, sqlcommenter formatter, appended",
            sql: "SELECT \"orders\".* FROM \"orders\" WHERE \"orders\".\"id\" = $1 LIMIT $2 /*action='show',application='Shop',controller='orders',source_location='app%2Fcontrollers%2Forders_controller.rb%3A12%3Ain%20%27OrdersController%23show%27'*/",
            source: "sqlcommenter", fields: [.app: "Shop"],
            attributes: ["source_location": "app/controllers/orders_controller.rb:12:in 'OrdersController#show'", "action": "show"]),
        AnnotationCase(
            name: "Rails query logs, sqlcommenter formatter, prepended",
            sql: "/*application='Shop',job='InvoiceMailerJob'*/ UPDATE \"invoices\" SET \"sent_at\" = $1 WHERE \"invoices\".\"id\" = $2",
            source: "sqlcommenter", fields: [.app: "Shop"], attributes: ["job": "InvoiceMailerJob"]),

        // MARK: Metabase (metabase/metabase src/metabase/query_processor/util.clj `default-query->remark`,
        // sql_jdbc/execute.clj `inject-remark`, and the redshift, snowflake, bigquery-cloud-sdk and
        // starburst drivers)
        AnnotationCase(
            name: "Metabase, no user",
            sql: "-- Metabase\nSELECT \"PUBLIC\".\"ORDERS\".\"ID\" FROM \"PUBLIC\".\"ORDERS\" LIMIT 2000",
            source: "metabase", fields: [.app: "metabase"]),
        AnnotationCase(
            name: "Metabase Redshift driver, no user, null ids",
            sql: #"-- /* partner: "metabase", {"dashboard_id":null,"chart_id":null,"optional_user_id":null,"optional_account_id":"5f1c9c2e-7c8b-4e0a-9d3f-2b6a1e4c8d70","filter_values":{}} */ Metabase"#
                + "\nSELECT count(*) FROM \"public\".\"orders\"",
            source: "metabase", fields: [.app: "metabase"], attributes: ["optional_account_id": "5f1c9c2e-7c8b-4e0a-9d3f-2b6a1e4c8d70"]),
        AnnotationCase(
            name: "Metabase Redshift driver, a dashboard card with filters",
            sql: #"-- /* partner: "metabase", {"dashboard_id":3,"chart_id":41,"optional_user_id":12,"optional_account_id":"5f1c9c2e-7c8b-4e0a-9d3f-2b6a1e4c8d70","filter_values":{"category":["Widget","Gizmo"]}} */ Metabase:: userID: 12 queryType: MBQL queryHash: 3a7bd3e2360a3d29eea436fcfb7e44c735d117c42d1c1835420b6b9942dd4f1b"#
                + "\nSELECT count(*) FROM \"public\".\"orders\"",
            source: "metabase", fields: [.app: "metabase", .user: "12", .dashboard: "3", .chart: "41"],
            attributes: ["filter_values.category": "Widget,Gizmo", "queryType": "MBQL"]),
        AnnotationCase(
            name: "Metabase Snowflake driver, appended, null ids",
            sql: "SELECT \"ORDERS\".\"ID\" FROM \"ORDERS\" LIMIT 2000\n\n-- "
                + #"{"client":"Metabase","context":"ad-hoc","queryType":"native","userId":12,"pulseId":null,"cardId":null,"dashboardId":null,"databaseId":2,"queryHash":"3a7bd3e2360a3d29eea436fcfb7e44c735d117c42d1c1835420b6b9942dd4f1b","serverId":"5f1c9c2e-7c8b-4e0a-9d3f-2b6a1e4c8d70"}"#,
            source: "metabase", fields: [.app: "metabase", .user: "12"], attributes: ["context": "ad-hoc", "databaseId": "2"]),
        AnnotationCase(
            name: "Metabase BigQuery driver, appended",
            sql: "SELECT `shop.orders`.`id` AS `id` FROM `shop.orders` LIMIT 2000\n\n-- Metabase:: userID: 12 queryType: native queryHash: 3a7bd3e2360a3d29eea436fcfb7e44c735d117c42d1c1835420b6b9942dd4f1b",
            source: "metabase", fields: [.app: "metabase", .user: "12"], attributes: ["queryType": "native"]),
        AnnotationCase(
            name: "Metabase Starburst driver",
            sql: "-- Metabase:: userID: 12 queryType: MBQL queryHash: 3a7bd3e2360a3d29eea436fcfb7e44c735d117c42d1c1835420b6b9942dd4f1b accountID: 5f1c9c2e-7c8b-4e0a-9d3f-2b6a1e4c8d70 dashboardID: 3 cardID: 41\nSELECT count(*) FROM \"hive\".\"shop\".\"orders\"",
            source: "metabase", fields: [.app: "metabase", .user: "12", .dashboard: "3", .chart: "41"],
            attributes: ["accountID": "5f1c9c2e-7c8b-4e0a-9d3f-2b6a1e4c8d70"]),
        AnnotationCase(
            name: "Metabase Starburst driver, no user",
            sql: "-- Metabase accountID: 5f1c9c2e-7c8b-4e0a-9d3f-2b6a1e4c8d70 cardID: 41\nSELECT count(*) FROM \"hive\".\"shop\".\"orders\"",
            source: "metabase", fields: [.app: "metabase", .chart: "41"], attributes: ["cardID": "41"]),

        // MARK: dbt (dbt-labs/dbt-adapters dbt-adapters/src/dbt/adapters/base/query_headers.py,
        // contracts/connection.py `DEFAULT_QUERY_COMMENT`, dbt-athena/src/dbt/adapters/athena/query_headers.py)
        AnnotationCase(
            name: "dbt append: true, before the final semicolon",
            sql: "insert into marts.orders (id, amount) select id, amount from staging.orders\n"
                + #"/* {"app": "dbt", "dbt_version": "1.8.7", "profile_name": "shop", "target_name": "prod", "node_id": "model.shop.orders"} */;"#,
            source: "dbt", fields: [.app: "dbt", .model: "model.shop.orders"], attributes: ["dbt_version": "1.8.7"]),
        AnnotationCase(
            name: "dbt-athena, prepended as a line",
            sql: #"-- /* {"app": "dbt", "dbt_version": "1.8.7", "profile_name": "lake", "target_name": "prod", "node_id": "model.lake.events"} */"#
                + "\ncreate table \"awsdatacatalog\".\"lake\".\"events\" as select * from \"lake\".\"raw_events\"",
            source: "dbt", fields: [.app: "dbt", .model: "model.lake.events"], attributes: ["profile_name": "lake"]),
        AnnotationCase(
            name: "dbt-athena, appended with the statement's semicolon",
            sql: "select count(*) from \"lake\".\"events\"\n"
                + #"-- /* {"app": "dbt", "dbt_version": "1.8.7", "profile_name": "lake", "target_name": "prod", "node_id": "test.lake.not_null_events_id.5b8c2a"} */;"#,
            source: "dbt", fields: [.app: "dbt", .model: "test.lake.not_null_events_id.5b8c2a"]),
        AnnotationCase(
            name: "dbt, the node id as the connection name",
            sql: #"/* {"app": "dbt", "dbt_version": "1.8.7", "profile_name": "shop", "target_name": "prod", "connection_name": "model.shop.customers"} */"#
                + "\nselect column_name, data_type from information_schema.columns where table_name = 'customers'",
            source: "dbt", fields: [.app: "dbt", .model: "model.shop.customers"], attributes: ["connection_name": "model.shop.customers"]),

        // MARK: Lightdash (lightdash/lightdash packages/warehouses/src/warehouseClients/PostgresWarehouseClient.ts
        // `getSQLWithMetadata`, the tags of `RunQueryTags`)
        AnnotationCase(
            name: "Lightdash, a dashboard chart",
            sql: "SELECT \"orders\".status AS \"orders_status\", COUNT(*) AS \"orders_count\" FROM \"marts\".\"orders\" AS \"orders\" GROUP BY 1\n-- "
                + #"{"organization_uuid":"0b6f9c1e-3a2d-4e5f-8a7b-9c0d1e2f3a4b","project_uuid":"1c7a0d2f-4b3e-4f60-9b8c-0d1e2f3a4b5c","user_uuid":"2d8b1e30-5c4f-4071-8c9d-1e2f3a4b5c6d","explore_name":"orders","query_context":"dashboardView","chart_uuid":"3e9c2f41-6d50-4182-9dae-2f3a4b5c6d7e","dashboard_uuid":"4fad3052-7e61-4293-aebf-3a4b5c6d7e8f"}"#,
            source: "lightdash",
            fields: [.app: "lightdash", .user: "2d8b1e30-5c4f-4071-8c9d-1e2f3a4b5c6d", .dashboard: "4fad3052-7e61-4293-aebf-3a4b5c6d7e8f",
                     .chart: "3e9c2f41-6d50-4182-9dae-2f3a4b5c6d7e"],
            attributes: ["explore_name": "orders", "query_context": "dashboardView"]),
        AnnotationCase(
            name: "Lightdash, the SQL runner",
            sql: "select * from marts.orders limit 500\n-- "
                + #"{"organization_uuid":"0b6f9c1e-3a2d-4e5f-8a7b-9c0d1e2f3a4b","project_uuid":"1c7a0d2f-4b3e-4f60-9b8c-0d1e2f3a4b5c","user_uuid":"2d8b1e30-5c4f-4071-8c9d-1e2f3a4b5c6d","query_context":"sqlRunner"}"#,
            source: "lightdash", fields: [.app: "lightdash", .user: "2d8b1e30-5c4f-4071-8c9d-1e2f3a4b5c6d"],
            attributes: ["query_context": "sqlRunner"]),

        // MARK: Hasura (hasura/graphql-engine server/src-lib/Data/SqlCommenter.hs and Hasura/QueryTags.hs)
        AnnotationCase(
            name: "Hasura query tags, standard",
            sql: #"SELECT  coalesce(json_agg("root" ), '[]' ) AS "root" FROM  (SELECT  row_to_json((SELECT  "_e"  FROM  (SELECT  "_root.base"."name" AS "name"       ) AS "_e"      ) ) AS "root" FROM  (SELECT  *  FROM "public"."child"  WHERE ('true')     ) AS "_root.base"      ) AS "_root"      /* request_id=9c4b1f0e-2a7d-4e3b-8f61-5d0a9c2e7b14, field_name=child, parameterized_query_hash=8d0e3c9b7a6f5e4d3c2b1a0f9e8d7c6b5a4f3e2d, operation_name=GetChild */"#,
            source: "hasura", fields: [.app: "hasura"],
            attributes: ["operation_name": "GetChild", "field_name": "child", "request_id": "9c4b1f0e-2a7d-4e3b-8f61-5d0a9c2e7b14"]),
        AnnotationCase(
            name: "Hasura query tags, standard_prepended, a live query",
            sql: "/* field_name=orders, parameterized_query_hash=1f2e3d4c5b6a79808f7e6d5c4b3a29181f0e2d3c */ SELECT \"_subs\".\"result_id\" FROM UNNEST(($1)::uuid[]) AS \"_subs\"(\"result_id\")",
            source: "hasura", fields: [.app: "hasura"], attributes: ["field_name": "orders"]),
        AnnotationCase(
            name: "Hasura query tags, sqlcommenter",
            sql: #"SELECT  coalesce(json_agg("root" ), '[]' ) AS "root" FROM "public"."child" /* field_name='child', operation_name='GetChild', parameterized_query_hash='8d0e3c9b7a6f5e4d3c2b1a0f9e8d7c6b5a4f3e2d', request_id='9c4b1f0e-2a7d-4e3b-8f61-5d0a9c2e7b14' */"#,
            source: "hasura", fields: [.app: "hasura"], attributes: ["operation_name": "GetChild", "request_id": "9c4b1f0e-2a7d-4e3b-8f61-5d0a9c2e7b14"]),

        // MARK: Amazon Redshift Query Editor v2 (closed source: the shape its statements carry)
        AnnotationCase(
            name: "Redshift Query Editor v2",
            sql: "/* RQEV2-Q7bDsX0UlC */\nSELECT venuename, venuecity FROM venue ORDER BY 1 LIMIT 100",
            source: "query_editor_v2", fields: [.app: "query_editor_v2"], attributes: ["rqev2": "Q7bDsX0UlC"]),

        // MARK: Looker (its documentation: Admin settings, Usage, "Context comments for SQL queries")
        AnnotationCase(
            name: "Looker, prepended as its documentation shows",
            sql: "-- Looker Query Context '{ \"user_id\":27,\"history_slug\":\"4a5c0e2b9d1f\",\"instance_slug\":\"a1b2c3d4e5f60718293a4b5c6d7e8f90\"}'\nSELECT orders.status FROM public.orders AS orders GROUP BY 1",
            source: "looker", fields: [.app: "looker", .user: "27"],
            attributes: ["history_slug": "4a5c0e2b9d1f", "instance_slug": "a1b2c3d4e5f60718293a4b5c6d7e8f90"]),
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
