#!/usr/bin/env bash
# An annotated workload against the demo warehouse, forever: an Airflow DAG, a dbt model, Looker
# and Redash dashboards (PG* variables say where).
set -euo pipefail
run() { psql -X -q -o /dev/null -c "$1"; }
while true; do
  run '/* {"app":"airflow","dag":"daily_aggregations","task":"extract","user":"etl"} */ SELECT count(*) FROM raw.events WHERE kind = '"'"'page_view'"'"
  run '/* {"app":"airflow","dag":"daily_aggregations","task":"aggregate","user":"etl"} */ INSERT INTO marts.daily_users SELECT date_trunc('"'"'day'"'"', at), count(DISTINCT user_id) FROM raw.events GROUP BY 1'
  run '/* {"app": "dbt", "dbt_version": "1.7.4", "node_id": "model.shop.daily_users"} */ SELECT day, users FROM marts.daily_users ORDER BY day DESC LIMIT 7'
  run "-- Looker Query Context '{\"user_id\":6,\"history_slug\":\"9a1b\"}'
SELECT kind, count(*) FROM raw.events GROUP BY kind"
  run "/* Username: jordan@corp.com, Query ID: 42, Queue: queries, Query Hash: d98f, Scheduled: False */ SELECT count(*) FROM marts.daily_users"
  sleep 5
done
