-- disclosure-etl warehouse: the analyst-facing views (contract.md §4) and their dictionary.
-- CREATE OR REPLACE VIEW drops a view's comments, so every COMMENT ON follows its view here.
-- docs/warehouse.md is generated from these comments (python -m disclosure_etl.warehouse.docs).

-- ---------------------------------------------------------------- agencies
CREATE OR REPLACE VIEW agencies AS
SELECT agency_id, name, site_url, sid, parent_agency_id, host, prefix, district_id, district_name
FROM core.agencies;
COMMENT ON VIEW agencies IS 'One row per harvested gkmlpt sub-site (机构/站点).';
COMMENT ON COLUMN agencies.agency_id IS 'Stable slug of the sub-site (the URL prefix, or the SID); key of every other view.';
COMMENT ON COLUMN agencies.name IS 'Agency name (机构名称) as the site states it.';
COMMENT ON COLUMN agencies.site_url IS 'URL of the sub-site''s /gkmlpt/index page.';
COMMENT ON COLUMN agencies.sid IS 'gkmlpt site id (SID) from window._CONFIG.';
COMMENT ON COLUMN agencies.parent_agency_id IS 'agency_id of the parent site (the district for a street office), NULL for the root.';
COMMENT ON COLUMN agencies.host IS 'Host (host[:port]) the sub-site is served from.';
COMMENT ON COLUMN agencies.prefix IS 'URL path prefix before /gkmlpt/ (empty for the root site).';
COMMENT ON COLUMN agencies.district_id IS 'District (区/县) the sub-site belongs to: the id of its `districts:` entry in the config (for a single-district config, the id derived from its portal host).';
COMMENT ON COLUMN agencies.district_name IS 'District name (区/县名称): the `name` of its `districts:` entry, else the name of the district''s root site.';

-- ---------------------------------------------------------------- categories
CREATE OR REPLACE VIEW categories AS
SELECT agency_id, category_id, name, parent_id, path, is_leaf, post_count, jump_url
FROM core.categories;
COMMENT ON VIEW categories IS 'Catalog category tree (目录分类) of each sub-site, as of its latest run.';
COMMENT ON COLUMN categories.agency_id IS 'Sub-site (agencies.agency_id).';
COMMENT ON COLUMN categories.category_id IS 'gkmlpt category id (分类 id).';
COMMENT ON COLUMN categories.name IS 'Category name (分类名称).';
COMMENT ON COLUMN categories.parent_id IS 'category_id of the parent node, NULL at the top.';
COMMENT ON COLUMN categories.path IS 'Names from the root joined by "/" (e.g. 组织机构/机构职能).';
COMMENT ON COLUMN categories.is_leaf IS 'TRUE for a node that has its own list.';
COMMENT ON COLUMN categories.post_count IS 'Nominal item count the tree states (条); the list API may serve fewer (the window).';
COMMENT ON COLUMN categories.jump_url IS 'External link of a jump node (no list), else NULL.';

-- ---------------------------------------------------------------- posted_items
CREATE OR REPLACE VIEW posted_items AS
WITH d AS (
    SELECT agency_id, item_id,
           NULLIF(trim(json_extract_string(metadata, '$."成文日期"')), '') AS m_written,
           NULLIF(trim(json_extract_string(metadata, '$."文号"')), '') AS m_docno,
           NULLIF(trim(json_extract_string(metadata, '$."索引号"')), '') AS m_ident,
           NULLIF(trim(json_extract_string(metadata, '$."发布机构"')), '') AS m_publisher
    FROM core.item_details
)
SELECT i.item_id, i.agency_id, i.category_id, i.category_name, i.title, i.item_type, i.url,
       i.published_at,
       COALESCE(i.written_date, TRY_CAST(d.m_written AS DATE),
                CAST(try_strptime(d.m_written, '%Y年%m月%d日') AS DATE)) AS written_date,
       COALESCE(NULLIF(i.document_number, ''), d.m_docno) AS document_number,
       COALESCE(NULLIF(i.identifier, ''), d.m_ident) AS identifier,
       COALESCE(NULLIF(i.publisher, ''), d.m_publisher) AS publisher,
       i.is_abolished, i.first_seen_at, i.last_seen_at, i.withdrawn_at,
       i.post_url, i.attachments, i.row_hash, i.categories
