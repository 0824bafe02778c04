-- What the latest run saw change: new, edited, withdrawn and returned items.
SELECT c.event, c.agency_id, c.item_id, c.old_title, c.new_title, c.event_at
FROM item_changes c
WHERE c.run_id = (SELECT run_id FROM runs ORDER BY started_at DESC LIMIT 1)
ORDER BY c.event, c.agency_id, c.item_id;
