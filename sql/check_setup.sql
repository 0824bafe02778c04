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

-- One report per agency and year for cross-report checks (core.report_of_year), materialised.
CREATE OR REPLACE TEMP TABLE check_primary_reports AS SELECT * FROM core.report_of_year;
