-- id: report.edited_after_publication
-- dimension: validity
-- severity: warn
-- tolerance: 1 distinct content (the report's visible text, whitespace dropped; a version that could not be parsed is left out)
-- description: A report's content did not change after it was first archived (report_versions keeps every version; the figures are the latest version's). The sample names the change: first and latest content sha256, when each was first seen and which figures changed.
WITH v AS (
    SELECT * FROM core.report_versions WHERE parse_status IN ('parsed', 'partial')
), k AS (
    SELECT report_id, count(DISTINCT content_sha256) AS n,
           arg_min(content_sha256, version) AS first_sha, arg_max(content_sha256, version) AS last_sha,
           min(first_seen_at) AS first_at, arg_max(first_seen_at, version) AS last_at,
           arg_max(first_seen_run, version) AS last_run,
           arg_min(figures, version) AS old_fig, arg_max(figures, version) AS new_fig
    FROM v GROUP BY report_id
), changed AS (
    SELECT report_id, list(m ORDER BY m) AS metrics FROM (
        SELECT DISTINCT k.report_id, u.m
        FROM k, unnest(list_distinct(COALESCE(json_keys(k.old_fig), []) || COALESCE(json_keys(k.new_fig), []))) AS u(m)
        WHERE k.n > 1
          AND json_extract(k.old_fig, '$."' || u.m || '"') IS DISTINCT FROM json_extract(k.new_fig, '$."' || u.m || '"'))
    GROUP BY report_id
)
SELECT r.agency_id, r.report_year, CAST(COALESCE(k.n, 0) AS DOUBLE) AS observed, 1.0 AS expected,
       CASE WHEN k.n IS NULL THEN NULL ELSE k.n = 1 END AS ok,
       CASE WHEN k.n IS NULL THEN 'Skipped: no readable version of the report is recorded.'
            WHEN k.n = 1 THEN 'One version, first archived ' || strftime(k.first_at, '%Y-%m-%d') || '.'
            ELSE 'The report changed after it was first archived: ' || k.n || ' versions, the latest first seen '
                 || strftime(k.last_at, '%Y-%m-%d') || ' (first ' || strftime(k.first_at, '%Y-%m-%d') || '); '
                 || CASE WHEN len(COALESCE(ch.metrics, [])) = 0 THEN 'the text changed, no figure did'
                         ELSE len(ch.metrics) || ' figure(s) changed, e.g. ' || array_to_string(ch.metrics[1:5], ', ') END
                 || '.' END AS message,
       to_json({'report_id': r.report_id, 'url': r.url, 'versions': k.n,
                'first_content_sha256': k.first_sha, 'first_seen_at': k.first_at,
                'latest_content_sha256': k.last_sha, 'latest_seen_at': k.last_at, 'latest_run': k.last_run,
                'changed_figures': (ch.metrics)[1:20]}) AS sample
FROM core.reports r
LEFT JOIN k USING (report_id)
LEFT JOIN changed ch USING (report_id)
