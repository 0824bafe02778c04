-- Findings with a life (contract.md §8): every non-passing check result, followed across runs.
-- Read by ensure_schema() after views.sql. Idempotent.
--
-- A finding is a check_results row whose status is fail, warn or error (pass and skip are not
-- findings). Its key is (check_id, agency_id, report_year, scope), where scope is the "scope"
-- field of the row's sample JSON (e.g. a category label of reconcile.active_category, or
-- channel.<name>), '' when the sample has none: a check that stores several offending rows for
-- one agency × year names each row's scope in its sample. Rows of one run with the same key are
-- one finding (the worst status: error > fail > warn).
--
-- Runs are ordered per check by checked_at (when that run's checks ran), so a check run on its
-- own (the freshness-only run of the daily schedule, run id "freshness-…") moves that check on
-- without touching the others. A finding is resolved when the latest run of its check does not
-- report it.

-- loaded from <data_dir>/acknowledgements.jsonl (append-only; the last line per key wins) by
-- disclosure_etl.warehouse.findings.load_acknowledgements at every load and check
CREATE TABLE IF NOT EXISTS core.acknowledgements (
    finding_key     VARCHAR NOT NULL,
    check_id        VARCHAR NOT NULL,
    agency_id       VARCHAR,
    report_year     INTEGER,
    scope           VARCHAR NOT NULL,
    acknowledged_by VARCHAR,
    acknowledged_at TIMESTAMPTZ,
    ack_note        VARCHAR
);

-- The short, stable id of a finding key that `disclosure-etl findings` prints and `ack` takes.
CREATE OR REPLACE MACRO core.finding_key(check_id, agency_id, report_year, scope) AS
    left(md5(concat_ws(chr(31), check_id, COALESCE(agency_id, ''),
                       COALESCE(CAST(report_year AS VARCHAR), ''), COALESCE(scope, ''))), 12);

-- one row per check and run: when that run's results of the check were stored
CREATE OR REPLACE VIEW core.check_runs AS
SELECT check_id, run_id, max(checked_at) AS checked_at
FROM core.check_results GROUP BY check_id, run_id;

-- one row per finding key and run it was seen in (worst row of that run)
CREATE OR REPLACE VIEW core.finding_occurrences AS
WITH rows AS (
    SELECT c.*, COALESCE(json_extract_string(c.sample, '$.scope'), '') AS scope,
           CASE c.status WHEN 'error' THEN 3 WHEN 'fail' THEN 2 ELSE 1 END AS worst
    FROM core.check_results c WHERE c.status IN ('fail', 'warn', 'error')
)
SELECT r.run_id, r.check_id, r.agency_id, r.report_year, r.scope, r.severity, r.status,
       r.message, r.observed, r.expected, r.sample, cr.checked_at
FROM rows r JOIN core.check_runs cr USING (check_id, run_id)
QUALIFY row_number() OVER (PARTITION BY r.run_id, r.check_id, r.agency_id, r.report_year, r.scope
                           ORDER BY r.worst DESC, r.message) = 1;

CREATE OR REPLACE VIEW findings AS
WITH latest AS (
    SELECT check_id, arg_max(run_id, checked_at) AS latest_run FROM core.check_runs GROUP BY check_id
), life AS (
    SELECT check_id, agency_id, report_year, scope,
           arg_min(run_id, checked_at) AS first_seen_run, min(checked_at) AS first_seen_at,
           arg_max(run_id, checked_at) AS last_seen_run, max(checked_at) AS last_seen_at,
           count(*) AS runs_seen,
           arg_max(severity, checked_at) AS severity, arg_max(status, checked_at) AS status,
           arg_max(message, checked_at) AS message, arg_max(observed, checked_at) AS observed,
           arg_max(expected, checked_at) AS expected, arg_max(sample, checked_at) AS sample
    FROM core.finding_occurrences
    GROUP BY check_id, agency_id, report_year, scope
), ack AS (
    SELECT finding_key, arg_max(acknowledged_by, acknowledged_at) AS acknowledged_by,
           max(acknowledged_at) AS acknowledged_at, arg_max(ack_note, acknowledged_at) AS ack_note
    FROM core.acknowledgements GROUP BY finding_key
), keyed AS (
    SELECT core.finding_key(l.check_id, l.agency_id, l.report_year, l.scope) AS finding_key,
           l.*, t.latest_run
    FROM life l JOIN latest t USING (check_id)
)
SELECT k.check_id, k.agency_id, k.report_year, k.scope, k.first_seen_run, k.last_seen_run,
       CASE WHEN k.last_seen_run <> k.latest_run THEN 'resolved'
            WHEN a.finding_key IS NOT NULL THEN 'acknowledged'
            ELSE 'open' END AS state,
       a.acknowledged_by, a.acknowledged_at, a.ack_note,
       k.finding_key, k.first_seen_run = k.latest_run AS is_new, k.severity, k.status,
       k.message, k.observed, k.expected, k.sample, k.first_seen_at, k.last_seen_at, k.runs_seen,
       COALESCE(g.district_id, json_extract_string(k.sample, '$.district_id')) AS district_id
FROM keyed k LEFT JOIN ack a USING (finding_key)
LEFT JOIN core.agencies g ON g.agency_id = k.agency_id;
COMMENT ON VIEW findings IS 'One row per finding key (check_id × agency_id × report_year × scope) across every run: when it was first and last seen, and whether it is open, resolved or acknowledged (发现的问题). A finding is a check_results row with status fail, warn or error; `disclosure-etl findings` lists them.';
COMMENT ON COLUMN findings.check_id IS 'Check id (check_results.check_id).';
COMMENT ON COLUMN findings.agency_id IS 'Agency the finding is about (agencies.agency_id), NULL for a global one.';
COMMENT ON COLUMN findings.report_year IS 'Report year the finding is about, NULL when not year-bound.';
COMMENT ON COLUMN findings.scope IS 'What within the agency × year: the "scope" of the result''s sample (e.g. a category label, channel.<name>), empty when the check has one row per agency × year.';
COMMENT ON COLUMN findings.severity IS 'warn | error, as of the last run that saw it.';
COMMENT ON COLUMN findings.status IS 'fail | warn | error (the check could not run), as of the last run that saw it.';
COMMENT ON COLUMN findings.first_seen_run IS 'First run whose checks reported it (check_results.run_id).';
COMMENT ON COLUMN findings.last_seen_run IS 'Last run whose checks reported it (check_results.run_id).';
COMMENT ON COLUMN findings.state IS 'open (reported by the latest run of its check) | resolved (not reported by it) | acknowledged (open, and acknowledged by an operator).';
COMMENT ON COLUMN findings.is_new IS 'TRUE when first seen in the latest run of its check (`disclosure-etl findings --new`).';
COMMENT ON COLUMN findings.acknowledged_by IS 'Who acknowledged it (the latest acknowledgement; $USER or --by), NULL if nobody did.';
COMMENT ON COLUMN findings.acknowledged_at IS 'When it was acknowledged (UTC instant).';
COMMENT ON COLUMN findings.ack_note IS 'The acknowledgement''s note: why it needs no further action.';
COMMENT ON COLUMN findings.finding_key IS 'Short stable id of the key (12 hex digits of md5 over check_id, agency_id, report_year, scope): what `disclosure-etl findings ack KEY` takes.';
COMMENT ON COLUMN findings.message IS 'One sentence from the last run that saw it.';
COMMENT ON COLUMN findings.observed IS 'Observed value in the last run that saw it (unit per check).';
COMMENT ON COLUMN findings.expected IS 'Expected value in the last run that saw it.';
COMMENT ON COLUMN findings.sample IS 'JSON sample (offending keys, metrics, URLs) from the last run that saw it.';
COMMENT ON COLUMN findings.first_seen_at IS 'When the checks that first reported it ran (UTC instant).';
COMMENT ON COLUMN findings.last_seen_at IS 'When the checks that last reported it ran (UTC instant).';
COMMENT ON COLUMN findings.runs_seen IS 'How many check runs reported it.';
COMMENT ON COLUMN findings.district_id IS 'District the finding is about: its agency''s (agencies.district_id), else the district of a run-level row computed per district (its sample''s district_id, e.g. report.parse_health), NULL for a global one.';
