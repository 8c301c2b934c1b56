SELECT 1
-- Hex query metadata: {"categories":["a"],"project_name":"R","user_email":"a@b.c"}