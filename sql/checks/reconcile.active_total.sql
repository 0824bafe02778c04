-- id: reconcile.active_total
-- dimension: reconciliation
-- severity: error
-- tolerance: reconcile.tolerance_abs items or reconcile.tolerance_pct of reported (config; applied by the reconciliation)
-- description: The proactive total a report states for its own agency (active.total; never a channel or district-wide figure) equals the catalog items posted in its year; a report that states no total, or a year not fully listed, is a skip.
SELECT agency_id, report_year,
       CAST(posted AS DOUBLE) AS observed, CAST(reported AS DOUBLE) AS expected,
       CASE WHEN status = 'not_comparable' THEN NULL ELSE status <> 'mismatch' END AS ok,
       CASE status
           WHEN 'match' THEN 'Posted ' || posted || ' items match the reported ' || reported || ' (' || note || ').'
           WHEN 'mismatch' THEN 'Posted ' || posted || ' items differ from the reported ' || reported
                || ' by ' || difference || ' (' || note || ').'
           ELSE 'Not comparable: ' || note || '.' END AS message,
       json_object('scope', scope, 'status', status, 'difference', difference) AS sample
FROM core.reconciliation
WHERE scope = 'total'
