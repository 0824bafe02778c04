-- id: report.t3_outcomes
-- dimension: validity
-- severity: error
-- tolerance: 0 applications
-- description: Table 三's total processed equals the sum of its outcome rows in every column (granted, partial, denied, unable, not processed, other).
WITH w AS (
    SELECT report_id, agency_id, report_year, col_key,
           sum(COALESCE(v, 0)) FILTER (WHERE regexp_full_match(row_key,
               '(granted|partial|denied_[0-9]+|unable_[0-9]+|notproc_[0-9]+|other|other_[0-9]+)')) AS parts,
           count(*) FILTER (WHERE row_key = 'total_processed') AS has_total,
           max(v) FILTER (WHERE row_key = 'total_processed') AS total
    FROM check_t3
    GROUP BY ALL
), k AS (
    SELECT *, COALESCE(parts, 0) AS p,
           CASE WHEN total IS NULL AND COALESCE(parts, 0) <> 0 THEN 'total_missing'
                WHEN total IS NOT NULL AND total <> COALESCE(parts, 0) THEN 'sum_mismatch' END AS problem
    FROM w
    WHERE has_total > 0 OR parts IS NOT NULL
)
SELECT agency_id, report_year,
       max(p) FILTER (WHERE col_key = 'total') AS observed,
       max(total) FILTER (WHERE col_key = 'total') AS expected,
       count(problem) = 0 AS ok,
       CASE WHEN count(problem) = 0 THEN 'The outcome rows add up to total processed in all ' || count(*) || ' columns.'
            WHEN count(problem) FILTER (WHERE problem = 'sum_mismatch') = 0
                THEN 'total_missing: total processed is blank while its outcome rows are not, in ' || count(problem) || ' column(s).'
            ELSE 'sum_mismatch: the outcome rows do not add up to total processed in ' || count(problem) || ' column(s).'
       END AS message,
       to_json({'report_id': report_id,
                'columns': list({'col': col_key, 'outcomes': p, 'total_processed': total, 'problem': problem} ORDER BY col_key)
                           FILTER (WHERE problem IS NOT NULL)}) AS sample
FROM k
GROUP BY report_id, agency_id, report_year
