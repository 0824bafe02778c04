"""Which template a report follows: ``legacy``, ``2019`` or ``2021`` — from template labels.

Only labels that exist in the national templates decide: the column labels of table 二
(本年新制作数量 … 2019, 本年制发件数 … 2021), its block captions (第二十条第（X）项), the row
labels of table 三 (本年新收政府信息公开申请数量, 申请人情况 …) and the groups of table 四
(未经复议直接起诉). Generic words that old free-text reports also use (总体情况, 按发布渠道统计,
行政复议) never make a report a template one. The labels are looked for in table grids and
in the text, so tables whose markup was lost still count.
"""

from __future__ import annotations

import re

from disclosure_etl.reports.labels import template_labels
from disclosure_etl.reports.tables import T2_COLS_2019, T2_COLS_2021, TableResult

HEADING = re.compile(
    r"^\s*(?P<n>[一二三四五六七八])\s*[、.．]?\s*(?P<t>[^\d，。]{2,40})$"
)
def detect_template(
    tables: TableResult, headings: list[str], year: int | None, texts: list[str] | None = None
) -> str:
    """2019 / 2021 when template labels exist (tables first, then text); otherwise legacy.

    ``texts`` are the report's lines; without them the labels the table reader saw are used.
    When the labels do not tell 2019 from 2021, the report year does (≤ 2020 → 2019).
    """
    labels = template_labels((texts or []) + headings) if texts is not None else dict(tables.labels)
    strong_2019 = T2_COLS_2019 - {"change"}  # 增减 columns also occur in old statistics tables
    score_2019 = len(tables.t2_cols & strong_2019) + len(tables.t2_rows & {"other_services", "procurement"})
    score_2021 = len(tables.t2_cols & T2_COLS_2021)
    if "other" in tables.t3_rows:
        score_2019 += 1
    if tables.t3_rows & {"other_1", "other_2", "other_3"}:
        score_2021 += 1
    score_2019 += labels.get("2019", 0)
    score_2021 += labels.get("2021", 0)
    if score_2019 != score_2021:
        return "2019" if score_2019 > score_2021 else "2021"
    template = bool(tables.found & {"t3", "t4"}) or labels.get("template", 0) > 0 or score_2019 > 0
    if not template:
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
