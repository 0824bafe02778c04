-- id: report.t3_balance
-- dimension: validity
-- severity: error
-- tolerance: 0 applications
-- description: Table 三 balances in every column: new received + carried over = total processed + carried forward (blank cells count as zero).
WITH w AS (
    SELECT report_id, agency_id, report_year, col_key,
           sum(COALESCE(v, 0)) FILTER (WHERE row_key = 'new_received') AS a,
           sum(COALESCE(v, 0)) FILTER (WHERE row_key = 'carried_over') AS b,
           sum(COALESCE(v, 0)) FILTER (WHERE row_key = 'total_processed') AS c,
           sum(COALESCE(v, 0)) FILTER (WHERE row_key = 'carried_forward') AS d,
           bool_or(v IS NULL) FILTER (WHERE row_key IN ('new_received', 'carried_over',
                                                        'total_processed', 'carried_forward')) AS has_blank
    FROM check_t3
    GROUP BY ALL
), k AS (
    SELECT *, COALESCE(a, 0) + COALESCE(b, 0) AS lhs, COALESCE(c, 0) + COALESCE(d, 0) AS rhs,
           CASE WHEN COALESCE(a, 0) + COALESCE(b, 0) = COALESCE(c, 0) + COALESCE(d, 0) THEN NULL
                WHEN has_blank THEN 'total_missing' ELSE 'sum_mismatch' END AS problem
    FROM w
    WHERE a IS NOT NULL OR b IS NOT NULL OR c IS NOT NULL OR d IS NOT NULL
)
SELECT agency_id, report_year,
       max(lhs) FILTER (WHERE col_key = 'total') AS observed,
       max(rhs) FILTER (WHERE col_key = 'total') AS expected,
       count(problem) = 0 AS ok,
       CASE WHEN count(problem) = 0 THEN 'Table 三 balances in all ' || count(*) || ' columns.'
            WHEN count(problem) FILTER (WHERE problem = 'sum_mismatch') = 0
                THEN 'total_missing: blank cells leave table 三 unbalanced in ' || count(problem) || ' column(s).'
            ELSE 'sum_mismatch: table 三 does not balance in ' || count(problem) || ' column(s) (new + carried over <> processed + carried forward).'
       END AS message,
       to_json({'report_id': report_id,
                'columns': list({'col': col_key, 'in': lhs, 'out': rhs, 'problem': problem} ORDER BY col_key)
                           FILTER (WHERE problem IS NOT NULL)}) AS sample
FROM k
GROUP BY report_id, agency_id, report_year
