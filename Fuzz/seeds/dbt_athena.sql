select 1
-- /* {"app": "dbt", "connection_name": "model.a.b"} */;