FROM core.items i LEFT JOIN d USING (agency_id, item_id);
COMMENT ON VIEW posted_items IS 'Every disclosure item (政府信息) ever listed in a catalog, withdrawn ones included; one row per agency and item.';
COMMENT ON COLUMN posted_items.item_id IS 'Platform post id (文章 id, post_{id}.html).';
COMMENT ON COLUMN posted_items.agency_id IS 'Sub-site that lists the item (agencies.agency_id).';
COMMENT ON COLUMN posted_items.category_id IS 'Catalog category (分类) the item is listed under; the lowest id when it sits in several (all in categories).';
COMMENT ON COLUMN posted_items.category_name IS 'Name of that category (分类名称).';
COMMENT ON COLUMN posted_items.title IS 'Title (标题), latest seen.';
COMMENT ON COLUMN posted_items.item_type IS 'normal (a content page) | url (a link row pointing elsewhere).';
COMMENT ON COLUMN posted_items.url IS 'Content page URL (or the link target of a url row).';
COMMENT ON COLUMN posted_items.published_at IS 'Publish time (发布日期), Asia/Shanghai wall-clock.';
COMMENT ON COLUMN posted_items.written_date IS 'Date written (成文日期); from the list row, else the content page.';
COMMENT ON COLUMN posted_items.document_number IS 'Document number (文号); from the list row, else the content page.';
COMMENT ON COLUMN posted_items.identifier IS 'Index number (索引号); from the list row, else the content page.';
COMMENT ON COLUMN posted_items.publisher IS 'Issuing body (发布机构); from the list row, else the content page.';
COMMENT ON COLUMN posted_items.is_abolished IS 'TRUE when the platform marks the document abolished (废止).';
COMMENT ON COLUMN posted_items.first_seen_at IS 'When a run first saw the item listed (UTC instant).';
COMMENT ON COLUMN posted_items.last_seen_at IS 'When a run last saw the item listed (UTC instant).';
COMMENT ON COLUMN posted_items.withdrawn_at IS 'When a run found it gone from a listing that covered it (UTC instant); NULL while still listed.';
COMMENT ON COLUMN posted_items.post_url IS 'The platform''s post_url field when it differs from url, else NULL.';
COMMENT ON COLUMN posted_items.attachments IS 'Attachments (附件) as JSON: [{attachment_id, name, ext, mime, size (bytes), url}].';
COMMENT ON COLUMN posted_items.row_hash IS 'sha256 of the raw list row; changes when the platform changes the row.';
COMMENT ON COLUMN posted_items.categories IS 'Every catalog category id the item was listed under when last seen (usually one).';

-- ---------------------------------------------------------------- item_changes
CREATE OR REPLACE VIEW item_changes AS
SELECT run_id, agency_id, item_id, event, event_at, category_id, old_title, new_title,
       old_row_hash, new_row_hash
FROM core.item_events;
COMMENT ON VIEW item_changes IS 'Append-only change log of catalog items: one event per item per run (新增/变更/撤下/恢复).';
COMMENT ON COLUMN item_changes.run_id IS 'Run that observed the change (runs.run_id).';
COMMENT ON COLUMN item_changes.agency_id IS 'Sub-site (agencies.agency_id).';
COMMENT ON COLUMN item_changes.item_id IS 'Platform post id.';
COMMENT ON COLUMN item_changes.event IS 'new (first listed) | changed (row changed) | withdrawn (gone from a listing that covered it) | returned (listed again after withdrawal).';
COMMENT ON COLUMN item_changes.event_at IS 'When the run observed it (UTC instant): the list row''s seen time, or the run''s finish time for withdrawals.';
COMMENT ON COLUMN item_changes.category_id IS 'Catalog category the item was listed under.';
COMMENT ON COLUMN item_changes.old_title IS 'Title before the change (changed / returned / withdrawn), else NULL.';
COMMENT ON COLUMN item_changes.new_title IS 'Title after the change (new / changed / returned), else NULL.';
COMMENT ON COLUMN item_changes.old_row_hash IS 'row_hash before the change.';
COMMENT ON COLUMN item_changes.new_row_hash IS 'row_hash after the change.';

