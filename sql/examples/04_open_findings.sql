-- Open findings of the latest run, errors first.
SELECT severity, check_id, agency_id, report_year, message
FROM latest_check_results
WHERE status <> 'pass'
ORDER BY severity = 'error' DESC, check_id, agency_id, report_year;
