-- The agency scorecard (contract.md §8; method: docs/scorecard.md). Read by ensure_schema()
-- after findings.sql (it reads core.check_runs). Idempotent.
--
-- Staged: core.check_latest (each check's latest results) → core.scorecard_checks (which
-- checks are the evidence of which criterion) → core.scorecard_evidence (their verdict per
-- agency, year and criterion) → core.scorecard_years (the agency × year rows) → the analyst
-- view agency_scorecard. Every criterion is TRUE, FALSE or NULL (cannot tell; the note says
-- why) and scores 1 only when TRUE.

-- The rows of each check's latest run (runs ordered per check by checked_at, as in findings:
-- a freshness-only run moves crawl.freshness on without hiding the other checks).
CREATE OR REPLACE VIEW core.check_latest AS
SELECT c.*
FROM core.check_results c
JOIN (SELECT check_id, arg_max(run_id, checked_at) AS run_id FROM core.check_runs GROUP BY check_id) l
  USING (check_id, run_id);
COMMENT ON VIEW core.check_latest IS 'check_results of the latest run of each check (per check, by checked_at).';

-- Which checks are the evidence of which criterion; year_bound FALSE: agency-level checks
-- (report_year NULL) that apply to every year of the agency.
CREATE OR REPLACE VIEW core.scorecard_checks AS
SELECT * FROM (VALUES
    ('on_time', 'coverage.report_late', TRUE),
    ('identities_hold', 'report.category_sum', TRUE),
    ('identities_hold', 'report.t3_balance', TRUE),
    ('identities_hold', 'report.t3_outcomes', TRUE),
    ('identities_hold', 'report.t3_rowsum', TRUE),
    ('identities_hold', 'report.t4_sum', TRUE),
    ('identities_hold', 'report.application_modes_sum', TRUE),
    ('identities_hold', 'report.pct_consistency', TRUE),
    ('identities_hold', 'report.text_vs_table', TRUE),
    ('not_copied', 'report.copied_from_previous_year', TRUE),
    ('not_copied', 'report.copied_from_other_agency', TRUE),
    ('catalog_fresh', 'crawl.freshness', FALSE),
    ('catalog_fresh', 'crawl.empty_listing', FALSE)
) t(criterion, check_id, year_bound);
COMMENT ON VIEW core.scorecard_checks IS 'The checks whose latest results decide a scorecard criterion (docs/scorecard.md); year_bound FALSE: an agency-level check that applies to every year.';

-- One verdict per agency × year (NULL for agency-level checks) × criterion: FALSE when a
-- check fails or warns, NULL when one could not run (error) or none passed, else TRUE.
CREATE OR REPLACE VIEW core.scorecard_evidence AS
WITH rows AS (
    SELECT m.criterion, c.agency_id, CASE WHEN m.year_bound THEN c.report_year END AS report_year,
           c.check_id, c.status, c.message
    FROM core.check_latest c JOIN core.scorecard_checks m USING (check_id)
    WHERE c.agency_id IS NOT NULL AND (c.report_year IS NOT NULL OR NOT m.year_bound)
), agg AS (
    SELECT criterion, agency_id, report_year,
           count(*) FILTER (WHERE status = 'pass') AS n_pass,
           count(*) FILTER (WHERE status IN ('fail', 'warn')) AS n_bad,
           count(*) FILTER (WHERE status = 'error') AS n_error,
           string_agg(check_id || ': ' || message, ' | ' ORDER BY check_id, message)
               FILTER (WHERE status IN ('fail', 'warn')) AS bad,
           string_agg(check_id || ': ' || message, ' | ' ORDER BY check_id, message)
               FILTER (WHERE status = 'error') AS errors,
           string_agg(check_id || ': ' || message, ' | ' ORDER BY check_id, message)
               FILTER (WHERE status = 'skip') AS skips,
           string_agg(DISTINCT check_id, ', ' ORDER BY check_id) FILTER (WHERE status = 'pass') AS passed
    FROM rows GROUP BY ALL
)
SELECT criterion, agency_id, report_year,
       CASE WHEN n_bad > 0 THEN FALSE WHEN n_error > 0 OR n_pass = 0 THEN NULL ELSE TRUE END AS verdict,
       CASE WHEN n_bad > 0 THEN bad
            WHEN n_error > 0 THEN 'cannot tell, a check could not run: ' || errors
            WHEN n_pass = 0 THEN 'cannot tell, nothing comparable: ' || COALESCE(skips, 'no result')
            ELSE 'pass: ' || passed END AS note
