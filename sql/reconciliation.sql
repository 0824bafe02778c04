-- Rebuild core.reconciliation (contract.md §4, §7; report_formats.md §7).
-- Bound by refresh_reconciliation(): temp tables recon_params(tolerance_abs, tolerance_pct)
-- and recon_map(district_id, label, name) (the category maps: report label -> catalog category
-- names; district_id NULL is the default map, else a district's own).
DELETE FROM core.reconciliation;

INSERT INTO core.reconciliation
WITH RECURSIVE
-- one report per agency and year: the best-parsed, latest one that has figures
rep AS (
    SELECT agency_id, report_year, report_id FROM (
        SELECT r.agency_id, r.report_year, r.report_id,
               row_number() OVER (PARTITION BY r.agency_id, r.report_year
                                  ORDER BY (r.parse_status = 'parsed') DESC,
                                           r.published_at DESC NULLS LAST, r.report_id) AS rn
        FROM core.reports r
        WHERE r.agency_id IS NOT NULL AND r.report_year IS NOT NULL
          AND EXISTS (SELECT 1 FROM core.report_figures f WHERE f.report_id = r.report_id))
    WHERE rn = 1
),
fig AS (SELECT f.* FROM core.figure_values f JOIN rep USING (report_id)),
-- the scopes: total (the report's own stated active.total, nothing else), each
-- active.category.<label>, each channel (channel.<name>: what one channel carried, never the
-- total) and the district-wide figure (total_district: all the district's bodies, never this
-- agency's own total). A report that states no active.total still gets its total row
-- (reported NULL: not comparable, "the report states no proactive total").
scopes AS (
    SELECT rep.agency_id, rep.report_year, 'total' AS scope, t.value AS reported,
           t.approx, 'active.total' AS source_metric
    FROM rep
    LEFT JOIN fig t ON t.report_id = rep.report_id AND t.metric = 'active.total'
    UNION ALL
    SELECT agency_id, report_year, substr(metric, length('active.category.') + 1),
           value, approx, metric
    FROM fig
    WHERE metric LIKE 'active.category.%' AND metric NOT LIKE '%.pct'
    UNION ALL
    SELECT agency_id, report_year, 'channel.' || substr(metric, length('active.channel.') + 1),
           value, approx, metric
    FROM fig
    WHERE metric LIKE 'active.channel.%' AND metric NOT LIKE '%.pct'
    UNION ALL
    SELECT agency_id, report_year, 'total_district', value, approx, metric
    FROM fig
    WHERE metric = 'active.total_district'
),
-- catalog nodes of each agency: the tree, plus categories only seen in listings or rows
catalog AS (
    SELECT agency_id, category_id, name, parent_id FROM core.categories
    UNION ALL
    SELECT DISTINCT agency_id, category_id, category_name, NULL FROM core.listings l
    WHERE NOT EXISTS (SELECT 1 FROM core.categories c
                      WHERE c.agency_id = l.agency_id AND c.category_id = l.category_id)
    UNION ALL
    SELECT DISTINCT agency_id, category_id, category_name, NULL FROM core.items i
    WHERE NOT EXISTS (SELECT 1 FROM core.categories c
                      WHERE c.agency_id = i.agency_id AND c.category_id = i.category_id)
      AND NOT EXISTS (SELECT 1 FROM core.listings c
                      WHERE c.agency_id = i.agency_id AND c.category_id = i.category_id)
),
-- each agency's category map: its district's own, else the default one (district_id NULL)
agency_map AS (
    SELECT a.agency_id,
           CASE WHEN a.district_id IN (SELECT district_id FROM recon_map) THEN a.district_id END
               AS map_id
    FROM core.agencies a
),
scope_map AS (
    SELECT s.*, am.map_id FROM scopes s LEFT JOIN agency_map am USING (agency_id)
),
-- label -> names: the map's entry, else the label itself when a catalog node has that name
label_names AS (
    SELECT DISTINCT s.agency_id, s.scope, m.name
    FROM scope_map s JOIN recon_map m
      ON m.label = s.scope AND m.district_id IS NOT DISTINCT FROM s.map_id
    UNION
    SELECT DISTINCT s.agency_id, s.scope, s.scope
    FROM scope_map s
    WHERE s.scope <> 'total' AND NOT core.is_side_scope(s.scope)
      AND NOT EXISTS (SELECT 1 FROM recon_map m
                      WHERE m.label = s.scope AND m.district_id IS NOT DISTINCT FROM s.map_id)
      AND EXISTS (SELECT 1 FROM catalog c WHERE c.agency_id = s.agency_id AND c.name = s.scope)
),
-- a parent category counts its descendants
scope_cats(agency_id, scope, category_id) AS (
    SELECT DISTINCT n.agency_id, n.scope, c.category_id
    FROM label_names n JOIN catalog c ON c.agency_id = n.agency_id AND c.name = n.name
    UNION
    SELECT s.agency_id, s.scope, c.category_id
    FROM scope_cats s JOIN catalog c ON c.agency_id = s.agency_id AND c.parent_id = s.category_id
),
-- (agency, scope) -> listed categories in it; total = every category the agency listed
scope_listed AS (
    SELECT DISTINCT s.agency_id, s.scope, l.category_id
    FROM scopes s JOIN core.listings l ON l.agency_id = s.agency_id
    WHERE s.scope = 'total'
    UNION
    SELECT DISTINCT sc.agency_id, sc.scope, l.category_id
    FROM scope_cats sc JOIN core.listings l
      ON l.agency_id = sc.agency_id AND l.category_id = sc.category_id
),
listing_order AS (
    SELECT l.*, row_number() OVER (PARTITION BY l.agency_id, l.category_id
                                   ORDER BY r.started_at DESC NULLS LAST, l.run_id DESC) AS rn
    FROM core.listings l LEFT JOIN core.runs r USING (run_id)
),
-- per listed category: the latest listing, and the oldest publish time any complete listing reached
cat_state AS (
    SELECT agency_id, category_id,
           max(category_name) FILTER (WHERE rn = 1) AS category_name,
           max(status) FILTER (WHERE rn = 1) AS last_status,
           bool_or(COALESCE(api_total < post_count, FALSE)) FILTER (WHERE rn = 1) AS windowed,
           min(oldest_published_at) FILTER (WHERE status = 'complete') AS floor_at
    FROM listing_order GROUP BY ALL
),
-- the time an item counts by: its publish time, else (a row with only `date`) its written date
counted_items AS (
    SELECT *, COALESCE(published_at, CAST(written_date AS TIMESTAMP)) AS counted_at,
           published_at IS NULL AND written_date IS NOT NULL AS by_written
    FROM core.items
),
-- posted items per scope and year (normal and url rows, withdrawn included)
posted_total AS (
    SELECT agency_id, year(counted_at) AS y, count(*) AS n,
           count(*) FILTER (WHERE item_type = 'url') AS n_url,
           count(*) FILTER (WHERE by_written) AS n_written
    FROM counted_items WHERE counted_at IS NOT NULL GROUP BY ALL
),
-- an item counts once per scope, under every category it is listed in (usually one)
posted_cat AS (
    SELECT agency_id, scope, y, sum(n) AS n, sum(n_url) AS n_url, sum(n_written) AS n_written FROM (
        SELECT sc.agency_id, sc.scope, year(i.counted_at) AS y, count(*) AS n,
               count(*) FILTER (WHERE i.item_type = 'url') AS n_url,
               count(*) FILTER (WHERE i.by_written) AS n_written
        FROM counted_items i
        JOIN scope_cats sc ON sc.agency_id = i.agency_id AND sc.category_id = i.category_id
        WHERE i.counted_at IS NOT NULL AND len(COALESCE(i.categories, [])) <= 1
        GROUP BY ALL
        UNION ALL
        SELECT agency_id, scope, y, count(*), count(*) FILTER (WHERE item_type = 'url'),
               count(*) FILTER (WHERE by_written) FROM (
            SELECT DISTINCT sc.agency_id, sc.scope, m.item_id, year(m.counted_at) AS y, m.item_type,
                   m.by_written
            FROM (SELECT agency_id, item_id, counted_at, item_type, by_written, unnest(categories) AS cat
                  FROM counted_items
                  WHERE counted_at IS NOT NULL AND len(categories) > 1) m
            JOIN scope_cats sc ON sc.agency_id = m.agency_id AND sc.category_id = m.cat)
        GROUP BY ALL)
    GROUP BY ALL
),
incomplete AS (
    SELECT s.agency_id, s.report_year, s.scope,
           string_agg(DISTINCT CASE
               WHEN cs.last_status IS DISTINCT FROM 'complete'
                   THEN 'latest listing of ' || COALESCE(cs.category_name, cs.category_id::VARCHAR)
                        || ' is ' || COALESCE(cs.last_status, 'missing')
               WHEN cs.windowed AND (cs.floor_at IS NULL
                                     OR cs.floor_at > make_timestamp(s.report_year, 1, 1, 0, 0, 0))
                   THEN 'listing window of ' || COALESCE(cs.category_name, cs.category_id::VARCHAR)
                        || ' starts ' || COALESCE(strftime(cs.floor_at, '%Y-%m-%d'), 'after the year')
               END, '; ') AS why
    FROM scopes s
    JOIN scope_listed sl ON sl.agency_id = s.agency_id AND sl.scope = s.scope
    JOIN cat_state cs ON cs.agency_id = sl.agency_id AND cs.category_id = sl.category_id
    GROUP BY ALL
),
mapped AS (SELECT DISTINCT agency_id, scope FROM label_names),
has_cats AS (SELECT DISTINCT agency_id, scope FROM scope_cats),
has_listing AS (SELECT DISTINCT agency_id, scope FROM scope_listed),
joined AS (
    SELECT s.agency_id, s.report_year, s.scope, s.source_metric, s.approx,
           CAST(round(s.reported) AS BIGINT) AS reported,
           CASE WHEN s.scope = 'total' THEN COALESCE(pt.n, 0)
                WHEN hc.scope IS NULL THEN NULL ELSE COALESCE(pc.n, 0) END AS posted,
           CASE WHEN s.scope = 'total' THEN COALESCE(pt.n_url, 0) ELSE COALESCE(pc.n_url, 0) END AS n_url,
           CASE WHEN s.scope = 'total' THEN COALESCE(pt.n_written, 0) ELSE COALESCE(pc.n_written, 0) END AS n_written,
           (s.scope = 'total' OR m.scope IS NOT NULL) AS is_mapped,
           (s.scope = 'total' OR hc.scope IS NOT NULL) AS has_cats,
           hl.scope IS NOT NULL AS has_listing,
           inc.why
    FROM scopes s
    LEFT JOIN posted_total pt ON s.scope = 'total' AND pt.agency_id = s.agency_id AND pt.y = s.report_year
    LEFT JOIN posted_cat pc ON pc.agency_id = s.agency_id AND pc.scope = s.scope AND pc.y = s.report_year
    LEFT JOIN mapped m ON m.agency_id = s.agency_id AND m.scope = s.scope
    LEFT JOIN has_cats hc ON hc.agency_id = s.agency_id AND hc.scope = s.scope
    LEFT JOIN has_listing hl ON hl.agency_id = s.agency_id AND hl.scope = s.scope
    LEFT JOIN incomplete inc ON inc.agency_id = s.agency_id AND inc.scope = s.scope
                             AND inc.report_year = s.report_year
),
judged AS (
    SELECT j.*, p.tolerance_abs, p.tolerance_pct,
           CASE
               WHEN j.scope LIKE 'channel.%'
                   THEN 'a channel figure counts what one publication channel carried, not catalog items'
               WHEN j.scope = 'total_district'
                   THEN 'a district-wide figure (all the district''s bodies), not this agency''s own total'
               WHEN NOT j.is_mapped THEN 'no category mapping for ' || j.scope
               WHEN NOT j.has_cats THEN 'no catalog category of this agency matches ' || j.scope
               WHEN j.reported IS NULL THEN 'the report states no ' ||
                    CASE WHEN j.scope = 'total' THEN 'proactive total' ELSE 'count for ' || j.scope END
               WHEN NOT j.has_listing THEN 'no listing of the agency''s catalog was loaded'
               WHEN j.why IS NOT NULL AND j.why <> '' THEN 'year incomplete: ' || j.why
           END AS not_comparable_why
    FROM joined j CROSS JOIN recon_params p
)
SELECT agency_id, report_year, scope, reported, posted,
       posted - reported AS difference,
       CASE WHEN not_comparable_why IS NOT NULL THEN 'not_comparable'
            WHEN abs(posted - reported) <= tolerance_abs
              OR abs(posted - reported) <= tolerance_pct * reported THEN 'match'
            ELSE 'mismatch' END AS status,
       concat_ws('; ',
           not_comparable_why,
           CASE WHEN posted IS NOT NULL THEN n_url || ' of ' || posted || ' posted are url rows'
                ELSE 'nothing posted was counted' END,
           CASE WHEN posted IS NOT NULL AND n_written > 0 THEN n_written || ' of ' || posted
                || ' posted have no publish time and are counted by their written date' END,
           CASE WHEN reported IS NOT NULL THEN 'reported figure (' || source_metric || ') is '
                || CASE WHEN approx THEN 'approximate' ELSE 'exact' END END) AS note,
       now() AS refreshed_at
FROM judged
ORDER BY agency_id, report_year, scope;
