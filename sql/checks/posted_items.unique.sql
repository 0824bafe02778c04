-- id: posted_items.unique
-- dimension: uniqueness
-- severity: error
-- tolerance: 0 duplicates
-- description: posted_items holds each item_id once per agency.
SELECT agency_id, NULL AS report_year,
       CAST(count(*) - count(DISTINCT item_id) AS DOUBLE) AS observed, 0.0 AS expected,
       count(*) = count(DISTINCT item_id) AS ok,
       CASE WHEN count(*) = count(DISTINCT item_id) THEN 'All ' || count(*) || ' items are unique.'
            ELSE (count(*) - count(DISTINCT item_id)) || ' duplicate item rows.' END AS message,
       to_json({'item_ids': (SELECT list(item_id) FROM (SELECT item_id FROM posted_items d
                             WHERE d.agency_id = p.agency_id GROUP BY item_id HAVING count(*) > 1 LIMIT 10))}) AS sample
FROM posted_items p
GROUP BY agency_id