FROM agg;
COMMENT ON VIEW core.scorecard_evidence IS 'Verdict of each scorecard criterion decided by checks, per agency, report year (NULL for agency-level checks) and criterion, with the note saying why.';

-- The scorecard's rows: every year coverage.report_missing found due for the agency (its
-- latest results: one row per agency and due year) and every year the agency has a report.
CREATE OR REPLACE VIEW core.scorecard_years AS
SELECT agency_id, report_year,
       bool_or(check_id = 'coverage.report_missing' AND status = 'fail') AS reported_missing,
       any_value(message) FILTER (WHERE check_id = 'coverage.report_missing') AS missing_note
FROM (SELECT agency_id, report_year, check_id, status, message FROM core.check_latest
      WHERE check_id = 'coverage.report_missing'
      UNION ALL
      SELECT agency_id, report_year, NULL, NULL, NULL FROM core.reports)
WHERE agency_id IS NOT NULL AND report_year IS NOT NULL
GROUP BY agency_id, report_year;
COMMENT ON VIEW core.scorecard_years IS 'Agency × report year rows of the scorecard: the years coverage.report_missing found due, and the years with a report.';

-- Reconciliation verdict per agency × year: FALSE on any mismatch (total or a category);
-- TRUE when the total matches and nothing mismatches; else NULL (not_comparable is no pass).
CREATE OR REPLACE VIEW core.scorecard_reconciliation AS
SELECT agency_id, report_year,
       CASE WHEN bool_or(status = 'mismatch') THEN FALSE
            WHEN bool_or(scope = 'total' AND status = 'match') THEN TRUE END AS verdict,
       CASE WHEN bool_or(status = 'mismatch')
                THEN string_agg(scope || ': posted ' || posted || ', reported ' || reported
                                || ' (difference ' || difference || ')', ' | ' ORDER BY scope <> 'total', scope)
                     FILTER (WHERE status = 'mismatch')
            WHEN bool_or(scope = 'total' AND status = 'match')
                THEN 'total matches (posted ' || any_value(posted) FILTER (WHERE scope = 'total') || ')'
                     || '; categories: ' || count(*) FILTER (WHERE scope <> 'total' AND status = 'match')
                     || ' match, ' || count(*) FILTER (WHERE scope <> 'total' AND status = 'not_comparable')
                     || ' not comparable'
            ELSE 'cannot tell, total not comparable: '
                 || COALESCE(any_value(note) FILTER (WHERE scope = 'total'), 'no total row') END AS note
FROM core.reconciliation
WHERE NOT core.is_side_scope(scope)
GROUP BY agency_id, report_year;
COMMENT ON VIEW core.scorecard_reconciliation IS 'Reconciliation verdict of the scorecard per agency × year (total and category scopes; channels and district-wide figures left out).';

-- 1 point for TRUE; FALSE and NULL (cannot tell) score 0.
CREATE OR REPLACE MACRO core.score(verdict) AS CASE WHEN verdict THEN 1 ELSE 0 END;

