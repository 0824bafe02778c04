-- Which agencies claimed more proactively disclosed items than they posted?
SELECT a.name, r.report_year, r.reported, r.posted, r.difference, r.note
FROM reconciliation r JOIN agencies a USING (agency_id)
WHERE r.scope = 'total' AND r.status = 'mismatch'
ORDER BY r.difference, a.name, r.report_year;
