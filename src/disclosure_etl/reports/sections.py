"""Split a report's free text into the sections its figures belong to.

Headings are found wherever they stand, also inside run-on text whose line breaks were lost:
top level ``一、`` / ``第一部分`` (numbered in order; a table of contents in the preamble is
skipped) or a short heading line; second level ``（一）`` or a ``1.`` line naming a topic;
third level ``一是``; an attached ``附件1：…统计表`` is a table part. Each heading's title is classified by topic cues
(主动公开, 依申请, 收费, 复议/诉讼, 概述, 问题, 统计表, …). A sub-heading refines the topic
of a general parent (概述 / 总体情况 / 政府信息公开情况), so ``一、总体情况（二）依申请公开方面``
is an application section. In the 2019/2021 templates, parts 二/三/四 hold the tables and
are marked ``table``. A document without any heading is one ``unknown`` section.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

#: Topics a section can have. ``general`` = overview or unclassified text: every figure rule
#: may apply there, but a figure from its own section wins.
ACTIVE, APPLICATION, FEE, REVIEW = "active", "application", "fee", "review"
GENERAL, PROBLEMS, OTHER, TABLE, NONE = "general", "problems", "other", "table", "none"
#: Text of a document without any heading: every rule applies, no cue needed.
UNKNOWN = "unknown"
#: Rows of an attached indicator table rendered as text: every rule applies, no cue needed.
INDICATOR = "indicator"

_CN = "一二三四五六七八九十"
_TOP = re.compile(
    rf"(?:第(?P<p>[{_CN}]{{1,2}})部分|(?P<n>[{_CN}]{{1,2}})\s*[、.．]|(?P<s>[{_CN}]{{1,2}})(?=[ \t]))\s*"
)
_SUB = re.compile(rf"[（(]\s*(?P<n>[{_CN}]{{1,2}})\s*[)）]\s*")
#: ``1.主动公开情况`` at a line start: a sub-heading when its title names a topic.
_ARABIC = re.compile(r"(?:^|(?<=\n))\s*(?P<n>\d{1,2})\s*[、.．]\s*(?=\D)")
_THIRD = re.compile(rf"(?<![第统唯同单专划逐万之其])(?P<n>[{_CN}])是(?![否非])")
_STRONG_END = re.compile(r"(?:情况|概述|概况|措施|事项|方面|统计表|附表)+")
_WEAK_END = re.compile(r"(?:问题|数量|类别|形式|内容|工作)+")
_BOUNDARY = re.compile(r"[\n。；;！!？?）)\s]")
#: An attached statistics table announced inside the text (附件1：…统计表, 附表：…).
_ATTACHED_TABLE = re.compile(r"附件\s*\d*\s*[：:]?[^。；;，,\n]{0,40}?(?:统计表|指标表)|附表\s*\d*\s*[：:]")
_TITLE_STOP = re.compile(r"[，,。；;：:\d（(【]")

#: (topic, cue) in order: the first cue found in a heading title decides.
_CUES: list[tuple[str, re.Pattern[str]]] = [
    (TABLE, re.compile(r"统计表|附表|指标")),
    (PROBLEMS, re.compile(r"问题|不足|改进|措施|打算|计划|努力方向|下一步")),
    (REVIEW, re.compile(r"复议|诉讼|申诉|投诉|举报")),
    (FEE, re.compile(r"收费|费用|减免")),
    (APPLICATION, re.compile(r"依申请|申请公开|公开申请|申请情况|申请的?办理|申请的?答复|收到和处理")),
    (NONE, re.compile(r"咨询")),
    (ACTIVE, re.compile(r"主动公开|公开的?(?:主要)?(?:内容|数量|类别|形式|渠道|载体)|回应|解读|舆情|发布")),
    (GENERAL, re.compile(r"概述|概况|总体|基本情况|工作情况|主要做法|开展情况|信息公开情况|公开工作")),
    (OTHER, re.compile(r"其他|其它|说明")),
]
#: Parts of the 2019/2021 templates that are tables, keyed by their numeral.
_TEMPLATE_TABLE_PARTS = {"二", "三", "四"}
_TEMPLATE_MARK = re.compile(r"收到和处理政府信息公开申请")


@dataclass(frozen=True)
class Section:
    """A run of report text and the topic its headings give it."""

    topic: str
    heading: str
    text: str


@dataclass(frozen=True)
class _Mark:
    start: int
    end: int
    level: int
    numeral: str
    title: str


def heading_topic(title: str) -> str | None:
    """The topic a heading title names, or None when it names none."""
    for topic, cue in _CUES:
        if cue.search(title):
            return topic
    return None


def split_sections(lines: list[str]) -> list[Section]:
    """The text of ``lines`` cut at its headings, each piece with its topic."""
    text = "\n".join(lines)
    marks = _marks(text)
    template = any(m.level == 1 and _TEMPLATE_MARK.search(m.title) for m in marks)
    if not marks:
        return [Section(UNKNOWN, "", text)] if text.strip() else []
    out: list[Section] = []
    if marks[0].start > 0:
        out.append(Section(GENERAL, "", text[: marks[0].start]))
    topics: list[str | None] = [None, None, None]
    for i, mark in enumerate(marks):
        end = marks[i + 1].start if i + 1 < len(marks) else len(text)
        topic = heading_topic(mark.title)
        if mark.level == 1 and template and mark.numeral in _TEMPLATE_TABLE_PARTS:
            topic = TABLE
        topics[mark.level - 1] = topic
        for deeper in range(mark.level, 3):
            topics[deeper] = None
        out.append(Section(_effective(topics), mark.title, text[mark.start : end]))
    return [s for s in out if s.text.strip()]


def _effective(topics: list[str | None]) -> str:
    """A specific top-level topic stands; a general one is refined by its sub-headings."""
    top = topics[0] or GENERAL
    for sub in topics[1:]:
        if sub is None or sub in (GENERAL, OTHER):
            continue
        if top == GENERAL or (top == APPLICATION and sub in (REVIEW, FEE)):
            top = sub
    return top


def _marks(text: str) -> list[_Mark]:
    marks: list[_Mark] = []
    last = 0
    for m in _TOP.finditer(text):
        numeral = m.group("p") or m.group("n") or m.group("s")
        n = _numeral_value(numeral)
        before = text[m.start() - 1] if m.start() else "\n"
        at_line_start = before == "\n"
        title = _title(text, m.end())
        strong = bool(title) and heading_topic(title) is not None and bool(_STRONG_END.search(title))
        if m.group("s") and not at_line_start:
            continue
        if not (at_line_start or strong):
            continue
        if n == 1 and last > 1 and strong and _is_contents(marks):
            marks.clear()  # the headings so far were a table of contents (本报告包括：一、概述；二、…)
            last = 0
        if not (_BOUNDARY.match(before) or (strong and n == last + 1)) or before in "第其":
            continue
        if n == last + 1 or (n > last and (at_line_start or strong)):
            marks.append(_Mark(m.start(), m.end(), 1, numeral, title))
            last = n
    marks.extend(_plain_heading_lines(text, marks))
    marks.extend(_Mark(m.start(), m.end(), 1, "", "统计表") for m in _ATTACHED_TABLE.finditer(text))
    marks.sort(key=lambda k: k.start)
    starts = [k.start for k in marks]
    ends = [k.end for k in marks]
    for level, pattern in ((2, _SUB), (2, _ARABIC), (3, _THIRD)):
        for m in pattern.finditer(text):
            i = bisect.bisect_right(starts, m.start()) - 1
            if i >= 0 and m.start() < ends[i]:
                continue
            title = _title(text, m.end())
            if pattern is _ARABIC and not (heading_topic(title) and _STRONG_END.search(title)):
                continue
            marks.append(_Mark(m.start(), m.end(), level, m.group("n"), title))
    marks.sort(key=lambda k: k.start)
    return marks


def _is_contents(marks: list[_Mark]) -> bool:
    """Headings that follow each other within a few characters list the parts, they open none."""
    return len(marks) >= 2 and all(marks[i + 1].start - marks[i].end < 50 for i in range(len(marks) - 1))


def _plain_heading_lines(text: str, numbered: list[_Mark]) -> list[_Mark]:
    """Un-numbered heading lines (``主动公开政府信息情况``): short, no digits, a topic cue."""
    out: list[_Mark] = []
    taken = {k.start for k in numbered}
    pos = 0
    for line in text.split("\n"):
        stripped = line.strip()
        if (
            pos not in taken
            and 4 <= len(stripped) <= 24
            and not re.search(r"[\d，,。；;：:]", stripped)
            and re.search(r"(?:情况|概述|概况|措施|事项)$", stripped)
            and heading_topic(stripped) is not None
        ):
            out.append(_Mark(pos, pos + len(line), 1, "", stripped))
        pos += len(line) + 1
    return out


def _title(text: str, start: int) -> str:
    """A heading's title: up to its closing word (情况, 概述, …) or the first stop character."""
    window = re.sub(r"[ \t\u3000]+", "", text[start : start + 60].split("\n")[0])[:40]
    stop = _TITLE_STOP.search(window)
    window = window[: stop.start()] if stop else window
    m = _STRONG_END.search(window) or _WEAK_END.search(window)
    return window[: m.end()] if m else window


def _numeral_value(numeral: str) -> int:
    if numeral == "十":
        return 10
    if numeral.startswith("十"):
        return 10 + _CN.index(numeral[1]) + 1
    if numeral.endswith("十"):
        return (_CN.index(numeral[0]) + 1) * 10
    return _CN.index(numeral[0]) + 1 if len(numeral) == 1 else 0
