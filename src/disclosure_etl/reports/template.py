"""Which template a report follows: ``legacy``, ``2019`` or ``2021`` — from table labels first."""

from __future__ import annotations

import re

from disclosure_etl.reports.tables import T2_COLS_2019, T2_COLS_2021, TableResult

#: Section headings of the 2019/2021 national template (matched loosely).
NEW_HEADINGS = re.compile(r"总体情况|收到和处理政府信息公开申请|政府信息公开行政复议|行政复议、行政诉讼情况")
HEADING = re.compile(
    r"^\s*(?P<n>[一二三四五六七八])\s*[、.．]?\s*(?P<t>[^\d，。]{2,40})$"
)


def detect_template(tables: TableResult, headings: list[str], year: int | None) -> str:
    """Table header labels decide; without tables, the section headings and then the year do."""
    score_2019 = len(tables.t2_cols & T2_COLS_2019) + len(tables.t2_rows & {"other_services", "procurement"})
    score_2021 = len(tables.t2_cols & T2_COLS_2021)
    if "other" in tables.t3_rows:
        score_2019 += 1
    if tables.t3_rows & {"other_1", "other_2", "other_3"}:
        score_2021 += 1
    if score_2019 > score_2021:
        return "2019"
    if score_2021 > score_2019:
        return "2021"
    new_layout = bool(tables.found) or any(NEW_HEADINGS.search(h) for h in headings)
    if not new_layout:
        return "legacy"
    if year is not None and year <= 2020:
        return "2019"
    return "2021"


def section_headings(lines: list[str]) -> list[tuple[int, str, str]]:
    """(line index, numeral, heading text) of the top-level 一、…六、 headings."""
    out: list[tuple[int, str, str]] = []
    for i, line in enumerate(lines):
        if len(line) > 60:
            continue
        m = HEADING.match(line.strip())
        if m and re.search(r"情况|概述|问题|事项|措施|说明|附表|统计表", m.group("t").replace(" ", "")):
            out.append((i, m.group("n"), m.group("t").replace(" ", "")))
    return out