CREATE OR REPLACE VIEW agency_scorecard AS
WITH base AS (
    SELECT y.agency_id, y.report_year, y.missing_note, a.name AS agency_name, a.district_id,
           a.district_name, r.report_id, r.published_at, r.url, r.parse_status, r.parse_note,
           r.template, r.figures_found, r.figures_expected,
           fresh.verdict AS fresh, fresh.note AS fresh_note
    FROM core.scorecard_years y
    LEFT JOIN core.agencies a USING (agency_id)
    LEFT JOIN core.report_of_year r USING (agency_id, report_year)
    LEFT JOIN core.scorecard_evidence fresh
      ON fresh.criterion = 'catalog_fresh' AND fresh.agency_id = y.agency_id AND fresh.report_year IS NULL
), ev AS (
    SELECT b.*,
           CASE WHEN b.report_id IS NOT NULL THEN TRUE WHEN b.fresh THEN FALSE END AS published,
           CASE WHEN b.report_id IS NOT NULL
                    THEN 'report ' || b.report_id || ' published '
                         || COALESCE(strftime(b.published_at, '%Y-%m-%d'), '(date unknown)') || ': ' || COALESCE(b.url, '')
                WHEN b.fresh THEN COALESCE(b.missing_note, 'No report found.')
                ELSE 'cannot tell: no report found, but the catalog is not known to be fully listed ('
                     || COALESCE(b.fresh_note, 'no freshness result') || '), so it may exist' END AS published_note,
           t.verdict AS t_verdict, t.note AS t_note,
           i.verdict AS i_verdict, i.note AS i_note,
           c.verdict AS c_verdict, c.note AS c_note,
           rec.verdict AS rec_verdict, rec.note AS rec_note
    FROM base b
    LEFT JOIN core.scorecard_evidence t ON t.criterion = 'on_time' AND t.agency_id = b.agency_id AND t.report_year = b.report_year
    LEFT JOIN core.scorecard_evidence i ON i.criterion = 'identities_hold' AND i.agency_id = b.agency_id AND i.report_year = b.report_year
    LEFT JOIN core.scorecard_evidence c ON c.criterion = 'not_copied' AND c.agency_id = b.agency_id AND c.report_year = b.report_year
    LEFT JOIN core.scorecard_reconciliation rec ON rec.agency_id = b.agency_id AND rec.report_year = b.report_year
), crit AS (
    SELECT agency_id, agency_name, district_id, district_name, report_year, report_id,
           published, published_note,
           CASE WHEN report_id IS NOT NULL THEN t_verdict WHEN published = FALSE THEN FALSE END AS on_time,
           CASE WHEN report_id IS NOT NULL
                    THEN COALESCE(t_note, 'cannot tell: ' || CASE WHEN published_at IS NULL THEN 'the publication date is unknown'
                                                                 ELSE 'coverage.report_late has not checked this report yet' END)
                WHEN published = FALSE THEN 'not published by the deadline: ' || COALESCE(missing_note, '')
                ELSE 'cannot tell: whether the report was published is unknown' END AS on_time_note,
           CASE parse_status WHEN 'parsed' THEN TRUE WHEN 'partial' THEN FALSE WHEN 'failed' THEN FALSE
                WHEN 'unsupported' THEN FALSE END AS parse_complete,
           CASE WHEN report_id IS NULL THEN 'cannot tell: no report'
                WHEN parse_status = 'parsed' THEN 'parsed: ' || COALESCE(figures_found || '/' || figures_expected || ' core figures, ', '')
                     || 'template ' || COALESCE(template, '?')
                WHEN parse_status IS NULL THEN 'cannot tell: no parse status'
                ELSE parse_status || ': ' || COALESCE(parse_note, 'no note') END AS parse_complete_note,
           CASE WHEN report_id IS NOT NULL THEN rec_verdict END AS reconciles,
           CASE WHEN report_id IS NULL THEN 'cannot tell: no report'
                ELSE COALESCE(rec_note, 'cannot tell: no reconciliation row (the report states no figure read)') END AS reconciles_note,
           CASE WHEN report_id IS NOT NULL THEN i_verdict END AS identities_hold,
           CASE WHEN report_id IS NULL THEN 'cannot tell: no report'
                ELSE COALESCE(i_note, 'cannot tell: no identity check covered the report (parse_status '
                              || COALESCE(parse_status, '?') || ', template ' || COALESCE(template, '?') || ')') END AS identities_hold_note,
           CASE WHEN report_id IS NOT NULL THEN c_verdict END AS not_copied,
           CASE WHEN report_id IS NULL THEN 'cannot tell: no report'
                ELSE COALESCE(c_note, 'cannot tell: no copy check covered the report') END AS not_copied_note,
           fresh AS catalog_fresh,
           COALESCE(fresh_note, 'cannot tell: the agency has no catalog checked by crawl.freshness') AS catalog_fresh_note
    FROM ev
), scored AS (
    SELECT *,
           core.score(published) AS published_score, core.score(on_time) AS on_time_score,
           core.score(parse_complete) AS parse_complete_score, core.score(reconciles) AS reconciles_score,
           core.score(identities_hold) AS identities_hold_score, core.score(not_copied) AS not_copied_score,
           core.score(catalog_fresh) AS catalog_fresh_score
    FROM crit
)
SELECT agency_id, district_id, district_name, agency_name, report_year, report_id,
       published, published_note, published_score,
       on_time, on_time_note, on_time_score,
       parse_complete, parse_complete_note, parse_complete_score,
       reconciles, reconciles_note, reconciles_score,
       identities_hold, identities_hold_note, identities_hold_score,
       not_copied, not_copied_note, not_copied_score,
       catalog_fresh, catalog_fresh_note, catalog_fresh_score,
       published_score + on_time_score + parse_complete_score + reconciles_score
           + identities_hold_score + not_copied_score + catalog_fresh_score AS total_score,
       7 AS max_score,
       (published IS NULL)::INT + (on_time IS NULL)::INT + (parse_complete IS NULL)::INT
           + (reconciles IS NULL)::INT + (identities_hold IS NULL)::INT + (not_copied IS NULL)::INT
           + (catalog_fresh IS NULL)::INT AS criteria_unknown,
       rank() OVER (PARTITION BY report_year ORDER BY total_score DESC) AS rank_in_year,
       rank() OVER (PARTITION BY district_id, report_year ORDER BY total_score DESC) AS rank_in_district