-- ---------------------------------------------------------------- annual_reports
CREATE OR REPLACE VIEW annual_reports AS
SELECT report_id, agency_id, report_year, title, url, copies, published_at, template,
       source_format, parse_status, parse_note, period_start, period_end, item_id, sha256,
       publisher, figures_expected, figures_found
FROM core.reports;
COMMENT ON VIEW annual_reports IS 'One row per distinct 政府信息公开工作年度报告 (copies under other ids folded in).';
COMMENT ON COLUMN annual_reports.report_id IS 'Stable id of the report (derived from its content).';
COMMENT ON COLUMN annual_reports.agency_id IS 'Agency the report belongs to (agencies.agency_id).';
COMMENT ON COLUMN annual_reports.report_year IS 'Report year Y (年度), the year in the title; published in Y+1.';
COMMENT ON COLUMN annual_reports.title IS 'Title (标题).';
COMMENT ON COLUMN annual_reports.url IS 'Canonical URL of the report.';
COMMENT ON COLUMN annual_reports.copies IS 'URLs of the other copies folded into this report.';
COMMENT ON COLUMN annual_reports.published_at IS 'Publish time (发布时间), Asia/Shanghai wall-clock.';
COMMENT ON COLUMN annual_reports.template IS 'legacy (≤2018 free form) | 2019 | 2021 (national format), detected from the table headers.';
COMMENT ON COLUMN annual_reports.source_format IS 'html | pdf | docx | xlsx | xls | doc | txt.';
COMMENT ON COLUMN annual_reports.parse_status IS 'parsed (every core figure of its template found, no stated item count left unread) | partial (a core figure missing, a stated count unread, or the document read incompletely) | failed (no text, not an annual report, or a body that only links to an attachment) | unsupported (a format that cannot be read).';
COMMENT ON COLUMN annual_reports.parse_note IS 'Why, when parse_status is not parsed: e.g. "missing 3/197: t3: rows unable_1..3 not found", "legacy: application.received not found", "attachment_only: …".';
COMMENT ON COLUMN annual_reports.period_start IS 'First day of the stated statistics period (统计期), if stated.';
COMMENT ON COLUMN annual_reports.period_end IS 'Last day of the stated statistics period, if stated.';
COMMENT ON COLUMN annual_reports.item_id IS 'Catalog post id of the report when it is a catalog item.';
COMMENT ON COLUMN annual_reports.sha256 IS 'sha256 of the archived report body.';
COMMENT ON COLUMN annual_reports.publisher IS 'Issuing body: the catalog row''s 发布机构, else the agency the report names; never a portal page''s 来源 (it may name the office that posted the report).';
COMMENT ON COLUMN annual_reports.figures_expected IS 'Core figures its template must state: 2019/2021, every cell of tables 二, 三 and 四 plus the prose 主动公开 total; legacy, active.total, application.received, review.total and lawsuit.total for the sections the report has. NULL when parse_status is failed or unsupported (no template to tell), and for rows loaded before this column existed.';
COMMENT ON COLUMN annual_reports.figures_found IS 'Of figures_expected, how many the parser found (a value or a blank cell). parse_status is parsed only when it equals figures_expected and no item count the text states was left unread.';

-- ---------------------------------------------------------------- report_figures
CREATE OR REPLACE VIEW report_figures AS
SELECT report_id, agency_id, report_year, metric, value, unit, is_blank, approx, source_excerpt,
       extraction, confidence
