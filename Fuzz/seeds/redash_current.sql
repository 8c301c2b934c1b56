set query_group to redash_adhoc;
/* query_id: 42, Username: <ApiKey: 7>, Queue: scheduled_queries, Job ID: 6b3f, Query Hash: 0b1f, Scheduled: True */ SELECT 1