"""Report metadata: year, agency, publication time and statistics period."""

from __future__ import annotations

import re
from datetime import date, datetime

from disclosure_etl.reports.numbers import chinese_to_int
from disclosure_etl.reports.text import nfkc

_YEAR = r"(?P<y>(?:19|20)\d\d|[〇零○一二]{1}[〇零○一二三四五六七八九]{3})"
_TITLE_YEAR = re.compile(_YEAR + r"\s*年")
_BODY_YEAR = re.compile(_YEAR + r"\s*年度?\s*(?:政府信息公开|政务公开)(?:工作)?\s*(?:年度)?\s*(?:报告|年报)")
_AGENCY_BEFORE = re.compile(r"^(?P<a>.+?)\s*" + _YEAR + r"\s*年")
_AGENCY_AFTER = re.compile(_YEAR + r"\s*年度?\s*(?P<a>.+?)\s*(?:政府信息公开|政务公开)")
_AGENCY_BODY = re.compile(r"由(?P<a>[^，。,；;：:\s“”《》]{2,40}?)(?:负责)?(?:编制|编写|制作|发布)")
_PUBLISHED = re.compile(
    r"(?:发布时间|发布日期|公开日期|日期)\s*[:：]\s*(?P<y>\d{4})[-/年.](?P<m>\d{1,2})[-/月.](?P<d>\d{1,2})日?"
    r"(?:\s+(?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2}))?)?"
)
_PERIOD = re.compile(
    r"(?P<y1>\d{4})\s*年\s*(?P<m1>\d{1,2})\s*月\s*(?P<d1>\d{1,2})\s*日\s*(?:起)?\s*(?:至|到|~|—|－|-)\s*"
    r"(?:(?P<y2>\d{4})\s*年)?\s*(?P<m2>\d{1,2})\s*月\s*(?P<d2>\d{1,2})\s*日"
)
_AGENCY_JUNK = re.compile(r"^(?:关于|印发|公布|《)+|(?:关于|发布|的)+$|[《》“”\"]")


def _year(token: str) -> int | None:
    if token.isdigit():
        return int(token)
    return chinese_to_int(token)


def report_year(title: str | None, text: str) -> int | None:
    """The year of the title ("{Y}年…年度报告"), else the one the body names its report for."""
    if title:
        m = _TITLE_YEAR.search(nfkc(title))
        if m:
            return _year(m.group("y"))
    m = _BODY_YEAR.search(nfkc(text[:20000]))
    if m:
        return _year(m.group("y"))
    return None


def agency_name(title: str | None, text: str) -> str | None:
    """The agency as stated: the title's prefix/infix around the year, else "由…编制" in the body."""
    if title:
        t = nfkc(title).strip()
        for rx in (_AGENCY_BEFORE, _AGENCY_AFTER):
            m = rx.search(t)
            if m:
                name = _AGENCY_JUNK.sub("", m.group("a")).strip(" ：:-—")
                if len(name) >= 2:
                    return name
    m = _AGENCY_BODY.search(nfkc(text[:20000]))
    if m:
        return _AGENCY_JUNK.sub("", m.group("a")).strip() or None
    return None


_SHORT_PREFIX = re.compile(r"^(?:广东省)?(?:广州市)?(?:[^市区县]{1,4}[区县])?(?:人民政府)?")


def short_agency_name(name: str) -> str:
    """Drop the province/city/district and 人民政府 prefixes: 广州市白云区人民政府鹤龙街道办事处 → 鹤龙街道办事处."""
    short = _SHORT_PREFIX.sub("", name.strip())
    return short or name.strip()


def published_time(text: str) -> datetime | None:
    """发布时间/发布日期: YYYY-MM-DD [HH:MM[:SS]] in the page, if stated."""
    m = _PUBLISHED.search(nfkc(text[:50000]))
    if not m:
        return None
    try:
        return datetime(
            int(m.group("y")), int(m.group("m")), int(m.group("d")),
            int(m.group("H") or 0), int(m.group("M") or 0), int(m.group("S") or 0),
        )  # fmt: skip
    except ValueError:
        return None


def statistics_period(sentences: list[str]) -> tuple[date | None, date | None]:
    """The stated statistics period (统计期限/时限 … 自 A 至 B), if any."""
    for s in sentences:
        if not re.search(r"统计|期限|时限|数据", s):
            continue
        m = _PERIOD.search(nfkc(s))
        if not m:
            continue
        try:
            y1 = int(m.group("y1"))
            start = date(y1, int(m.group("m1")), int(m.group("d1")))
            end = date(int(m.group("y2") or y1), int(m.group("m2")), int(m.group("d2")))
        except ValueError:
            continue
        return start, end
    return None, None
