-- /* partner: "metabase", {"dashboard_id":3,"chart_id":41,"optional_user_id":12} */ Metabase:: userID: 12 queryType: MBQL queryHash: 77aa
SELECT 1