-- id: report.application_modes_sum
-- dimension: validity
-- severity: error
-- tolerance: 0 applications
-- description: Applications by channel (当面/网络/信函/传真/电子邮件/其他) add up to the applications received.
-- empty: pass — a report need not break applications down by channel (the 2019/2021 tables do not); with no channel stated, nothing can disagree.
WITH m AS (
    SELECT report_id, agency_id, report_year, sum(COALESCE(value, 0)) AS parts,
           list(json_object('metric', metric, 'value', value) ORDER BY metric) AS modes
    FROM check_figures
    WHERE metric LIKE 'application.mode.%' AND metric NOT LIKE '%.pct'
    GROUP BY ALL
)
SELECT m.agency_id, m.report_year, m.parts AS observed, r.value AS expected,
       CASE WHEN r.value IS NULL THEN m.parts = 0 ELSE r.value = m.parts END AS ok,
       CASE WHEN r.value IS NULL AND m.parts <> 0
                THEN 'total_missing: applications by channel add up to ' || core.fmt(m.parts) || ' but the report states no applications received.'
            WHEN r.value IS NULL THEN 'Applications by channel are all zero and no total is stated.'
            WHEN r.value = m.parts THEN 'Applications by channel add up to the ' || core.fmt(r.value) || ' received.'
            ELSE 'sum_mismatch: applications by channel add up to ' || core.fmt(m.parts) || ', applications received are ' || core.fmt(r.value) || '.'
       END AS message,
       to_json({'report_id': m.report_id, 'modes': m.modes}) AS sample
FROM m LEFT JOIN check_figures r ON r.report_id = m.report_id AND r.metric = 'application.received'