FROM core.report_figures;
COMMENT ON VIEW report_figures IS 'Every number an annual report states, one row each (metric keys: figures.md).';
COMMENT ON COLUMN report_figures.report_id IS 'Report (annual_reports.report_id).';
COMMENT ON COLUMN report_figures.agency_id IS 'Agency of the report.';
COMMENT ON COLUMN report_figures.report_year IS 'Report year (年度).';
COMMENT ON COLUMN report_figures.metric IS 'Metric key, e.g. active.total (主动公开总数), t3.new_received.total (本年新收·总计).';
COMMENT ON COLUMN report_figures.value IS 'The number; NULL when the cell is blank. Unit in unit.';
COMMENT ON COLUMN report_figures.unit IS 'Unit as stated: 条 (items), 件 (applications/cases), 次, 篇, 元, 万元, %.';
COMMENT ON COLUMN report_figures.is_blank IS 'TRUE when the cell was blank or a dash (空白/—).';
COMMENT ON COLUMN report_figures.approx IS 'TRUE when the report qualifies the number (余/约/近/多/万…).';
COMMENT ON COLUMN report_figures.source_excerpt IS 'The sentence, or the row × column labels, the number came from.';
COMMENT ON COLUMN report_figures.extraction IS 'How the number was read: text (a sentence), table (a table cell) or ocr (a table cell read from an image or scanned page).';
COMMENT ON COLUMN report_figures.confidence IS 'OCR recognition score of the cell, 0 to 1; NULL unless extraction is ocr.';

-- ---------------------------------------------------------------- report_versions
CREATE OR REPLACE VIEW report_versions AS
SELECT report_id, version, content_sha256, sha256, url, parse_status, first_seen_run,
       first_seen_at, last_seen_run, last_seen_at, figures
FROM core.report_versions;
COMMENT ON VIEW report_versions IS 'Every version of every annual report (报告版本): a new row when a run reads other content for a report_id; annual_reports and report_figures hold the latest.';
COMMENT ON COLUMN report_versions.report_id IS 'Report (annual_reports.report_id).';
COMMENT ON COLUMN report_versions.version IS '1 for the content first archived, then 2, 3, … in the order runs read them.';
COMMENT ON COLUMN report_versions.content_sha256 IS 'sha256 of the version''s visible text, whitespace dropped (what makes a version: markup, the page around the report and how figures were read do not count); the document''s sha256 when it could not be read.';
COMMENT ON COLUMN report_versions.sha256 IS 'sha256 of the archived document the version was read from.';
COMMENT ON COLUMN report_versions.url IS 'URL of the report when the version was read.';
COMMENT ON COLUMN report_versions.parse_status IS 'parse_status of the version (parsed | partial | failed | unsupported).';
COMMENT ON COLUMN report_versions.first_seen_run IS 'Run that first read this version (runs.run_id).';
COMMENT ON COLUMN report_versions.first_seen_at IS 'Start of that run (UTC instant).';
COMMENT ON COLUMN report_versions.last_seen_run IS 'Latest run that read the report while this version was its latest.';
COMMENT ON COLUMN report_versions.last_seen_at IS 'Start of that run (UTC instant).';
COMMENT ON COLUMN report_versions.figures IS 'JSON {metric: value} of this version''s figures (blank cells null).';

-- ---------------------------------------------------------------- reconciliation
CREATE OR REPLACE VIEW reconciliation AS
SELECT r.agency_id, r.report_year, r.scope, r.reported, r.posted, r.difference, r.status, r.note,
       a.district_id
FROM core.reconciliation r LEFT JOIN core.agencies a USING (agency_id)
ORDER BY r.agency_id, r.report_year, r.scope;
COMMENT ON VIEW reconciliation IS 'Reported proactive-disclosure counts (主动公开) against catalog items actually posted, per agency, report year and scope.';
COMMENT ON COLUMN reconciliation.agency_id IS 'Agency (agencies.agency_id).';
COMMENT ON COLUMN reconciliation.report_year IS 'Report year (年度).';
COMMENT ON COLUMN reconciliation.scope IS 'total (the report''s own stated total, all catalog items), a report category label (e.g. 组织机构), channel.<name> (a publication channel: 政府网站发布, 微博微信…; never reconciled, never the total) or total_district (a district report''s district-wide figure 全区各单位…; never this agency''s own total).';
COMMENT ON COLUMN reconciliation.reported IS 'Count the report states (条): active.total for total (NULL when the report states none), active.category.<label>, active.channel.<name> or active.total_district.';
COMMENT ON COLUMN reconciliation.posted IS 'Catalog items (条, normal and url rows, withdrawn included) published in the report year in the scope; a row without a publish time counts by its written date (成文日期).';
COMMENT ON COLUMN reconciliation.difference IS 'posted − reported (条).';
COMMENT ON COLUMN reconciliation.status IS 'match (within tolerance) | mismatch | not_comparable (year not fully listed, nothing reported, a channel or district-wide scope; the note says why). The reconcile.* checks store not_comparable as skip.';
COMMENT ON COLUMN reconciliation.district_id IS 'District of the agency (agencies.district_id); its category map (the district''s `category_map`, else the top-level one) decided which catalog categories a label counts.';
COMMENT ON COLUMN reconciliation.note IS 'How many posted were url rows, how many were counted by their written date (no publish time), whether the reported figure is approximate, and why not comparable.';

