-- disclosure-etl warehouse: storage tables (schema `core`) and helper macros.
-- Analysts use the views in `main` (sql/views.sql); these tables are the load targets.
-- Idempotent: every statement is CREATE … IF NOT EXISTS / CREATE OR REPLACE.

CREATE SCHEMA IF NOT EXISTS core;

-- one row per loaded run; the row is written in the load transaction and is the "loaded" mark
CREATE TABLE IF NOT EXISTS core.runs (
    run_id         VARCHAR NOT NULL,
    started_at     TIMESTAMPTZ,
    finished_at    TIMESTAMPTZ,
    status         VARCHAR,
    requests       BIGINT,
    pages_fetched  BIGINT,
    http_errors    BIGINT,
    full_relist    BOOLEAN,
    reports_loaded BIGINT,
    loaded_at      TIMESTAMPTZ
);

CREATE TABLE IF NOT EXISTS core.agencies (
    agency_id        VARCHAR NOT NULL,
    name             VARCHAR,
    site_url         VARCHAR,
    sid              VARCHAR,
    parent_agency_id VARCHAR,
    host             VARCHAR,
    prefix           VARCHAR,
    first_run_id     VARCHAR,
    last_run_id      VARCHAR,
    district_id      VARCHAR,
    district_name    VARCHAR
);
ALTER TABLE core.agencies ADD COLUMN IF NOT EXISTS district_id VARCHAR;
ALTER TABLE core.agencies ADD COLUMN IF NOT EXISTS district_name VARCHAR;

CREATE TABLE IF NOT EXISTS core.categories (
    agency_id   VARCHAR NOT NULL,
    category_id BIGINT NOT NULL,
    name        VARCHAR,
    parent_id   BIGINT,
    path        VARCHAR,
    is_leaf     BOOLEAN,
    post_count  BIGINT,
    jump_url    VARCHAR,
    last_run_id VARCHAR
);

CREATE TABLE IF NOT EXISTS core.listings (
    run_id              VARCHAR NOT NULL,
    agency_id           VARCHAR NOT NULL,
    category_id         BIGINT NOT NULL,
    category_name       VARCHAR,
    mode                VARCHAR,
    status              VARCHAR,
    pages_read          BIGINT,
    rows_seen           BIGINT,
    api_total           BIGINT,
    post_count          BIGINT,
    oldest_published_at TIMESTAMP,
    error               VARCHAR
);

-- current state of every item ever listed, one row per (agency_id, item_id)
CREATE TABLE IF NOT EXISTS core.items (
    agency_id       VARCHAR NOT NULL,
    item_id         BIGINT NOT NULL,
    category_id     BIGINT,
    category_name   VARCHAR,
    title           VARCHAR,
    item_type       VARCHAR,
    url             VARCHAR,
    post_url        VARCHAR,
    published_at    TIMESTAMP,
    written_date    DATE,
    document_number VARCHAR,
    identifier      VARCHAR,
    publisher       VARCHAR,
    is_abolished    BOOLEAN,
    attachments     VARCHAR,
    row_hash        VARCHAR,
    first_seen_at   TIMESTAMPTZ,
    last_seen_at    TIMESTAMPTZ,
    withdrawn_at    TIMESTAMPTZ,
    first_run_id    VARCHAR,
    last_run_id     VARCHAR,
    categories      BIGINT[]  -- every category the last run that saw it listed it under
);
ALTER TABLE core.items ADD COLUMN IF NOT EXISTS categories BIGINT[];

-- the latest content page fetched for an item
CREATE TABLE IF NOT EXISTS core.item_details (
    agency_id   VARCHAR NOT NULL,
    item_id     BIGINT NOT NULL,
    run_id      VARCHAR,
    content_url VARCHAR,
    sha256      VARCHAR,
    title       VARCHAR,
    metadata    VARCHAR
);

-- append-only change log: one event per item per run
CREATE TABLE IF NOT EXISTS core.item_events (
    run_id       VARCHAR NOT NULL,
    agency_id    VARCHAR NOT NULL,
    item_id      BIGINT NOT NULL,
    event        VARCHAR NOT NULL,
    event_at     TIMESTAMPTZ,
    category_id  BIGINT,
    old_title    VARCHAR,
    new_title    VARCHAR,
    old_row_hash VARCHAR,
    new_row_hash VARCHAR
);

CREATE TABLE IF NOT EXISTS core.reports (
    report_id     VARCHAR NOT NULL,
    agency_id     VARCHAR,
    report_year   INTEGER,
    title         VARCHAR,
    url           VARCHAR,
    copies        VARCHAR[],
    published_at  TIMESTAMP,
    template      VARCHAR,
    source_format VARCHAR,
    parse_status  VARCHAR,
    parse_note    VARCHAR,
    period_start  DATE,
    period_end    DATE,
    item_id       BIGINT,
    sha256        VARCHAR,
    publisher     VARCHAR,
    run_id        VARCHAR,
    figures_expected INTEGER,  -- core figures of its template (reports/coverage.py)
    figures_found    INTEGER   -- of those, stated (a value or a blank)
);
ALTER TABLE core.reports ADD COLUMN IF NOT EXISTS figures_expected INTEGER;
ALTER TABLE core.reports ADD COLUMN IF NOT EXISTS figures_found INTEGER;

