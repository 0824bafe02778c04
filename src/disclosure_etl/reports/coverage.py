"""Coverage: the core figures each template must yield, and the parse status they decide.

A report is ``parsed`` only when every core figure of its template was found (as a value or
as a blank cell); otherwise it is ``partial`` and the note names what is missing. The core
figures (contract.md §8: ``figures_expected`` / ``figures_found``):

* ``legacy`` (free text up to 2018): ``active.total``, ``application.received``,
  ``review.total`` and ``lawsuit.total`` — each only where the report has that section
  (:func:`sections_present`).
* ``2019`` / ``2021``: every cell of tables 二, 三 and 四 (the template's rows × columns,
  figures.md; （六）其他处理 may be printed either template's way, one row or three), plus
  the prose total ``active.total`` where the prose counts what was disclosed (a 主动公开
  sentence with an item count ``N条``).

``active.total`` is also satisfied by ``active.channel.website``: a report whose only total
is 通过门户网站主动公开…N条 states it as the channel figure (real_reports/README.md).

Beyond the core figures, :func:`unread_counts` finds counts the text states about disclosure
that no figure holds (a category list read by no rule): those also keep a report from
``parsed``. The status itself is set by ``parse.settle_status``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from disclosure_etl.models import Figure
from disclosure_etl.reports.phrases import DISCLOSURE_CUE, OTHER_ITEMS, OTHER_WORK
from disclosure_etl.reports.tables import T3_COL_ORDER, T4_GROUP_ORDER, T4_RESULT_ORDER
from disclosure_etl.reports.text import compact, label_key

#: Section name → cue that the report has that section (heading or topic words).
SECTION_CUES: dict[str, re.Pattern[str]] = {
    "active": re.compile(r"主动公开"),
    "application": re.compile(r"依申请公开|信息公开申请|公开申请|申请公开"),
    "review": re.compile(r"复议"),
    "lawsuit": re.compile(r"诉讼"),
}
#: 条 ending an item count: not a measure word for another noun (41条短视频, 第5条, 条例).
_ITEM_UNIT = r"条(?:(?=信息|政府信息|占|其中|左右|以上)|(?![\u4e00-\u9fff]))"
#: A sentence about proactive disclosure that states an item count.
_ACTIVE_COUNT = re.compile(rf"(?:主动公开|发布|公开)[^。；;]{{0,60}}?\d[\d,.]*(?:万)?(?:余|多)?{_ITEM_UNIT}")
#: Free-text core figure of each section.
SECTION_FIGURE = {
    "active": "active.total",
    "application": "application.received",
    "review": "review.total",
    "lawsuit": "lawsuit.total",
}
#: Figures that stand in for a core figure (score.py accepts the same).
ALTERNATIVES = {"active.total": ("active.channel.website",)}

T2_CELLS: dict[str, tuple[tuple[str, tuple[str, ...]], ...]] = {
    "2021": (
        ("regulation", ("issued", "abolished", "in_force")),
        ("normative_doc", ("issued", "abolished", "in_force")),
        ("licensing", ("decisions",)),
        ("penalty", ("decisions",)),
        ("enforcement", ("decisions",)),
        ("fee", ("amount",)),
    ),
    "2019": (
        ("regulation", ("new_made", "new_published", "total_published")),
        ("normative_doc", ("new_made", "new_published", "total_published")),
        ("licensing", ("prev_year_items", "change", "decisions")),
        ("other_services", ("prev_year_items", "change", "decisions")),
        ("penalty", ("prev_year_items", "change", "decisions")),
        ("enforcement", ("prev_year_items", "change", "decisions")),
        ("fee", ("prev_year_items", "change")),
        ("procurement", ("items", "amount")),
    ),
}
_T3_HEAD = ["new_received", "carried_over", "granted", "partial"]
_T3_OUTCOMES = (
    [f"denied_{i}" for i in range(1, 9)]
    + [f"unable_{i}" for i in range(1, 4)]
    + [f"notproc_{i}" for i in range(1, 6)]
)
T3_ROWS: dict[str, list[str]] = {
    "2021": _T3_HEAD + _T3_OUTCOMES + ["other_1", "other_2", "other_3", "total_processed", "carried_forward"],
    "2019": _T3_HEAD + _T3_OUTCOMES + ["other", "total_processed", "carried_forward"],
}
TEMPLATES = ("2019", "2021")


@dataclass(frozen=True)
class CoreFigure:
    """One figure a report of its template must state: ``t3.unable_1.total``, ``active.total``."""

    metric: str
    table: str  # t2 | t3 | t4 | prose | legacy
    alternatives: tuple[str, ...] = ()

    @property
    def row(self) -> str:
        """``unable_1`` for ``t3.unable_1.total``; the metric itself outside the tables."""
        parts = self.metric.split(".")
        return parts[1] if self.table in ("t2", "t3", "t4") else self.metric

    @property
    def col(self) -> str:
        return self.metric.split(".")[2] if self.table in ("t2", "t3", "t4") else ""


@dataclass
class Coverage:
    """Which core figures a report was expected to state and which of them are missing."""

    expected: list[CoreFigure] = field(default_factory=list)
    missing: list[CoreFigure] = field(default_factory=list)

    @property
    def figures_expected(self) -> int:
        return len(self.expected)

    @property
    def figures_found(self) -> int:
        return len(self.expected) - len(self.missing)

    @property
    def complete(self) -> bool:
        return not self.missing

    def note(self) -> str | None:
        """What is missing, compactly (``t3: rows unable_1..3 not found``); None if nothing."""
        return missing_note(self.expected, self.missing) or None


def sections_present(lines: Iterable[str]) -> set[str]:
    """Free-text sections the report has (``active``, ``application``, ``review``, ``lawsuit``).

    Decided from heading and topic words anywhere in the text; ``active_count`` also when a
    sentence about 主动公开 states an item count (``N条``). The one place that says which
    sections a report has: a section splitter can replace it.
    """
    text = label_key("\n".join(lines))
    found = {name for name, cue in SECTION_CUES.items() if cue.search(text)}
    if any(_ACTIVE_COUNT.search(s) for s in re.split(r"[。；;\n]", text)):
        found.add("active_count")
    return found


def table_cells(template: str) -> list[CoreFigure]:
    """Every cell of tables 二, 三 and 四 of a national template (``2019`` or ``2021``)."""
    out = [
        CoreFigure(f"t2.{row}.{col}", "t2") for row, cols in T2_CELLS[template] for col in cols
    ]
    out += [
        CoreFigure(f"t3.{row}.{col}", "t3", _t3_alternatives(row, col))
        for row in T3_ROWS[template]
        for col in T3_COL_ORDER
    ]
    out += [
        CoreFigure(f"t4.{grp}.{res}", "t4") for grp in T4_GROUP_ORDER for res in T4_RESULT_ORDER
    ]
    return out


def _t3_alternatives(row: str, col: str) -> tuple[str, ...]:
    """（六）其他处理 printed the other template's way: one row for three, or three for one."""
    if row == "other":
        return tuple(f"t3.other_{i}.{col}" for i in range(1, 4))
    if row.startswith("other_"):
        return (f"t3.other.{col}",)
    return ()


