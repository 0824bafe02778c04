"""The 政府信息公开情况统计表 attached to old (legacy) reports: rows of 指标 × 本年 / 历年累计.

It comes as a table (``指标名称 | 计量单位 | 2011年度 | 历年累计``) or flattened to one line
(``主动公开信息数 条 425 1516 其中：1.网站公开 条 418 1509 …``). Rows map by their label to the
figures.md keys (主动公开信息数 → ``active.total``, 网站公开 → ``active.channel.website``, 当面申请数
→ ``application.mode.in_person`` …); the year column gives the figure, the cumulative column
gives ``active.cumulative`` for the 主动公开 row. In flattened text a row's two numbers may be
fused (``条20263542``): the split is kept only when the table's identities allow one (本年 ≤
累计; the 其中 rows add up to their total), else the row is left out and named in a note.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field

from disclosure_etl.models import Figure
from disclosure_etl.reports.document import Grid
from disclosure_etl.reports.flattext import Chunk, Segment, segments, splits
from disclosure_etl.reports.numbers import parse_number
from disclosure_etl.reports.text import label_key, strip_enumerator

#: Row label → key, first match wins (applications before the words they contain).
STATS_ROWS: list[tuple[str, str]] = [
    (r"主动公开(政府)?(信息|文件)(数|总数|条数)?$|^主动公开$", "active.total"),
    (r"网站公开", "active.channel.website"),
    (r"公报", "active.channel.gazette"),
    (r"微博.{0,2}微信|微信.{0,2}微博", "active.channel.weibo_wechat"),
    (r"微博", "active.channel.weibo"),
    (r"微信", "active.channel.wechat"),
    (r"新闻发布会", "active.channel.press_conference"),
    (r"报刊|广播|电视|新闻媒体", "active.channel.media"),
    (r"当面", "application.mode.in_person"),
    (r"传真", "application.mode.fax"),
    (r"电子邮件|电子邮箱", "application.mode.email"),
    (r"网上|网络|在线", "application.mode.online"),
    (r"信函|邮寄", "application.mode.letter"),
    (r"其[它他]形式|其[它他]方式", "application.mode.other"),
    (r"部分公开", "application.outcome.partial"),
    (r"同意公开", "application.outcome.granted"),
    (r"否决|不同意公开|不予公开", "application.outcome.denied"),
    (r"其[他它]类型|其[他它]答复", ""),  # an outcome figures.md has no key for
    (r"答复(总)?数|办结", "application.processed"),
    (r"(受理|收到).{0,8}申请|申请(总)?数", "application.received"),
    (r"行政复议", "review.total"),
    (r"行政诉讼", "lawsuit.total"),
    (r"申诉|举报", "complaint.total"),
    (r"收费|费用", "fee.application"),
]
#: Rows that add up to another row ("其中" items): total → parts.
STATS_SUMS = {
    "active.total": [f"active.channel.{c}" for c in ("website", "gazette", "weibo_wechat", "weibo", "wechat", "press_conference", "media")],
    "application.received": [f"application.mode.{m}" for m in ("in_person", "fax", "email", "online", "letter", "other")],
    "application.processed": [f"application.outcome.{o}" for o in ("granted", "partial", "denied")],
}
_UNITS = ("条", "件", "宗", "次", "个", "项", "万元", "元")
_HEADER = re.compile(r"指标|统计表|计量单位")
_CUMULATIVE = re.compile(r"累计")
MAX_COMBINATIONS = 20000


@dataclass
class StatsRow:
    key: str
    label: str
    unit: str | None
    cells: list[list[str]]  # candidate (year, cumulative) readings; exactly one when certain
    digits: str = ""


@dataclass
class StatsResult:
    figures: list[Figure] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def stats_key(label: str) -> str | None:
    """figures.md key of a 统计表 row label, None when none fits."""
    text = strip_enumerator(label_key(label).removeprefix("其中：").removeprefix("其中:"))
    text = re.sub(r"^\d{1,2}[.．、]", "", text)
    keys = list(dict.fromkeys(key for pattern, key in STATS_ROWS if re.search(pattern, text)))
    if len(keys) > 1 and _family(keys[0]) == _family(keys[1]):
        return None  # 信函、传真申请数, 行政诉讼、举报数: two figures counted together
    return keys[0] if keys and keys[0] else None


def _family(key: str) -> str:
    return "appeals" if key in ("review.total", "lawsuit.total", "complaint.total") else key.rsplit(".", 1)[0]


def is_stats_grid(grid: Grid) -> bool:
    """A 统计表 grid: an 指标 header with a 累计 column."""
    head = label_key(" ".join(" ".join(r) for r in grid[:3]))
    return bool(_HEADER.search(head) and _CUMULATIVE.search(head))


def read_stats(grids: list[Grid], lines: list[str]) -> StatsResult:
    """Figures of the attached statistics table, from a grid or else from flattened text."""
    rows: list[StatsRow] = []
    for grid in grids:
        if is_stats_grid(grid):
            rows = _grid_rows(grid)
            break
    if not rows:
        rows = _flat_rows(lines)
    return _figures(rows)


def _grid_rows(grid: Grid) -> list[StatsRow]:
    header = next(r for r in grid[:3] if _CUMULATIVE.search(label_key(" ".join(r))))
    cum = next(i for i, c in enumerate(header) if _CUMULATIVE.search(label_key(c)))
    out: list[StatsRow] = []
    for row in grid:
        label = next((c for c in row if c.strip()), "")
        key = stats_key(label)
        if key is None or row is header:
            continue
        unit = next((label_key(c) for c in row if label_key(c) in _UNITS), None)
        values = [label_key(c) for i, c in enumerate(row) if i != cum and _number(c) is not None]
        cum_v = label_key(row[cum]) if cum < len(row) and _number(row[cum]) is not None else ""
        if values:
            out.append(StatsRow(key, label, unit, [[values[0], cum_v]]))
    return out


def _flat_rows(lines: list[str]) -> list[StatsRow]:
    """Rows of a 统计表 flattened to text: ``label unit year [cumulative]`` after its header."""
    segs = segments(lines)
    start, cols = _flat_start(segs)
    if start is None:
        return []
    out: list[StatsRow] = []
    for n, seg in enumerate(segs[start:]):
        label = label_key(seg.label)
        if n == 0:  # the header and the first row label share a segment: …年度历年累计主动公开信息数条
            label = label[max(label.rfind(w) + len(w) for w in _HEADER_ENDS if w in label) :]
        unit = next((u for u in _UNITS if label.endswith(u)), None)
        key = stats_key(label[: -len(unit)] if unit else label)
        if key is None or unit is None or not seg.chunks:
            if out and len(label) > 30:
                break  # past the table
            continue
        chunks = [Chunk(c.text, c.atomic) for c in seg.chunks]
        cands = splits(chunks, cols) or []
        if cols == 2:
            cands = [c for c in cands if (_number(c[0]) or 0) <= (_number(c[1]) or 0)]
        else:
            cands = [[c[0], ""] for c in cands]
        out.append(StatsRow(key, label[: -len(unit)], unit, cands, seg.digits()))
    return out


#: Words a 统计表 header ends with (the first row's label follows them in flattened text).
_HEADER_ENDS = ("累计", "统计数", "数值", "计量单位", "单位")


def _flat_start(segs: list[Segment]) -> tuple[int | None, int]:
    """Segment where the table's rows start, and its value columns (2 with 历年累计, else 1)."""
    for i in range(len(segs)):
        near = [label_key(h.label) for h in segs[max(0, i - 2) : i + 1]]
        if "累计" in near[-1] and any(_HEADER.search(h) for h in near):
            return i, 2  # the header may be cut by its year: 指标名称计量单位 | 2011 | 年度历年累计…
    for i, seg in enumerate(segs):
        label = label_key(seg.label)
        if re.search(r"指标名称|计量单位", label) and seg.chunks and not any("累计" in label_key(s.label) for s in segs[i : i + 3]):
            return i, 1
    return None, 0


