-- id: report.copied_from_previous_year
-- dimension: validity
-- severity: warn
-- tolerance: identical document, or identical figures (at least 5, not all zero)
-- description: A report is not a copy of the same agency's previous-year report (same document, or every figure identical).
WITH v AS (
    SELECT p.report_id, p.agency_id, p.report_year, p.sha256, p.url,
           bit_xor(hash(f.metric, f.value)) AS vec,  -- order-free fingerprint of every figure
           count(f.metric) AS n, bool_or(COALESCE(f.value, 0) <> 0) AS nonzero
    FROM check_primary_reports p LEFT JOIN check_figures f USING (report_id)
    GROUP BY ALL
), k AS (
    SELECT cur.*, prev.report_id AS prev_id, prev.url AS prev_url, prev.n AS prev_n,
           cur.sha256 IS NOT NULL AND cur.sha256 = prev.sha256 AS same_doc,
           cur.n >= 5 AND cur.nonzero AND cur.vec = prev.vec AS same_figures
    FROM v cur JOIN v prev ON prev.agency_id = cur.agency_id AND prev.report_year = cur.report_year - 1
)
SELECT agency_id, report_year,
       CASE WHEN same_doc OR same_figures THEN 1.0 ELSE 0.0 END AS observed, 0.0 AS expected,
       CASE WHEN same_doc OR same_figures THEN FALSE
            WHEN n = 0 OR prev_n = 0 THEN NULL ELSE TRUE END AS ok,
       CASE WHEN same_doc THEN 'The report is the same document as the ' || (report_year - 1) || ' report.'
            WHEN same_figures THEN 'All ' || n || ' figures are identical to the ' || (report_year - 1) || ' report''s.'
            WHEN n = 0 OR prev_n = 0 THEN 'Skipped: ' || CASE WHEN n = 0 THEN 'the report' ELSE 'the '
                 || (report_year - 1) || ' report' END || ' states no figure to compare (a different document).'
            ELSE 'The report differs from the ' || (report_year - 1) || ' report.' END AS message,
       to_json({'report_id': report_id, 'url': url, 'previous_report_id': prev_id, 'previous_url': prev_url}) AS sample
FROM k
