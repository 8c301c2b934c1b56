SELECT 1
-- {"organization_uuid":"o","user_uuid":"u","query_context":"sqlRunner"}