CREATE TABLE IF NOT EXISTS core.report_figures (
    report_id      VARCHAR NOT NULL,
    agency_id      VARCHAR,
    report_year    INTEGER,
    metric         VARCHAR NOT NULL,
    value          DOUBLE,
    unit           VARCHAR,
    is_blank       BOOLEAN,
    approx         BOOLEAN,
    source_excerpt VARCHAR,
    extraction     VARCHAR,  -- text | table | ocr
    confidence     DOUBLE    -- OCR recognition score; NULL unless extraction = 'ocr'
);
ALTER TABLE core.report_figures ADD COLUMN IF NOT EXISTS extraction VARCHAR;
ALTER TABLE core.report_figures ADD COLUMN IF NOT EXISTS confidence DOUBLE;

-- the prose of each report's latest version (for report.copied_from_other_agency)
CREATE TABLE IF NOT EXISTS core.report_texts (
    report_id      VARCHAR NOT NULL,
    sha256         VARCHAR,  -- the document the text was read from
    content_sha256 VARCHAR,  -- sha256 of the visible text (what a version is)
    text           VARCHAR
);

-- every version of every report: a new row when a run reads other content for a report_id
CREATE TABLE IF NOT EXISTS core.report_versions (
    report_id      VARCHAR NOT NULL,
    version        INTEGER NOT NULL,
    content_sha256 VARCHAR,
    sha256         VARCHAR,
    url            VARCHAR,
    parse_status   VARCHAR,
    first_seen_run VARCHAR,
    first_seen_at  TIMESTAMPTZ,
    last_seen_run  VARCHAR,
    last_seen_at   TIMESTAMPTZ,
    figures        JSON      -- {metric: value} of this version
);

CREATE TABLE IF NOT EXISTS core.fetches (
    run_id     VARCHAR NOT NULL,
    seq        BIGINT,
    unit       VARCHAR,
    kind       VARCHAR,
    agency_id  VARCHAR,
    url        VARCHAR,
    final_url  VARCHAR,
    status     INTEGER,
    outcome    VARCHAR,
    sha256     VARCHAR,
    bytes      BIGINT,
    elapsed_ms DOUBLE,
    fetched_at TIMESTAMPTZ,
    error      VARCHAR
);

CREATE TABLE IF NOT EXISTS core.run_errors (
    run_id    VARCHAR NOT NULL,
    stage     VARCHAR,
    agency_id VARCHAR,
    url       VARCHAR,
    message   VARCHAR
);

-- rebuilt by refresh_reconciliation()
CREATE TABLE IF NOT EXISTS core.reconciliation (
    agency_id    VARCHAR,
    report_year  INTEGER,
    scope        VARCHAR,
    reported     BIGINT,
    posted       BIGINT,
    difference   BIGINT,
    status       VARCHAR,
    note         VARCHAR,
    refreshed_at TIMESTAMPTZ
);

-- append-only: every check of every run (run_checks replaces one run's rows)
CREATE TABLE IF NOT EXISTS core.check_results (
    run_id      VARCHAR NOT NULL,
    check_id    VARCHAR NOT NULL,
    dimension   VARCHAR,
    severity    VARCHAR,
    status      VARCHAR,
    agency_id   VARCHAR,
    report_year INTEGER,
    observed    DOUBLE,
    expected    DOUBLE,
    message     VARCHAR,
    sample      JSON,
    checked_at  TIMESTAMPTZ
);

-- A district (county-level) government: 人民政府 in the name, not a street office or town.
CREATE OR REPLACE MACRO core.is_district_government(agency_name) AS
    COALESCE(agency_name LIKE '%人民政府%' AND agency_name NOT LIKE '%街道%'
             AND agency_name NOT LIKE '%镇%', FALSE);

-- Last on-time day for the report of year y (report_formats.md §1, contract.md §7).
CREATE OR REPLACE MACRO core.report_deadline(agency_name, y) AS
    CASE WHEN y <= 2018 OR core.is_district_government(agency_name)
         THEN make_date(CAST(y AS BIGINT) + 1, 3, 31)
         ELSE make_date(CAST(y AS BIGINT) + 1, 1, 31) END;

-- A reconciliation scope that is no catalog category: a channel (channel.<name>) or the
-- district-wide figure (total_district); never reconciled against posted items.
CREATE OR REPLACE MACRO core.is_side_scope(scope) AS
    COALESCE(scope LIKE 'channel.%' OR scope = 'total_district', FALSE);

-- views of earlier versions, now temp tables of sql/check_setup.sql
DROP VIEW IF EXISTS core.t3;
DROP VIEW IF EXISTS core.t4;
DROP VIEW IF EXISTS core.primary_reports;

-- One row per (report, metric): duplicates (text and table) folded, blank kept as NULL.
CREATE OR REPLACE VIEW core.figure_values AS
SELECT f.report_id, r.agency_id, r.report_year, f.metric,
       max(f.value) AS value, bool_or(COALESCE(f.approx, FALSE)) AS approx,
       bool_and(f.value IS NULL) AS is_blank
FROM core.report_figures f JOIN core.reports r USING (report_id)
GROUP BY ALL;

-- One report per agency and year (the one the cross-report checks and the scorecard read):
-- one with figures, parsed, latest published.
CREATE OR REPLACE VIEW core.report_of_year AS
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

-- A number for messages: 12 rather than 12.0.
CREATE OR REPLACE MACRO core.fmt(x) AS
    CASE WHEN x IS NULL THEN 'blank'
         WHEN x = round(x) THEN CAST(CAST(x AS BIGINT) AS VARCHAR)
         ELSE CAST(x AS VARCHAR) END;
