-- id: report.parse_health
-- dimension: completeness
-- severity: error
-- tolerance: every report parsed; the share of reports parsed at least checks.parse_health_floor (config, default 0.9)
-- description: Every annual report was parsed: a failed or unsupported parse is an error-severity fail row and a partial one a warn row (each with its parse_note), and one row per run (per district when the warehouse holds several) compares the share of reports parsed with the configured floor.
WITH per_report AS (
    SELECT r.agency_id, r.report_year,
           CASE WHEN r.parse_status = 'parsed' THEN 1.0 ELSE 0.0 END AS observed, 1.0 AS expected,
           r.parse_status = 'parsed' AS ok,
           -- a report we could not read is an error-severity finding (fail), not a check that
           -- could not run: the check did run, and found the report unreadable
           NULL AS status,
           CASE WHEN r.parse_status = 'partial' THEN 'warn' END AS severity,
           CASE COALESCE(r.parse_status, 'unknown')
               WHEN 'parsed' THEN 'The report was parsed (' || COALESCE(r.source_format, '?') || ', template '
                    || COALESCE(r.template, '?') || ').'
               WHEN 'partial' THEN 'The report was parsed only in part, so its checks are incomplete: '
                    || COALESCE(r.parse_note, 'no note') || '.'
               ELSE 'The report could not be parsed (' || COALESCE(r.parse_status, 'no status')
                    || '), so none of its figures were checked: ' || COALESCE(r.parse_note, 'no note') || '.'
           END AS message,
           to_json({'report_id': r.report_id, 'url': r.url, 'parse_status': r.parse_status,
                    'parse_note': r.parse_note}) AS sample
    FROM core.reports r
), per_district AS (
    -- with several districts, one run-level row per district (scope: the district id; a
    -- report of no known agency counts in the row without a district); else the one row
    SELECT r.*, CASE WHEN (SELECT count(DISTINCT district_id) FROM core.agencies) > 1
                     THEN a.district_id END AS district
    FROM core.reports r LEFT JOIN core.agencies a USING (agency_id)
), per_run AS (
    SELECT NULL AS agency_id, NULL AS report_year,
           count(*) FILTER (WHERE r.parse_status = 'parsed') / nullif(count(*), 0) AS observed,
           p.parse_health_floor AS expected,
           count(*) FILTER (WHERE r.parse_status = 'parsed') / nullif(count(*), 0) >= p.parse_health_floor AS ok,
           CASE WHEN count(r.report_id) = 0 THEN 'error' END AS status,
           NULL AS severity,
           CASE WHEN r.district IS NOT NULL THEN 'District ' || r.district || ': ' ELSE '' END ||
           CASE WHEN count(r.report_id) = 0
                    THEN 'Nothing was checked: the warehouse holds no annual report.'
                ELSE count(*) FILTER (WHERE r.parse_status = 'parsed') || ' of ' || count(*)
                     || ' reports parsed (' || round(100.0 * count(*) FILTER (WHERE r.parse_status = 'parsed') / count(*), 1)
                     || '%; floor ' || round(100.0 * p.parse_health_floor, 1) || '%), '
                     || count(*) FILTER (WHERE r.parse_status = 'partial') || ' partial, '
                     || count(*) FILTER (WHERE r.parse_status IS DISTINCT FROM 'parsed'
                                         AND r.parse_status IS DISTINCT FROM 'partial') || ' failed or unsupported.'
           END AS message,
           CASE WHEN r.district IS NULL
               THEN to_json({'by_status': histogram(COALESCE(r.parse_status, 'unknown'))
                                          FILTER (WHERE r.report_id IS NOT NULL)})
               ELSE to_json({'scope': r.district, 'district_id': r.district,
                             'by_status': histogram(COALESCE(r.parse_status, 'unknown'))})
           END AS sample
    FROM check_params p LEFT JOIN per_district r ON TRUE
    GROUP BY p.parse_health_floor, r.district
)
SELECT * FROM per_report
UNION ALL BY NAME
SELECT * FROM per_run