-- ---------------------------------------------------------------- check_results
CREATE OR REPLACE VIEW check_results AS
SELECT run_id, check_id, dimension, severity, status, agency_id, report_year, observed,
       expected, message, sample, checked_at
FROM core.check_results;
COMMENT ON VIEW check_results IS 'Append-only result of every check of every run, passes included (检查结果).';
COMMENT ON COLUMN check_results.run_id IS 'Run the checks ran for (runs.run_id).';
COMMENT ON COLUMN check_results.check_id IS 'Check id, e.g. reconcile.active_total (sql/checks/<id>.sql).';
COMMENT ON COLUMN check_results.dimension IS 'reconciliation | validity | completeness | freshness | uniqueness.';
COMMENT ON COLUMN check_results.severity IS 'warn | error: the status a failing scope gets.';
COMMENT ON COLUMN check_results.status IS 'pass | warn | fail | error | skip. warn/fail: a finding (by severity); error: the check could not run, checked nothing (zero rows, unless its SQL header says -- empty: pass), or what it checks could not be read (a failed report parse); skip: nothing comparable for this scope, the reason in message (never a pass, never a finding).';
COMMENT ON COLUMN check_results.agency_id IS 'Agency the finding is about, NULL for a global one.';
COMMENT ON COLUMN check_results.report_year IS 'Report year the finding is about, NULL when not year-bound.';
COMMENT ON COLUMN check_results.observed IS 'The value found (unit per check: items, applications, hours…).';
COMMENT ON COLUMN check_results.expected IS 'The value the check expected.';
COMMENT ON COLUMN check_results.message IS 'One sentence saying what was checked and found.';
COMMENT ON COLUMN check_results.sample IS 'JSON: a few offending keys, metrics or URLs.';
COMMENT ON COLUMN check_results.checked_at IS 'When the check ran (UTC instant).';

CREATE OR REPLACE VIEW latest_check_results AS
SELECT c.run_id, c.check_id, c.dimension, c.severity, c.status, c.agency_id, c.report_year,
       c.observed, c.expected, c.message, c.sample, c.checked_at
FROM core.check_results c
WHERE c.run_id = (
    SELECT x.run_id FROM core.check_results x LEFT JOIN core.runs r USING (run_id)
    ORDER BY r.started_at DESC NULLS LAST, x.checked_at DESC, x.run_id DESC LIMIT 1);
COMMENT ON VIEW latest_check_results IS 'check_results of the latest checked run only: the open findings.';
COMMENT ON COLUMN latest_check_results.run_id IS 'Run the checks ran for (runs.run_id).';
COMMENT ON COLUMN latest_check_results.check_id IS 'Check id, e.g. reconcile.active_total (sql/checks/<id>.sql).';
COMMENT ON COLUMN latest_check_results.dimension IS 'reconciliation | validity | completeness | freshness | uniqueness.';
COMMENT ON COLUMN latest_check_results.severity IS 'warn | error: the status a failing scope gets.';
COMMENT ON COLUMN latest_check_results.status IS 'pass | warn | fail | error | skip (as in check_results.status).';
COMMENT ON COLUMN latest_check_results.agency_id IS 'Agency the finding is about, NULL for a global one.';
COMMENT ON COLUMN latest_check_results.report_year IS 'Report year the finding is about, NULL when not year-bound.';
COMMENT ON COLUMN latest_check_results.observed IS 'The value found (unit per check: items, applications, hours…).';
COMMENT ON COLUMN latest_check_results.expected IS 'The value the check expected.';
COMMENT ON COLUMN latest_check_results.message IS 'One sentence saying what was checked and found.';
COMMENT ON COLUMN latest_check_results.sample IS 'JSON: a few offending keys, metrics or URLs.';
COMMENT ON COLUMN latest_check_results.checked_at IS 'When the check ran (UTC instant).';

