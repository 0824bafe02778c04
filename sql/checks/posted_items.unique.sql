-- id: posted_items.unique
-- dimension: uniqueness
-- severity: error
-- tolerance: 0 duplicates
-- description: posted_items holds each item_id once per agency (checked on its table, core.items).
WITH keys AS (
    SELECT agency_id, item_id, count(*) AS n FROM core.items GROUP BY agency_id, item_id
), per AS (
    SELECT agency_id, count(*) AS items, sum(n - 1) AS dups FROM keys GROUP BY agency_id
), d AS (
    SELECT agency_id, list(item_id ORDER BY item_id)[1:10] AS ids
    FROM keys WHERE n > 1 GROUP BY agency_id
)
SELECT per.agency_id, NULL AS report_year,
       CAST(per.dups AS DOUBLE) AS observed, 0.0 AS expected,
       per.dups = 0 AS ok,
       CASE WHEN per.dups = 0 THEN 'All ' || per.items || ' items are unique.'
            ELSE per.dups || ' duplicate rows (e.g. item_id ' || d.ids[1] || ').' END AS message,
       to_json({'item_ids': d.ids}) AS sample
FROM per LEFT JOIN d USING (agency_id)
