-- Bound by run_checks() before the checks run: parameters and the report figures in the
-- shapes the checks read, materialised once (temp tables; the checks name them unqualified).
-- check_params(run_id, today, ref_ts) is created by run_checks() itself.

CREATE OR REPLACE TEMP TABLE check_figures AS SELECT * FROM core.figure_values;

-- Reports whose OCR reading breaks their own arithmetic at a low-confidence cell
-- (parse_note ``ocr_uncertain: …``, status partial): the identity checks of tables 三/四
-- leave them out — the doubt is about the reading, not the agency's arithmetic.
CREATE OR REPLACE TEMP TABLE ocr_uncertain_reports AS
SELECT report_id FROM core.reports WHERE parse_note LIKE '%ocr_uncertain:%';

-- Table 三 cells as (report_id, row_key, col_key, v)
CREATE OR REPLACE TEMP TABLE check_t3 AS
SELECT report_id, agency_id, report_year,
       split_part(metric, '.', 2) AS row_key, split_part(metric, '.', 3) AS col_key, value AS v
FROM check_figures
WHERE metric LIKE 't3.%' AND metric NOT LIKE '%.pct'
  AND report_id NOT IN (SELECT report_id FROM ocr_uncertain_reports);

-- Table 四 cells as (report_id, grp, res, v)
CREATE OR REPLACE TEMP TABLE check_t4 AS
SELECT report_id, agency_id, report_year,
       split_part(metric, '.', 2) AS grp, split_part(metric, '.', 3) AS res, value AS v
FROM check_figures
WHERE metric LIKE 't4.%' AND metric NOT LIKE '%.pct'
  AND report_id NOT IN (SELECT report_id FROM ocr_uncertain_reports);

-- One report per agency and year for cross-report checks: one with figures, parsed, latest.
CREATE OR REPLACE TEMP TABLE check_primary_reports AS
SELECT * EXCLUDE (rn, n_figures) FROM (
    SELECT r.*, COALESCE(f.n, 0) AS n_figures,
           row_number() OVER (PARTITION BY r.agency_id, r.report_year
                              ORDER BY (COALESCE(f.n, 0) > 0) DESC, (r.parse_status = 'parsed') DESC,
                                       r.published_at DESC NULLS LAST, r.report_id) AS rn
    FROM core.reports r
    LEFT JOIN (SELECT report_id, count(*) AS n FROM core.report_figures GROUP BY report_id) f
      USING (report_id)
    WHERE r.agency_id IS NOT NULL AND r.report_year IS NOT NULL)
WHERE rn = 1;
