-- id: crawl.empty_listing
-- dimension: completeness
-- severity: error
-- tolerance: 0 categories
-- description: No leaf category that had items lists zero rows now: a complete listing with no rows while items of that category are still on record (none is withdrawn while it stays empty) fails every run until the category lists rows again.
WITH cur AS (
    SELECT l.* FROM core.listings l
    WHERE l.run_id = (SELECT run_id FROM check_params)
), held AS (  -- items on record (not withdrawn) per category, and when one was last seen
    SELECT m.agency_id, m.cat AS category_id, count(DISTINCT m.item_id) AS n, max(m.last_seen_at) AS last_seen
    FROM (SELECT agency_id, item_id, last_seen_at, unnest(CASE WHEN len(COALESCE(categories, [])) > 1
                                                              THEN categories ELSE [category_id] END) AS cat
          FROM core.items WHERE withdrawn_at IS NULL) m
    GROUP BY ALL
), k AS (
    SELECT c.agency_id, c.category_id, c.category_name, h.n AS items_held, h.last_seen,
           c.status = 'complete' AND COALESCE(c.rows_seen, 0) = 0 AND COALESCE(h.n, 0) > 0 AS emptied
    FROM cur c
    LEFT JOIN held h ON h.agency_id = c.agency_id AND h.category_id = c.category_id
)
SELECT agency_id, NULL AS report_year,
       CAST(count(*) FILTER (WHERE emptied) AS DOUBLE) AS observed, 0.0 AS expected,
       count(*) FILTER (WHERE emptied) = 0 AS ok,
       CASE WHEN count(*) FILTER (WHERE emptied) = 0
                THEN 'None of the ' || count(*) || ' categories listed is empty while it has items on record.'
            ELSE count(*) FILTER (WHERE emptied) || ' categories with items on record list none now (kept, not withdrawn, while they stay empty).'
       END AS message,
       to_json({'categories': list({'category_id': category_id, 'name': category_name, 'items_on_record': items_held,
                                    'last_seen_listed': last_seen} ORDER BY category_id)
                              FILTER (WHERE emptied)}) AS sample
FROM k
GROUP BY agency_id
