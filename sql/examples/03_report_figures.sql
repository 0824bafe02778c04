-- Every figure of one report, with the sentence or table cell it came from.
SELECT metric, value, unit, is_blank, approx, source_excerpt
FROM report_figures
WHERE agency_id = 'gzbyhlj' AND report_year = 2017
ORDER BY metric;
