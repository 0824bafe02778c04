-- Items posted per agency and month (publication time is Asia/Shanghai wall-clock).
SELECT agency_id, date_trunc('month', published_at) AS month, count(*) AS items,
       count(*) FILTER (WHERE item_type = 'url') AS url_rows,
       count(*) FILTER (WHERE withdrawn_at IS NOT NULL) AS since_withdrawn
FROM posted_items
WHERE published_at >= TIMESTAMP '2025-01-01'
GROUP BY ALL ORDER BY agency_id, month;
