-- Metabase
SELECT 1
-- /* partner: "metabase", {"dashboard_id":null,"filter_values":{"c":["a","b"]}} */ Metabase accountID: 5f1c cardID: 41