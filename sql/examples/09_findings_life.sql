-- Findings across runs: what is new tonight, what stays open, what an operator acknowledged.
SELECT finding_key, state, is_new, severity, check_id, agency_id, report_year, scope,
       first_seen_run, last_seen_run, acknowledged_by, ack_note, message
FROM findings
WHERE state <> 'resolved'
ORDER BY is_new DESC, state, severity = 'error' DESC, check_id, agency_id, report_year;
