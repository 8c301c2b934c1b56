SELECT 1
-- Looker Query Context '{"user_id":6,"history_slug":"9a1b"}'