-- ---------------------------------------------------------------- runs
CREATE OR REPLACE VIEW runs AS
WITH f AS (
    SELECT run_id, count(*) AS n,
           count(*) FILTER (WHERE outcome IN ('ok', 'not_modified')) AS ok,
           count(*) FILTER (WHERE outcome IN ('http_error', 'network_error', 'blocked', 'too_large')) AS errs
    FROM core.fetches GROUP BY run_id
), e AS (
    SELECT run_id,
           count(*) FILTER (WHERE event = 'new') AS n_new,
           count(*) FILTER (WHERE event = 'changed') AS n_changed,
           count(*) FILTER (WHERE event = 'withdrawn') AS n_withdrawn,
           count(*) FILTER (WHERE event = 'returned') AS n_returned
    FROM core.item_events GROUP BY run_id
)
SELECT r.run_id, r.started_at, r.finished_at, r.status,
       CASE WHEN f.n IS NULL THEN r.requests ELSE f.n END AS requests,
       CASE WHEN f.n IS NULL THEN r.pages_fetched ELSE f.ok END AS pages_fetched,
       COALESCE(e.n_new, 0) AS items_new,
       COALESCE(e.n_changed, 0) AS items_changed,
       COALESCE(e.n_withdrawn, 0) AS items_withdrawn,
       COALESCE(r.reports_loaded, 0) AS reports_parsed,
       COALESCE(r.http_errors, f.errs, 0) AS http_errors,
       COALESCE(e.n_returned, 0) AS items_returned,
       r.full_relist, r.loaded_at
FROM core.runs r LEFT JOIN f USING (run_id) LEFT JOIN e USING (run_id);
COMMENT ON VIEW runs IS 'One row per loaded run (运行): what it fetched and what changed.';
COMMENT ON COLUMN runs.run_id IS 'Run id (sortable, e.g. 20260101T020000Z).';
COMMENT ON COLUMN runs.started_at IS 'When the crawl started (UTC instant).';
COMMENT ON COLUMN runs.finished_at IS 'When the crawl finished (UTC instant).';
COMMENT ON COLUMN runs.status IS 'Crawl outcome as the run recorded it (e.g. complete | partial | failed).';
COMMENT ON COLUMN runs.requests IS 'HTTP fetches made (requests).';
COMMENT ON COLUMN runs.pages_fetched IS 'Fetches that returned a page (outcome ok or not_modified).';
COMMENT ON COLUMN runs.items_new IS 'Items listed for the first time (条), from the change log.';
COMMENT ON COLUMN runs.items_changed IS 'Items whose list row changed (条), from the change log.';
COMMENT ON COLUMN runs.items_withdrawn IS 'Items withdrawn from listings (条), from the change log.';
COMMENT ON COLUMN runs.reports_parsed IS 'Annual reports the run loaded with parse_status parsed or partial (份).';
COMMENT ON COLUMN runs.http_errors IS 'Fetches that failed (HTTP error, network error, challenge page, too large).';
COMMENT ON COLUMN runs.items_returned IS 'Withdrawn items listed again (条), from the change log.';
COMMENT ON COLUMN runs.full_relist IS 'TRUE when the run re-read every listing to the end (full relist).';
COMMENT ON COLUMN runs.loaded_at IS 'When the warehouse loaded the run (UTC instant).';

