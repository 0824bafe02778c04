-- id: report.t3_rowsum
-- dimension: validity
-- severity: error
-- tolerance: 0 applications
-- description: In every row of table 三 the 总计 column equals the sum of the six applicant columns.
WITH w AS (
    SELECT report_id, agency_id, report_year, row_key,
           sum(COALESCE(v, 0)) FILTER (WHERE col_key <> 'total') AS parts,
           count(*) FILTER (WHERE col_key = 'total') AS has_total,
           max(v) FILTER (WHERE col_key = 'total') AS total
    FROM check_t3
    GROUP BY ALL
), k AS (
    SELECT *, COALESCE(parts, 0) AS p,
           CASE WHEN total IS NULL AND COALESCE(parts, 0) <> 0 THEN 'total_missing'
                WHEN total IS NOT NULL AND parts IS NOT NULL AND total <> parts THEN 'sum_mismatch' END AS problem
    FROM w
    WHERE has_total > 0 AND parts IS NOT NULL
)
SELECT agency_id, report_year,
       CAST(count(problem) AS DOUBLE) AS observed, 0.0 AS expected,
       count(problem) = 0 AS ok,
       CASE WHEN count(problem) = 0 THEN 'The 总计 column equals the sum of the applicant columns in all ' || count(*) || ' rows.'
            WHEN count(problem) FILTER (WHERE problem = 'sum_mismatch') = 0
                THEN 'total_missing: the 总计 cell is blank while the applicant columns are not, in ' || count(problem) || ' row(s).'
            ELSE 'sum_mismatch: the 总计 column differs from the sum of the applicant columns in ' || count(problem) || ' row(s).'
       END AS message,
       to_json({'report_id': report_id,
                'rows': list({'row': row_key, 'parts': p, 'total': total, 'problem': problem} ORDER BY row_key)
                        FILTER (WHERE problem IS NOT NULL)}) AS sample
FROM k
GROUP BY report_id, agency_id, report_year
