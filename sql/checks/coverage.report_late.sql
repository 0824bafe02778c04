-- id: coverage.report_late
-- dimension: completeness
-- severity: warn
-- tolerance: 0 days (the deadline day itself is on time; dates in Asia/Shanghai)
-- description: Each report was published by its deadline (≤2018: 31 March; ≥2019: 31 January for departments and street offices, 31 March for the district government).
SELECT r.agency_id, r.report_year,
       CAST(date_diff('day', core.report_deadline(COALESCE(a.name, r.publisher), r.report_year), CAST(r.published_at AS DATE)) AS DOUBLE) AS observed,
       0.0 AS expected,
       CAST(r.published_at AS DATE) <= core.report_deadline(COALESCE(a.name, r.publisher), r.report_year) AS ok,
       CASE WHEN CAST(r.published_at AS DATE) <= core.report_deadline(COALESCE(a.name, r.publisher), r.report_year)
                THEN 'Published ' || strftime(r.published_at, '%Y-%m-%d') || ', on time (due by '
                     || strftime(core.report_deadline(COALESCE(a.name, r.publisher), r.report_year), '%Y-%m-%d') || ').'
            ELSE 'Published ' || strftime(r.published_at, '%Y-%m-%d') || ', '
                 || date_diff('day', core.report_deadline(COALESCE(a.name, r.publisher), r.report_year), CAST(r.published_at AS DATE))
                 || ' days after the deadline ' || strftime(core.report_deadline(COALESCE(a.name, r.publisher), r.report_year), '%Y-%m-%d') || '.'
       END AS message,
       to_json({'report_id': r.report_id, 'url': r.url, 'published_at': r.published_at}) AS sample
FROM core.reports r LEFT JOIN core.agencies a USING (agency_id)
WHERE r.published_at IS NOT NULL AND r.report_year IS NOT NULL
