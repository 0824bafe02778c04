-- id: report.t4_sum
-- dimension: validity
-- severity: error
-- tolerance: 0 cases
-- description: In table 四 each group's 总计 equals upheld + corrected + other + pending (review, direct suit, suit after review).
WITH w AS (
    SELECT report_id, agency_id, report_year, grp,
           sum(COALESCE(v, 0)) FILTER (WHERE res IN ('upheld', 'corrected', 'other', 'pending')) AS parts,
           count(*) FILTER (WHERE res = 'total') AS has_total,
           max(v) FILTER (WHERE res = 'total') AS total
    FROM check_t4
    GROUP BY ALL
), k AS (
    SELECT *, COALESCE(parts, 0) AS p,
           CASE WHEN total IS NULL AND COALESCE(parts, 0) <> 0 THEN 'total_missing'
                WHEN total IS NOT NULL AND total <> COALESCE(parts, 0) THEN 'sum_mismatch' END AS problem
    FROM w
)
SELECT agency_id, report_year,
       CAST(count(problem) AS DOUBLE) AS observed, 0.0 AS expected,
       count(problem) = 0 AS ok,
       CASE WHEN count(problem) = 0 THEN 'Table 四 adds up in all ' || count(*) || ' groups.'
            WHEN count(problem) FILTER (WHERE problem = 'sum_mismatch') = 0
                THEN 'total_missing: a group''s 总计 is blank while its results are not, in ' || count(problem) || ' group(s).'
            ELSE 'sum_mismatch: table 四''s 总计 differs from the sum of results in ' || count(problem) || ' group(s).'
       END AS message,
       to_json({'report_id': report_id,
                'groups': list({'group': grp, 'parts': p, 'total': total, 'problem': problem} ORDER BY grp)
                          FILTER (WHERE problem IS NOT NULL)}) AS sample
FROM k
GROUP BY report_id, agency_id, report_year
