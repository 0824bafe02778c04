-- Table 三 per column: new + carried over against processed + carried forward.
WITH t3 AS (
    SELECT agency_id, report_year,
           split_part(metric, '.', 3) AS col, split_part(metric, '.', 2) AS row_key, value
    FROM report_figures WHERE metric LIKE 't3.%')
SELECT agency_id, report_year, col,
       sum(COALESCE(value, 0)) FILTER (WHERE row_key IN ('new_received', 'carried_over')) AS incoming,
       sum(COALESCE(value, 0)) FILTER (WHERE row_key IN ('total_processed', 'carried_forward')) AS outgoing
FROM t3 GROUP BY ALL
HAVING incoming <> outgoing
ORDER BY agency_id, report_year, col;
