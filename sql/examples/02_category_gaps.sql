-- Reported vs posted per category label, largest gaps first (one agency-year per row group).
SELECT agency_id, report_year, scope AS category, reported, posted, difference, status
FROM reconciliation
WHERE scope <> 'total' AND status <> 'match'
ORDER BY abs(difference) DESC NULLS LAST, agency_id, report_year;
