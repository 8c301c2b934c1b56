-- The demo warehouse: raw events, and the marts an Airflow DAG and dbt build from them.
CREATE SCHEMA raw;
CREATE SCHEMA marts;
CREATE TABLE raw.events (id bigint, user_id int, kind text, at timestamptz);
INSERT INTO raw.events SELECT g, g % 1000, 'page_view', now() - g * interval '1 second' FROM generate_series(1, 200000) g;
CREATE TABLE marts.daily_users AS SELECT date_trunc('day', at) AS day, count(DISTINCT user_id) AS users FROM raw.events GROUP BY 1;
