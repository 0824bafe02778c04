-- id: report.category_sum
-- dimension: validity
-- severity: warn
-- tolerance: 0 items
-- description: The category counts a report lists add up to its stated proactive total (warn: channels are sometimes folded in).
-- empty: pass — a report need not list category counts; with none listed, nothing can disagree.
WITH c AS (
    SELECT report_id, agency_id, report_year, sum(COALESCE(value, 0)) AS parts,
           list(json_object('metric', metric, 'value', value) ORDER BY metric) AS cats
    FROM check_figures
    WHERE metric LIKE 'active.category.%' AND metric NOT LIKE '%.pct'
    GROUP BY ALL
)
SELECT c.agency_id, c.report_year, c.parts AS observed, t.value AS expected,
       CASE WHEN t.value IS NULL THEN c.parts = 0 ELSE c.parts = t.value END AS ok,
       CASE WHEN t.value IS NULL AND c.parts <> 0
                THEN 'total_missing: the categories add up to ' || core.fmt(c.parts) || ' but the report states no proactive total.'
            WHEN t.value IS NULL THEN 'The categories are all zero and the report states no proactive total.'
            WHEN c.parts = t.value THEN 'The categories add up to the stated total ' || core.fmt(t.value) || '.'
            ELSE 'sum_mismatch: the categories add up to ' || core.fmt(c.parts) || ', the stated total is ' || core.fmt(t.value) || '.'
       END AS message,
       to_json({'report_id': c.report_id, 'categories': c.cats}) AS sample
FROM c LEFT JOIN check_figures t ON t.report_id = c.report_id AND t.metric = 'active.total'
