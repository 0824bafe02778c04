-- id: reconcile.active_total
-- dimension: reconciliation
-- severity: error
-- tolerance: reconcile.tolerance_abs items or reconcile.tolerance_pct of reported (config; applied by the reconciliation)
-- description: The proactive total a report states (website channel if stated, else active.total) equals the catalog items posted in its year.
SELECT agency_id, report_year,
       CAST(posted AS DOUBLE) AS observed, CAST(reported AS DOUBLE) AS expected,
       status <> 'mismatch' AS ok,
       CASE status
           WHEN 'match' THEN 'Posted ' || posted || ' items match the reported ' || reported || ' (' || note || ').'
           WHEN 'mismatch' THEN 'Posted ' || posted || ' items differ from the reported ' || reported
                || ' by ' || difference || ' (' || note || ').'
           ELSE 'Not comparable: ' || note || '.' END AS message,
       json_object('scope', scope, 'status', status, 'difference', difference) AS sample
FROM core.reconciliation
WHERE scope = 'total'
