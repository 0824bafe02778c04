-- id: coverage.report_missing
-- dimension: completeness
-- severity: error
-- tolerance: 0 reports
-- description: Every agency has a report for each year whose deadline has passed (≤2018: 31 March; ≥2019: 31 January, district government 31 March), from the year of its first posted item.
-- empty: pass — no agency with posted items has a report due yet (the first year's deadline has not passed).
WITH a AS (
    SELECT ag.agency_id, ag.name, min(year(i.published_at)) AS first_year
    FROM core.agencies ag JOIN core.items i USING (agency_id)
    WHERE i.published_at IS NOT NULL
    GROUP BY ALL
), due AS (
    SELECT agency_id, name, y FROM (
        SELECT a.agency_id, a.name, unnest(generate_series(a.first_year, year(p.today) - 1)) AS y, p.today
        FROM a CROSS JOIN check_params p)
    WHERE core.report_deadline(name, y) < today
)
SELECT d.agency_id, d.y AS report_year,
       CAST(count(r.report_id) AS DOUBLE) AS observed, 1.0 AS expected,
       count(r.report_id) > 0 AS ok,
       CASE WHEN count(r.report_id) > 0 AND count(r.report_id) FILTER (WHERE r.parse_status IN ('parsed', 'partial')) = 0
                THEN 'The ' || d.y || ' report is present but could not be parsed (see report.parse_health).'
            WHEN count(r.report_id) > 0 THEN 'The ' || d.y || ' report is present.'
            ELSE 'No ' || d.y || ' report found although it was due by '
                 || strftime(core.report_deadline(d.name, d.y), '%Y-%m-%d') || '.' END AS message,
       to_json({'due_by': core.report_deadline(d.name, d.y), 'reports': list(r.report_id) FILTER (WHERE r.report_id IS NOT NULL)}) AS sample
FROM due d
LEFT JOIN core.reports r ON r.agency_id = d.agency_id AND r.report_year = d.y
GROUP BY d.agency_id, d.name, d.y
