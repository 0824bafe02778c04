-- id: report.text_vs_table
-- dimension: validity
-- severity: error
-- tolerance: 0 (blank cells count as zero; approximate prose figures 余/约 are not compared)
-- description: A figure the prose states that a table also holds agrees with it: applications received (本年新收; the prose may include 上年结转), carried over, processed and carried forward against table 三 总计, reviews and lawsuits against table 四 总计. A template report whose prose restates none of them is a skip.
WITH pairs(text_metric, label, table_metric, table_metric2, alt_metric) AS (
    VALUES ('application.received', '收到申请 / 本年新收', 't3.new_received.total', NULL, 't3.carried_over.total'),
           ('application.carried_over', '上年结转', 't3.carried_over.total', NULL, NULL),
           ('application.processed', '办结 / 总计', 't3.total_processed.total', NULL, NULL),
           ('application.carried_forward', '结转下年', 't3.carried_forward.total', NULL, NULL),
           ('review.total', '行政复议', 't4.review.total', NULL, NULL),
           ('lawsuit.total', '行政诉讼', 't4.suit_direct.total', 't4.suit_after_review.total', NULL)
), tabled AS (  -- reports with table 三 or 四 figures
    SELECT DISTINCT report_id, agency_id, report_year FROM check_figures
    WHERE metric LIKE 't3.%' OR metric LIKE 't4.%'
), cmp AS (
    SELECT t.report_id, p.text_metric, p.label, x.value AS stated,
           COALESCE(a.value, 0) + CASE WHEN p.table_metric2 IS NULL THEN 0 ELSE COALESCE(b.value, 0) END AS tabled,
           COALESCE(a.value, 0) + COALESCE(c.value, 0) AS tabled_alt,
           p.alt_metric IS NOT NULL AS has_alt
    FROM tabled t CROSS JOIN pairs p
    JOIN check_figures x ON x.report_id = t.report_id AND x.metric = p.text_metric
    JOIN check_figures a ON a.report_id = t.report_id AND a.metric = p.table_metric
    LEFT JOIN check_figures b ON b.report_id = t.report_id AND b.metric = p.table_metric2
    LEFT JOIN check_figures c ON c.report_id = t.report_id AND c.metric = p.alt_metric
    WHERE x.value IS NOT NULL AND NOT x.approx
      AND (p.table_metric2 IS NULL OR b.report_id IS NOT NULL)
), judged AS (
    SELECT *, stated = tabled OR (has_alt AND stated = tabled_alt) AS agrees FROM cmp
)
SELECT t.agency_id, t.report_year,
       CAST(count(j.text_metric) FILTER (WHERE NOT j.agrees) AS DOUBLE) AS observed, 0.0 AS expected,
       CASE WHEN count(j.text_metric) = 0 THEN NULL
            ELSE count(j.text_metric) FILTER (WHERE NOT j.agrees) = 0 END AS ok,
       CASE WHEN count(j.text_metric) = 0
                THEN 'Skipped: the prose restates none of the figures tables 三 and 四 hold.'
            WHEN count(j.text_metric) FILTER (WHERE NOT j.agrees) = 0
                THEN 'The ' || count(j.text_metric) || ' figure(s) the prose restates agree with the tables.'
            ELSE 'The prose contradicts the tables: ' || string_agg(
                     CASE WHEN NOT j.agrees THEN j.label || ' ' || core.fmt(j.stated) || ' in the text, '
                          || core.fmt(j.tabled) || ' in the table' END, '; ' ORDER BY j.text_metric) || '.'
       END AS message,
       to_json({'report_id': t.report_id,
                'contradictions': list({'metric': j.text_metric, 'text': j.stated, 'table': j.tabled}
                                       ORDER BY j.text_metric) FILTER (WHERE NOT j.agrees)}) AS sample
FROM tabled t LEFT JOIN judged j USING (report_id)
GROUP BY t.report_id, t.agency_id, t.report_year
