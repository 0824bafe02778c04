-- id: reconcile.active_category
-- dimension: reconciliation
-- severity: error
-- tolerance: reconcile.tolerance_abs items or reconcile.tolerance_pct of reported (config; applied by the reconciliation)
-- description: Each category count a report states (active.category.<label>) equals the items posted in its year in the mapped catalog categories; an unmapped category or a year not fully listed is a skip.
-- empty: pass — a report need not break its total down by category; the total is reconcile.active_total's.
SELECT agency_id, report_year,
       CAST(posted AS DOUBLE) AS observed, CAST(reported AS DOUBLE) AS expected,
       CASE WHEN status = 'not_comparable' THEN NULL ELSE status <> 'mismatch' END AS ok,
       CASE status
           WHEN 'match' THEN 'Category ' || scope || ': posted ' || posted || ' items match the reported '
                || reported || ' (' || note || ').'
           WHEN 'mismatch' THEN 'Category ' || scope || ': posted ' || posted
                || ' items differ from the reported ' || reported || ' by ' || difference
                || ' (' || note || ').'
           ELSE 'Category ' || scope || ' not comparable: ' || note || '.' END AS message,
       json_object('scope', scope, 'status', status, 'difference', difference) AS sample
FROM core.reconciliation
WHERE scope <> 'total' AND NOT core.is_side_scope(scope)
