-- id: reconcile.active_category
-- dimension: reconciliation
-- severity: error
-- tolerance: reconcile.tolerance_abs items or reconcile.tolerance_pct of reported (config; applied by the reconciliation)
-- description: Each category count a report states (active.category.<label>) equals the items posted in its year in the mapped catalog categories.
SELECT agency_id, report_year,
       CAST(posted AS DOUBLE) AS observed, CAST(reported AS DOUBLE) AS expected,
       status <> 'mismatch' AS ok,
       CASE status
           WHEN 'match' THEN 'Category ' || scope || ': posted ' || posted || ' items match the reported '
                || reported || ' (' || note || ').'
           WHEN 'mismatch' THEN 'Category ' || scope || ': posted ' || posted
                || ' items differ from the reported ' || reported || ' by ' || difference
                || ' (' || note || ').'
           ELSE 'Category ' || scope || ' not comparable: ' || note || '.' END AS message,
       json_object('scope', scope, 'status', status, 'difference', difference) AS sample
FROM core.reconciliation
WHERE scope <> 'total'