def _number(text: str) -> float | None:
    parsed = parse_number(label_key(text).rstrip("万元条件宗次个项"))
    return parsed[0] if parsed else None


def _figures(rows: list[StatsRow]) -> StatsResult:
    result = StatsResult()
    resolved = _resolve(rows)
    seen: set[str] = set()
    for row in rows:
        cells = resolved.get(row.key)
        if row.key in seen:
            continue
        seen.add(row.key)
        if cells is None:
            result.notes.append(f"stats row {row.label}: digits {row.digits} cannot be split uniquely")
            continue
        year, cum = (_number(c) if c else None for c in cells)
        excerpt = f"统计表 {row.label}"
        if year is not None:
            result.figures.append(Figure(row.key, year, row.unit, False, False, excerpt))
        if row.key == "active.total" and cum is not None:
            result.figures.append(Figure("active.cumulative", cum, row.unit, False, False, f"{excerpt} 历年累计"))
    return result


def _resolve(rows: list[StatsRow]) -> dict[str, list[str] | None]:
    """One reading per row where only one fits its 其中 sum; None where none or several do.

    Each total and its 其中 rows are solved on their own, so a group that does not add up
    (the report contradicts itself) leaves the other groups' readings alone.
    """
    first: dict[str, StatsRow] = {}
    for row in rows:
        first.setdefault(row.key, row)
    fixed = {k: r.cells[0] for k, r in first.items() if len(r.cells) == 1}
    for total, parts in STATS_SUMS.items():
        group = {k: first[k].cells for k in [total, *parts] if k in first and len(first[k].cells) > 1}
        size = 1
        for c in group.values():
            size *= len(c)
        if not group or size > MAX_COMBINATIONS:
            continue
        names = list(group)
        alive = [
            combo
            for combo in itertools.product(*group.values())
            if _sums_hold({**fixed, **dict(zip(names, combo, strict=True))})
        ]
        for n, name in enumerate(names):
            options = {tuple(combo[n]) for combo in alive}
            if len(options) == 1:
                fixed[name] = list(options.pop())
    return {k: fixed.get(k) for k in first}


def _sums_hold(rows: dict[str, list[str]]) -> bool:
    for total, parts in STATS_SUMS.items():
        present = [p for p in parts if p in rows]
        if total not in rows or not present or (len(present) < len(parts) and total != "active.total"):
            continue
        for col in (0, 1):
            values = [_number(rows[p][col]) for p in present]
            want = _number(rows[total][col])
            if want is not None and None not in values and sum(v for v in values if v is not None) != want:
                return False
    return True