def core_figures(template: str | None, sections: set[str]) -> list[CoreFigure]:
    """The core figures of a report of ``template`` that has the given free-text ``sections``."""
    if template in TEMPLATES:
        # the prose total, where the prose counts what was disclosed (a 2019+ report may not)
        prose = [CoreFigure("active.total", "prose", ALTERNATIVES["active.total"])]
        return table_cells(template) + (prose if "active_count" in sections else [])
    return [
        CoreFigure(metric, "legacy", ALTERNATIVES.get(metric, ()))
        for name, metric in SECTION_FIGURE.items()
        if name in sections
    ]


def measure(template: str | None, sections: set[str], figures: Iterable[Figure]) -> Coverage:
    """Coverage of ``figures`` against the core figures (a value or a blank counts as found)."""
    stated = {f.metric for f in figures if f.value is not None or f.is_blank}
    expected = core_figures(template, sections)
    missing = [c for c in expected if c.metric not in stated and not stated & set(c.alternatives)]
    return Coverage(expected, missing)


def missing_note(expected: list[CoreFigure], missing: list[CoreFigure]) -> str:
    """``t2: table not found; t3: rows unable_1..3 not found; t3: cells granted.total not found``."""
    parts: list[str] = []
    for table in dict.fromkeys(c.table for c in expected):
        want = [c for c in expected if c.table == table]
        gone = [c for c in missing if c.table == table]
        if not gone:
            continue
        if table in ("prose", "legacy"):
            parts.append(f"{table}: {', '.join(c.metric for c in gone)} not found")
        elif len(gone) == len(want):
            parts.append(f"{table}: table not found")
        else:
            parts.extend(_table_note(table, want, gone))
    return "; ".join(parts)


def _table_note(table: str, want: list[CoreFigure], gone: list[CoreFigure]) -> list[str]:
    """Whole rows missing as ranges (``unable_1..3``), other cells as ``row.col`` (at most 6)."""
    rows = list(dict.fromkeys(c.row for c in want))
    gone_set = {c.metric for c in gone}
    whole = [r for r in rows if all(c.metric in gone_set for c in want if c.row == r)]
    cells = [f"{c.row}.{c.col}" for c in gone if c.row not in whole]
    out = []
    if whole:
        out.append(f"{table}: row{'s' if len(whole) > 1 else ''} {', '.join(_ranges(whole))} not found")
    if cells:
        more = f" (+{len(cells) - 6} more)" if len(cells) > 6 else ""
        out.append(f"{table}: cells {', '.join(cells[:6])}{more} not found")
    return out


