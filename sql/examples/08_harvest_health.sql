-- The last runs: what each fetched, what changed, what went wrong.
SELECT run_id, status, started_at, finished_at, requests, pages_fetched, http_errors,
       items_new, items_changed, items_withdrawn, reports_parsed
FROM runs ORDER BY started_at DESC LIMIT 10;