FROM scored;
COMMENT ON VIEW agency_scorecard IS 'Agency scorecard (评分卡): one row per agency and report year (due or published), one TRUE/FALSE/NULL column per criterion with a note and a 0/1 score, and the total (method: docs/scorecard.md). NULL means we cannot tell and never scores.';
COMMENT ON COLUMN agency_scorecard.agency_id IS 'Agency (agencies.agency_id).';
COMMENT ON COLUMN agency_scorecard.district_id IS 'District of the agency (agencies.district_id); NULL for an agency known only as a report''s owner, or before a config names districts.';
COMMENT ON COLUMN agency_scorecard.district_name IS 'District name (区/县名称, agencies.district_name).';
COMMENT ON COLUMN agency_scorecard.agency_name IS 'Agency name (机构名称, agencies.name).';
COMMENT ON COLUMN agency_scorecard.report_year IS 'Report year Y (年度): a year coverage.report_missing found due for the agency (its deadline passed, from the year of its first posted item), or a year it has a report for.';
COMMENT ON COLUMN agency_scorecard.report_id IS 'The report scored (annual_reports.report_id): of several for the year, the one with figures, parsed, latest published (as the cross-report checks pick it); NULL when none was found.';
COMMENT ON COLUMN agency_scorecard.published IS 'TRUE: a report for the year exists (公开). FALSE: none was found although it was due and the agency''s catalog was listed completely within 36 h. NULL: none was found and the catalog is not known to be fully listed (crawl.freshness), so it may exist.';
COMMENT ON COLUMN agency_scorecard.published_note IS 'Why: the report and its URL, or coverage.report_missing''s message, or why we cannot tell.';
COMMENT ON COLUMN agency_scorecard.published_score IS '1 when published is TRUE, else 0.';
COMMENT ON COLUMN agency_scorecard.on_time IS 'TRUE: published by the deadline (≤2018: 31 March of Y+1; from 2019: 31 January, a district government 31 March; the deadline day itself is on time, Asia/Shanghai; coverage.report_late). FALSE: published after it, or not published by it. NULL: publication date unknown, not yet checked, or whether it was published is unknown.';
COMMENT ON COLUMN agency_scorecard.on_time_note IS 'Why: coverage.report_late''s message (days late), or why we cannot tell.';
COMMENT ON COLUMN agency_scorecard.on_time_score IS '1 when on_time is TRUE, else 0.';
COMMENT ON COLUMN agency_scorecard.parse_complete IS 'TRUE: parse_status parsed (every core figure of its template found). FALSE: partial, failed or unsupported. NULL: no report.';
COMMENT ON COLUMN agency_scorecard.parse_complete_note IS 'Why: figures found / expected and template, or the parse_status and parse_note.';
COMMENT ON COLUMN agency_scorecard.parse_complete_score IS '1 when parse_complete is TRUE, else 0.';
COMMENT ON COLUMN agency_scorecard.reconciles IS 'TRUE: the stated proactive total matches the catalog items posted in the year (reconciliation scope total) and no category scope mismatches. FALSE: the total or a category mismatches. NULL: the total is not_comparable (not stated, year not fully listed) or there is no reconciliation row; not_comparable is never a pass.';
COMMENT ON COLUMN agency_scorecard.reconciles_note IS 'Why: the mismatching scopes with posted, reported and difference (条), the matching counts, or the total''s not_comparable note.';
COMMENT ON COLUMN agency_scorecard.reconciles_score IS '1 when reconciles is TRUE, else 0.';
COMMENT ON COLUMN agency_scorecard.identities_hold IS 'TRUE: the report''s internal identities hold (latest results of report.category_sum, t3_balance, t3_outcomes, t3_rowsum, t4_sum, application_modes_sum, pct_consistency, text_vs_table: at least one passes, none fails or warns, none errors). FALSE: one fails or warns. NULL: none could be checked (e.g. a legacy or unparsed report, an OCR reading in doubt) or a check could not run.';
COMMENT ON COLUMN agency_scorecard.identities_hold_note IS 'Why: the failing checks and their messages, the checks that passed, or why we cannot tell.';
COMMENT ON COLUMN agency_scorecard.identities_hold_score IS '1 when identities_hold is TRUE, else 0.';
COMMENT ON COLUMN agency_scorecard.not_copied IS 'TRUE: neither report.copied_from_previous_year nor report.copied_from_other_agency flags the report and at least one of them compared it. FALSE: one flags it as a copy. NULL: nothing to compare it with, or no report.';
COMMENT ON COLUMN agency_scorecard.not_copied_note IS 'Why: the copy check''s message, the checks that passed, or why we cannot tell.';
COMMENT ON COLUMN agency_scorecard.not_copied_score IS '1 when not_copied is TRUE, else 0.';
COMMENT ON COLUMN agency_scorecard.catalog_fresh IS 'TRUE: the agency''s catalog had a complete listing within 36 h and no category emptied (crawl.freshness, crawl.empty_listing; agency-level, the same for every year). FALSE: one fails. NULL: the agency has no catalog of its own checked (known only as a report''s owner).';
COMMENT ON COLUMN agency_scorecard.catalog_fresh_note IS 'Why: the checks'' messages.';
COMMENT ON COLUMN agency_scorecard.catalog_fresh_score IS '1 when catalog_fresh is TRUE, else 0.';
COMMENT ON COLUMN agency_scorecard.total_score IS 'Sum of the seven criterion scores (0–7): one point per criterion that is TRUE; FALSE and NULL (cannot tell) add nothing.';
COMMENT ON COLUMN agency_scorecard.max_score IS 'Highest total_score possible (7).';
COMMENT ON COLUMN agency_scorecard.criteria_unknown IS 'How many of the seven criteria are NULL (cannot tell): a low total with many unknowns says more about what we could read than about the agency.';
COMMENT ON COLUMN agency_scorecard.rank_in_year IS 'Rank of total_score among all agencies for the report year (1 = best; equal totals share a rank, the next rank skips).';
COMMENT ON COLUMN agency_scorecard.rank_in_district IS 'Rank of total_score among the agencies of the same district for the report year (equal totals share a rank).';
