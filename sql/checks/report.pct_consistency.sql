-- id: report.pct_consistency
-- dimension: validity
-- severity: warn
-- tolerance: 1 percentage point
-- description: Stated percentages (占…%) agree with count ÷ total (applications by channel and outcome vs received, categories vs the proactive total).
-- empty: pass — reports need not state percentages; with none stated, none can disagree.
WITH pct AS (
    SELECT p.report_id, p.agency_id, p.report_year, p.metric, p.value AS pct,
           c.value AS cnt,
           CASE WHEN p.metric LIKE 'application.mode.%' THEN rcv.value
                WHEN p.metric LIKE 'application.outcome.%' THEN COALESCE(prc.value, rcv.value)
                WHEN p.metric LIKE 'active.category.%' OR p.metric LIKE 'active.channel.%' THEN tot.value
           END AS base
    FROM check_figures p
    JOIN check_figures c ON c.report_id = p.report_id AND c.metric = substr(p.metric, 1, length(p.metric) - 4)
    LEFT JOIN check_figures rcv ON rcv.report_id = p.report_id AND rcv.metric = 'application.received'
    LEFT JOIN check_figures prc ON prc.report_id = p.report_id AND prc.metric = 'application.processed'
    LEFT JOIN check_figures tot ON tot.report_id = p.report_id AND tot.metric = 'active.total'
    WHERE p.metric LIKE '%.pct' AND p.value IS NOT NULL AND c.value IS NOT NULL
), k AS (
    SELECT *, round(100.0 * cnt / base, 2) AS computed,
           abs(100.0 * cnt / base - pct) > 1.0 AS bad
    FROM pct WHERE base IS NOT NULL AND base > 0
)
SELECT agency_id, report_year,
       CAST(count(*) FILTER (WHERE bad) AS DOUBLE) AS observed, 0.0 AS expected,
       count(*) FILTER (WHERE bad) = 0 AS ok,
       CASE WHEN count(*) FILTER (WHERE bad) = 0
                THEN 'All ' || count(*) || ' stated percentages agree with count ÷ total.'
            ELSE count(*) FILTER (WHERE bad) || ' of ' || count(*) || ' stated percentages differ from count ÷ total by more than 1 point.'
       END AS message,
       to_json({'report_id': report_id,
                'percentages': list({'metric': metric, 'stated': pct, 'computed': computed} ORDER BY metric)
                               FILTER (WHERE bad)}) AS sample
FROM k
GROUP BY report_id, agency_id, report_year