-- ---------------------------------------------------------------- listings
CREATE OR REPLACE VIEW listings AS
SELECT run_id, agency_id, category_id, category_name, mode, status, pages_read, rows_seen,
       api_total, post_count, oldest_published_at, error
FROM core.listings;
COMMENT ON VIEW listings IS 'One row per run and leaf category listed: how far the run read the list API.';
COMMENT ON COLUMN listings.run_id IS 'Run (runs.run_id).';
COMMENT ON COLUMN listings.agency_id IS 'Sub-site (agencies.agency_id).';
COMMENT ON COLUMN listings.category_id IS 'Leaf category listed.';
COMMENT ON COLUMN listings.category_name IS 'Its name (分类名称).';
COMMENT ON COLUMN listings.mode IS 'full (read to the end) | incremental (stopped at known rows).';
COMMENT ON COLUMN listings.status IS 'complete | partial | error.';
COMMENT ON COLUMN listings.pages_read IS 'List pages read (页).';
COMMENT ON COLUMN listings.rows_seen IS 'List rows seen (条).';
COMMENT ON COLUMN listings.api_total IS 'Rows the API serves for the category (its window, 条).';
COMMENT ON COLUMN listings.post_count IS 'Nominal item count of the category (条); api_total < post_count means a window.';
COMMENT ON COLUMN listings.oldest_published_at IS 'Oldest publish time read (Asia/Shanghai wall-clock).';
COMMENT ON COLUMN listings.error IS 'What went wrong when status is not complete.';

-- ---------------------------------------------------------------- fetch_log
CREATE OR REPLACE VIEW fetch_log AS
SELECT run_id, seq, unit, kind, agency_id, url, final_url, status, outcome, sha256, bytes,
       elapsed_ms, fetched_at, error
FROM core.fetches;
COMMENT ON VIEW fetch_log IS 'Every HTTP fetch of every run (抓取日志).';
COMMENT ON COLUMN fetch_log.run_id IS 'Run (runs.run_id).';
COMMENT ON COLUMN fetch_log.seq IS 'Sequence number within the crawl unit.';
COMMENT ON COLUMN fetch_log.unit IS 'Crawl unit: a sub-site (its agency_id), _discover or _portal; in a config with `districts:`, _discover.<district id> and _portal.<district id>.';
COMMENT ON COLUMN fetch_log.kind IS 'robots | discover | index | list | content | column | article | attachment | image (an <img> of a report body, for OCR).';
COMMENT ON COLUMN fetch_log.agency_id IS 'Sub-site the fetch was for, if any.';
COMMENT ON COLUMN fetch_log.url IS 'URL requested.';
COMMENT ON COLUMN fetch_log.final_url IS 'URL after redirects.';
COMMENT ON COLUMN fetch_log.status IS 'HTTP status code, NULL when no response.';
COMMENT ON COLUMN fetch_log.outcome IS 'ok | not_modified | not_found | http_error | network_error | blocked | offsite | too_large | robots_disallowed.';
COMMENT ON COLUMN fetch_log.sha256 IS 'sha256 of the archived body.';
COMMENT ON COLUMN fetch_log.bytes IS 'Body size (bytes).';
COMMENT ON COLUMN fetch_log.elapsed_ms IS 'Time to fetch (ms).';
COMMENT ON COLUMN fetch_log.fetched_at IS 'When it was fetched (UTC instant).';
COMMENT ON COLUMN fetch_log.error IS 'Error text when the fetch failed.';

-- ---------------------------------------------------------------- run_errors
CREATE OR REPLACE VIEW run_errors AS
SELECT run_id, stage, agency_id, url, message FROM core.run_errors;
COMMENT ON VIEW run_errors IS 'Everything that went wrong in a run, by stage (运行错误).';
COMMENT ON COLUMN run_errors.run_id IS 'Run (runs.run_id).';
COMMENT ON COLUMN run_errors.stage IS 'crawl | parse | load | check.';
COMMENT ON COLUMN run_errors.agency_id IS 'Sub-site concerned, if any.';
COMMENT ON COLUMN run_errors.url IS 'URL concerned, if any.';
COMMENT ON COLUMN run_errors.message IS 'What went wrong.';
