-- id: crawl.empty_listing
-- dimension: completeness
-- severity: error
-- tolerance: 0 categories
-- description: No leaf category that listed rows in the agency's previous loaded run lists zero rows now.
WITH cur AS (
    SELECT l.*, r.started_at FROM core.listings l JOIN core.runs r USING (run_id)
    WHERE l.run_id = (SELECT run_id FROM check_params)
), prev_run AS (
    SELECT c.agency_id, (SELECT l2.run_id FROM core.listings l2 JOIN core.runs r2 USING (run_id)
                         WHERE l2.agency_id = c.agency_id AND r2.started_at < min(c.started_at)
                         ORDER BY r2.started_at DESC, l2.run_id DESC LIMIT 1) AS run_id
    FROM cur c GROUP BY c.agency_id
), k AS (
    SELECT c.agency_id, c.category_id, c.category_name, p.rows_seen AS before,
           c.status = 'complete' AND COALESCE(c.rows_seen, 0) = 0 AND COALESCE(p.rows_seen, 0) > 0 AS emptied
    FROM cur c
    JOIN prev_run pr ON pr.agency_id = c.agency_id
    LEFT JOIN core.listings p ON p.run_id = pr.run_id AND p.agency_id = c.agency_id
                             AND p.category_id = c.category_id
)
SELECT agency_id, NULL AS report_year,
       CAST(count(*) FILTER (WHERE emptied) AS DOUBLE) AS observed, 0.0 AS expected,
       count(*) FILTER (WHERE emptied) = 0 AS ok,
       CASE WHEN count(*) FILTER (WHERE emptied) = 0
                THEN 'None of the ' || count(*) || ' categories listed went empty since the previous run.'
            ELSE count(*) FILTER (WHERE emptied) || ' categories that listed rows in the previous run list none now.'
       END AS message,
       to_json({'categories': list({'category_id': category_id, 'name': category_name, 'rows_before': before} ORDER BY category_id)
                              FILTER (WHERE emptied)}) AS sample
FROM k
GROUP BY agency_id
