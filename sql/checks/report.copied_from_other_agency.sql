-- id: report.copied_from_other_agency
-- dimension: validity
-- severity: warn
-- tolerance: masked-clause similarity below checks.copy_similarity (config, default 0.9), or most of the report's own clauses not shared
-- description: A report is not a near-copy of another agency's report of the same year: with numbers and agency names masked, its clauses (boilerplate that three or more agencies write left out) are not those of the other report. The later-published report of a copied pair is the finding; the sample names the other report and the similarity.
WITH c AS (
    SELECT c.*, r.url, r.published_at, o.url AS other_url, o.published_at AS other_published_at,
           o.title AS other_title,
           c.copied AND (o.published_at IS NULL OR r.published_at IS NULL
                         OR r.published_at > o.published_at
                         OR (r.published_at = o.published_at AND c.report_id > c.other_report_id)) AS is_copy
    FROM check_copies c
    JOIN core.reports r USING (report_id)
    LEFT JOIN core.reports o ON o.report_id = c.other_report_id
)
SELECT agency_id, report_year, COALESCE(similarity, 0.0) AS observed, p.copy_similarity AS expected,
       CASE WHEN COALESCE(clauses, 0) = 0 THEN NULL ELSE NOT is_copy END AS ok,
       CASE WHEN COALESCE(clauses, 0) = 0 THEN 'Skipped: the report has no prose to compare.'
            WHEN is_copy
                THEN 'The report is a near-copy of ' || other_agency_id || '''s ' || report_year
                     || ' report (similarity ' || similarity || ' with numbers and names masked; '
                     || shared_distinctive || ' of its ' || distinctive || ' own clauses shared).'
            WHEN copied
                THEN 'The report was published first; ' || other_agency_id || '''s ' || report_year
                     || ' report is a near-copy of it (similarity ' || similarity || ').'
            WHEN other_report_id IS NOT NULL
                THEN 'The closest report of another agency (' || other_agency_id || ') has similarity '
                     || similarity || ' and shares ' || shared_distinctive || ' of its ' || distinctive
                     || ' own clauses: not a copy.'
            ELSE 'No report of another agency shares its own clauses (' || clauses || ' clauses compared).'
       END AS message,
       to_json({'report_id': report_id, 'url': url, 'other_report_id': other_report_id,
                'other_agency_id': other_agency_id, 'other_url': other_url,
                'similarity': similarity, 'shared_own_clauses': shared_distinctive,
                'own_clauses': distinctive}) AS sample
FROM c CROSS JOIN check_params p
