-- Agency ranking of one report year by scorecard total, with what we could not tell.
SELECT rank_in_year, agency_name, district_name, total_score, criteria_unknown,
       published, on_time, parse_complete, reconciles, identities_hold, not_copied, catalog_fresh
FROM agency_scorecard
WHERE report_year = (SELECT max(report_year) FROM agency_scorecard)
ORDER BY rank_in_year, agency_name;
