-- id: crawl.freshness
-- dimension: freshness
-- severity: error
-- tolerance: 36 hours
-- description: Every sub-site had a complete listing within the last 36 hours.
WITH last_ok AS (
    SELECT a.agency_id,
           max(COALESCE(r.finished_at, r.started_at)) FILTER (WHERE l.status = 'complete') AS last_at
    FROM core.agencies a
    LEFT JOIN core.listings l USING (agency_id)
    LEFT JOIN core.runs r ON r.run_id = l.run_id
    -- sub-sites only: an agency known just as a report's owner has no catalog to list
    WHERE a.sid IS NOT NULL OR l.run_id IS NOT NULL
    GROUP BY a.agency_id
)
SELECT o.agency_id, NULL AS report_year,
       round(date_diff('second', o.last_at, p.ref_ts) / 3600.0, 1) AS observed, 36.0 AS expected,
       COALESCE(o.last_at >= p.ref_ts - INTERVAL 36 HOUR, FALSE) AS ok,
       CASE WHEN o.last_at IS NULL THEN 'The sub-site has never been listed completely.'
            WHEN o.last_at >= p.ref_ts - INTERVAL 36 HOUR
                THEN 'Last complete listing ' || round(date_diff('second', o.last_at, p.ref_ts) / 3600.0, 1) || ' hours ago.'
            ELSE 'No complete listing for ' || round(date_diff('second', o.last_at, p.ref_ts) / 3600.0, 1)
                 || ' hours (limit 36).' END AS message,
       to_json({'last_complete_listing': o.last_at}) AS sample
FROM last_ok o CROSS JOIN check_params p