def _ranges(rows: list[str]) -> list[str]:
    """``[unable_1, unable_2, unable_3, granted]`` → ``[unable_1..3, granted]``."""
    out: list[str] = []
    i = 0
    while i < len(rows):
        m = re.fullmatch(r"(.+)_(\d+)", rows[i])
        j = i
        if m:
            stem, n = m.group(1), int(m.group(2))
            while j + 1 < len(rows) and rows[j + 1] == f"{stem}_{n + j + 1 - i}":
                j += 1
        out.append(rows[i] if j == i else f"{rows[i]}..{rows[j].rsplit('_', 1)[1]}")
        i = j + 1
    return out


# ---------------------------------------------------------------- counts left unread

_NUMBER = r"(?<![第\d.,])(\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)(万)?(?:余|多)?"
#: An item count as the text states it: ``5条``, ``1,326条``, ``4.1万条``, ``20多条`` (not ``第5条``).
_ITEM_COUNT = re.compile(_NUMBER + _ITEM_UNIT)
#: An application count: ``4件``, ``72件申请`` (not ``13件事项``).
_CASE_COUNT = re.compile(_NUMBER + r"(?:件|宗)(?:(?=申请|占|其中|左右|以上)|(?![\u4e00-\u9fff]))")
#: (count pattern, the cue that makes a sentence about it, whether a list of two needs no cue)
_STATED = ((_ITEM_COUNT, "主动公开", True), (_CASE_COUNT, "申请", False))


def unread_counts(lines: Iterable[str], figures: Iterable[Figure]) -> list[str]:
    """Counts the text states about disclosure that no figure holds, each with its context.

    Counted: item counts (``N条``) in a sentence about 主动公开 or in a list (two or more in
    one sentence: a category list), and application counts (``N件``) in a sentence about
    申请. A lone item count elsewhere (招聘信息20条) is left alone. A count is held by a figure
    of that value whose excerpt shows the number (or that has no excerpt); a table cell does
    not hold a prose count (the prose figure is a row of its own). A parse that read
    every core figure but skipped such a count (a category list, the real total beside a wrong
    one, 答复…805件) is not complete: these make the report ``partial``.
    """
    held: dict[float, list[str]] = {}
    for f in figures:
        if f.value is not None:
            held.setdefault(round(f.value, 6), []).append(compact(f.source_excerpt or ""))
    out = []
    for sentence in re.split(r"[。\n]", compact("\n".join(lines))):
        for pattern, cue, lists in _STATED:
            counts = [m for m in pattern.finditer(sentence) if not _other_work(sentence, m, lists)]
            if not counts or (cue not in sentence and not (lists and len(counts) > 1)):
                continue
            for m in counts:
                value = float(m.group(1).replace(",", "")) * (10000 if m.group(2) else 1)
                excerpts = held.get(round(value, 6), [])
                if not any(not e or m.group(1) in e for e in excerpts):
                    out.append(_context(sentence, m.start(), m.end()))
    return out


def _other_work(sentence: str, m: re.Match[str], items: bool) -> bool:
    """A count the rules refuse on purpose: 政府采购信息45条, 窗口…受理申请N件, 答复的N件申请中.

    An item count is about other work when its own clause names such an object; an application
    count when its sentence is about other work (审批, 窗口, 热线) and has no disclosure cue.
    """
    if not items and sentence[max(0, m.start() - 1) : m.start()] == "的" and "申请中" in sentence[m.end() : m.end() + 4]:
        return True  # 在已答复的298件申请中，…: the set the outcomes are counted in, no figure (figures.md seed)
    if items:
        start = max(sentence.rfind(p, 0, m.start()) for p in "，,；;、：:") + 1
        return bool(OTHER_ITEMS.search(sentence[start : m.end()]))
    return bool(OTHER_WORK.search(sentence)) and not DISCLOSURE_CUE.search(sentence)


def _context(text: str, start: int, end: int) -> str:
    """The count with up to 12 characters before it, from the last punctuation on."""
    before = re.split(r"[,，;；。:：(（\n]", text[max(0, start - 12) : start])[-1]
    return before + text[start:end]


def unread_note(unread: list[str]) -> str:
    """``unread: 3 counts in the text not read (…工作动态信息5条; …)``."""
    shown = "; ".join(unread[:3]) + ("; …" if len(unread) > 3 else "")
    return f"unread: {len(unread)} count{'s' if len(unread) > 1 else ''} in the text not read ({shown})"


# ---------------------------------------------------------------- not a report

_REPORT_MARKERS = re.compile(r"年度?报告|年报|政府信息公开|信息公开工作")


def is_annual_report(text: str, figures: list[Figure]) -> bool:
    """False for a document that is no annual report: no report markers and no figures."""
    return bool(figures) or bool(_REPORT_MARKERS.search(label_key(text[:20000])))
