-- id: report.carry_over
-- dimension: validity
-- severity: warn
-- tolerance: 0 applications
-- description: Applications carried over into year Y equal those the Y−1 report carried forward (the finding belongs to year Y).
-- empty: pass — only reports that state a carry-over are compared (legacy reports rarely do); with none stated, nothing can disagree.
WITH v AS (
    SELECT p.report_id, p.agency_id, p.report_year,
           COALESCE(max(f.value) FILTER (WHERE f.metric = 't3.carried_over.total'),
                    max(f.value) FILTER (WHERE f.metric = 'application.carried_over')) AS carried_over,
           COALESCE(max(f.value) FILTER (WHERE f.metric = 't3.carried_forward.total'),
                    max(f.value) FILTER (WHERE f.metric = 'application.carried_forward')) AS carried_forward,
           count(*) FILTER (WHERE f.metric IN ('t3.carried_over.total', 'application.carried_over')) AS states_over
    FROM check_primary_reports p LEFT JOIN check_figures f USING (report_id)
    GROUP BY ALL
)
SELECT cur.agency_id, cur.report_year,
       COALESCE(cur.carried_over, 0) AS observed, prev.carried_forward AS expected,
       CASE WHEN prev.report_id IS NULL THEN COALESCE(cur.carried_over, 0) = 0
            ELSE COALESCE(cur.carried_over, 0) = prev.carried_forward END AS ok,
       CASE WHEN prev.report_id IS NULL AND COALESCE(cur.carried_over, 0) <> 0
                THEN 'The report carries over ' || core.fmt(cur.carried_over) || ' applications but the ' || (cur.report_year - 1) || ' report is missing.'
            WHEN prev.report_id IS NULL THEN 'Nothing carried over and no ' || (cur.report_year - 1) || ' report to compare with.'
            WHEN COALESCE(cur.carried_over, 0) = prev.carried_forward
                THEN 'Carried over ' || core.fmt(COALESCE(cur.carried_over, 0)) || ' equals what the ' || (cur.report_year - 1) || ' report carried forward.'
            ELSE 'Carried over ' || core.fmt(COALESCE(cur.carried_over, 0)) || ' but the ' || (cur.report_year - 1)
                 || ' report carried forward ' || core.fmt(prev.carried_forward) || '.'
       END AS message,
       to_json({'report_id': cur.report_id, 'previous_report_id': prev.report_id}) AS sample
FROM v cur
LEFT JOIN v prev ON prev.agency_id = cur.agency_id AND prev.report_year = cur.report_year - 1
WHERE cur.states_over > 0
  AND (prev.report_id IS NULL OR prev.carried_forward IS NOT NULL)
