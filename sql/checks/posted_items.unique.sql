-- id: posted_items.unique
-- dimension: uniqueness
-- severity: error
-- tolerance: 0 duplicates
-- description: posted_items holds each item_id once per agency.
WITH keys AS (
    SELECT agency_id, item_id, count(*) AS n FROM posted_items GROUP BY agency_id, item_id
)
SELECT agency_id, NULL AS report_year,
       CAST(sum(n - 1) AS DOUBLE) AS observed, 0.0 AS expected,
       sum(n - 1) = 0 AS ok,
       CASE WHEN sum(n - 1) = 0 THEN 'All ' || count(*) || ' items are unique.'
            ELSE sum(n - 1) || ' duplicate rows over ' || count(*) FILTER (WHERE n > 1) || ' item ids.' END AS message,
       to_json({'item_ids': list(item_id ORDER BY item_id) FILTER (WHERE n > 1)[1:10]}) AS sample
FROM keys
GROUP BY agency_id
