"""Free-text figures: the phrase catalogue of report_formats.md §5.3.

Works on sentences (see ``text.split_sentences``). Each rule anchors a number to a keyword
and a unit, so dates, phone numbers and counts of unrelated things never become figures.
A number is claimed by the first rule that matches it; rules run in a fixed order (zero
forms, cumulative, channels, responses, applications, outcomes, fees, reviews, totals,
categories). Text is read section by section (``sections.split_sections``): a figure
rule applies only in the sections of its topic (主动公开 figures in the 主动公开 section, …) or in
general text (概述, 总体情况, text without headings), and a figure from its own section beats one
from general text. Otherwise the first occurrence of a metric in a document wins.

Topic guards: a total or channel count needs a generic object (政府信息, 各类信息 — not
采购项目信息 or 招聘信息); a total through one medium is no total, a running one is
``active.cumulative``, a district-wide one (全区各单位/全区共…) is ``active.total_district``;
application, review and fee counts read outside their own section need a disclosure cue in the
sentence, and an application count about other work (审批, 诉求, 窗口) is never taken.
Category lists open after a total (其中…), after an intro (主要类别有：, 在…公开的N条政府信息中，)
or stand bare in the 主动公开 section (工作动态信息5条，财政预决算信息19条).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal

from disclosure_etl.models import Figure
from disclosure_etl.reports import sections as sec
from disclosure_etl.reports.numbers import NUMBER_RE, parse_number
from disclosure_etl.reports.text import compact, normalise_label, split_sentences

NUM = rf"(?P<n>{NUMBER_RE})"
G = r"[^，。；;,:：\d%]"  # one gap character: no clause punctuation, no digit
GN = r"[^，。；;,:：\d%的]"  # gap that also refuses 的 (答复的1件申请中 is not a count)
CASE = r"(?P<u>件|宗|个|次|起|条|份|项)"
LOOSE_CASE = rf"(?:{CASE}|(?=[，。；;,]|$))"  # 收到信息公开申请6，(missing unit)
PCT_AFTER = re.compile(
    rf"[，,、]?(?:均|分别|约)?占[^，。；;\d%]{{0,12}}?(?P<p>{NUMBER_RE})%"
)

UNITS = {
    "active": "条",
    "active.total_district": "条",
    "response": "次",
    "response.interpretations": "篇",
    "application": "件",
    "review": "件",
    "lawsuit": "件",
    "complaint": "件",
    "fee": "元",
}

MODES = {
    "当面": "in_person", "现场": "in_person", "网络": "online", "网上": "online",
    "在线": "online", "互联网": "online", "信函": "letter", "邮寄": "letter",
    "邮政": "letter", "传真": "fax", "电子邮件": "email", "电邮": "email", "其他": "other",
    "来信": "letter", "书面": "letter", "窗口": "in_person", "邮件": "email",
}  # fmt: skip
#: Mode words that name nothing but a channel of application (a bare 电子邮件2件 in a list of modes).
MODE_STRONG = "电子邮件|互联网|当面|网络|网上|信函|邮寄|传真|电邮"
MODE_ALT = "电子邮件|互联网|当面|现场|网络|网上|在线|信函|邮寄|邮政|传真|电邮|来信|书面|窗口|邮件|其他"

#: What a publishing verb may have as its object for a total or channel count: information in
#: general, never one kind of it (采购项目信息, 招聘信息 are not the disclosure total).
OBJ = (
    r"(?:了)?(?:各类|各项|各种|相关|有关)?(?:的)?(?:政府|政务)?(?:信息|文件|公文|稿件|文章|内容|推文|图文|消息)?"
    r"(?:的?(?:数量|总数|总量|数|量))?(?:共计|共|合计|总计|计)?(?:为|达到|达)?"
)
OBJ_NOUN = (
    r"(?:了)?(?:各类|各项|各种|相关|有关)?(?:的)?(?:政府|政务)?(?:信息|文件|公文)"
    r"(?:的?(?:数量|总数|总量|数|量))?(?:共计|共|合计|总计|计)?(?:为|达到|达)?"
)
ACTIVE_VERB = (
    r"(?<!申请)(?<!不予)(?<!免予)(?<!免于)(?<!部分)(?<!同意)(?<!不)"
    rf"(?:主动(?:向社会|对外)?公开(?:的)?{OBJ}|(?:公开|公布|发布|主动发布){OBJ_NOUN})"
)
#: 全区各单位… / 全区共…: a district-wide figure, kept apart from the office's own total.
DISTRICT = re.compile(r"全(?:区|县|市)(?:范围内)?(?:各|共|合计|累计|总共|一共|范围)")

CHANNELS = [
    ("微博微信|微信微博|微信、微博|微博、微信|微博和微信|微信和微博", "active.channel.weibo_wechat"),
    ("政务微博|微博", "active.channel.weibo"),
    ("政务微信|微信公众号|微信", "active.channel.wechat"),
    ("政府网站|门户网站|政府信息网|白云信息网|网站", "active.channel.website"),
    ("新闻发布会", "active.channel.press_conference"),
    ("新闻媒体|(?<!新)媒体", "active.channel.media"),
    ("政府公报|公报|政报", "active.channel.gazette"),
    ("其他方式|其他渠道", "active.channel.other"),
]

OUTCOMES = [  # order matters: longer / negated forms first
    ("免于公开|免予公开", "application.outcome.denied"),
    ("其[它他](?:形式)?公开答复", "application.outcome.partial"),
    ("否决公开|不同意公开|不予公开", "application.outcome.denied"),
    ("同意部分公开|部分公开", "application.outcome.partial"),
    ("(?<!不)同意公开|(?<!不)予以公开", "application.outcome.granted"),
    ("属于已?主动公开(?:的)?范围|已主动公开", "application.outcome.already_public"),
    (
        "非本(?:行政)?(?:机关|部门|单位)(?:政府信息|掌握)?|不属于?本(?:行政)?(?:机关|部门|单位)(?:公开|掌握)?",
        "application.outcome.not_this_agency",
    ),
    ("信息不存在|申请信息不存在", "application.outcome.not_exist"),
    ("告知作出更改补充|告知更改补充", "application.outcome.asked_to_amend"),
    ("告知通过其他途径办理|其他途径办理", "application.outcome.other_channel"),
    ("申请内容不明确", "other.申请内容不明确"),
    ("不属于政府信息公开范围|不属于政府信息", "other.不属于政府信息公开范围"),
    ("无法提供", "other.无法提供"),
    ("不予处理", "other.不予处理"),
    ("其他处理", "other.其他处理"),
]
CASE_RESULTS = r"维持|纠正|纠错|尚未|其他结果|审结|败诉|胜诉|申请人"


@dataclass
class _Rule:
    pattern: re.Pattern[str]
    metric: Callable[[re.Match[str]], str]
    forbid: re.Pattern[str] | None = None  # checked against the match
    clause_forbid: re.Pattern[str] | None = None  # checked against the whole clause of the match
    need: re.Pattern[str] | None = None  # the sentence must say this
    group: str | None = None  # topic group when not the metric's own (``other.*`` about 主动公开)


def _rule(
    pattern: str,
    metric: str | Callable[[re.Match[str]], str],
    forbid: str | None = None,
    clause_forbid: str | None = None,
    need: str | None = None,
    group: str | None = None,
) -> _Rule:
    if callable(metric):
        fn = metric
    else:
        key: str = metric

        def fn(_m: re.Match[str]) -> str:
            return key

    return _Rule(
        re.compile(pattern),
        fn,
        re.compile(forbid) if forbid else None,
        re.compile(clause_forbid) if clause_forbid else None,
        re.compile(need) if need else None,
        group,
    )


def _channel_rules() -> list[_Rule]:
    return [
        _rule(
            rf"(?:{kw}){G}{{0,14}}?(?:主动公开|公开|发布|推送|推文|刊登|报道){OBJ}{NUM}(?P<u>条|篇|件)",
            key,
            forbid=r"回应|等(?:平台|渠道|载体|方式|途径|媒介)",
        )
        for kw, key in CHANNELS
    ]


RULES: list[_Rule] = [
    _rule(rf"(?:历年累计|历年|累计至今|自20\d\d年以来累计){G}{{0,12}}?{NUM}条", "active.cumulative"),
    *_channel_rules(),
    _rule(  # 区政府公报发行12期，刊登文件86件: the items the gazette carried, not its issues
        rf"(?:政府公报|公报|政报)[^。；;]{{0,16}}?(?:刊登|刊发|刊载|登载)(?:了)?{OBJ}{NUM}(?P<u>条|篇|件|份)",
        "active.channel.gazette",
    ),
    _rule(rf"运用{G}{{0,10}}?(?:微信|微博)[、和及]?(?:微信|微博)?{G}{{0,8}}?{NUM}条", "active.channel.weibo_wechat"),
    _rule(rf"回应{G}{{0,12}}?(?:热点|舆情){G}{{0,6}}?{NUM}(?P<u>次|件|个)", "response.hotspots"),
    _rule(rf"新闻发布会{G}{{0,6}}?{NUM}(?P<u>次|场)", "response.press_conference"),
    _rule(rf"在线访谈{G}{{0,6}}?{NUM}(?P<u>次|场|期)", "response.online_interview"),
    _rule(rf"解读{G}{{0,8}}?{NUM}(?P<u>篇|份|条|次)", "response.interpretations"),
    _rule(rf"微博微信{G}{{0,12}}?回应{G}{{0,6}}?{NUM}(?P<u>次|件)", "response.weibo_wechat"),
    _rule(rf"其他方式回应{G}{{0,6}}?{NUM}(?P<u>次|件)", "response.other"),
    _rule(
        rf"(?:上年结转|接办上年|结转上年度?|上年度结转|上一年度结转){G}{{0,8}}?{NUM}{LOOSE_CASE}",
        "application.carried_over",
    ),
    _rule(rf"结转下一?年度?{G}{{0,8}}?{NUM}{CASE}", "application.carried_forward"),
    _rule(
        rf"{NUM}{CASE}(?:申请)?{G}{{0,10}}?(?:顺延|结转|转入|延期)(?:到|至)?(?:下一?年度?|次年)",
        "application.carried_forward",
    ),
    _rule(
        rf"(?<!延期)(?<!公开)(?:按时)?(?:办结|答复)了?(?:(?:政府)?信息公开|依申请公开)?(?:申请)?{GN}{{0,6}}?{NUM}{CASE}",
        "application.processed",
        clause_forbid=r"^(?:其中|另有)已?按时",  # 其中按时答复20件: a part of what was answered
    ),
    _rule(  # 受理依申请公开27件
        rf"(?:受理|收到|新收|接到|接收)(?:了)?依申请公开(?:政府信息)?(?:事项|案件)?(?:共计|共|合计)?{NUM}{CASE}",
        "application.received",
    ),
    _rule(
        rf"(?<![\d.,]){NUM}{CASE}(?:申请)?(?:均|全部|都)?已?(?:按时|按期|依法|及时)?(?:办结|答复|予以答复)",
        "application.processed",
    ),
    _rule(
        rf"(?:受理|收到|新收|接到|接收)(?:了)?依申请(?:公开)?(?:的)?(?:政府)?信息(?:公开)?(?:申请)?(?:共计|共|合计)?{NUM}{CASE}",
        "application.received",
    ),
    _rule(
        rf"(?:受理|收到|新收|接到|接收|收悉)(?:到|了)?{G}{{0,24}}?申请(?:数量?|共计|共|总数|合计)?为?{NUM}{LOOSE_CASE}",
        "application.received",
        forbid=r"未收到|没有收到",
    ),
    _rule(
        rf"(?:均为|均是|全部为|全部是|全为|都是|都为|均通过|全部通过|均系|系)(?P<k>{MODE_ALT})(?:方式|形式|渠道)?(?:提出的?|提交的?)?(?:申请|(?<=提出|提交)(?=[，。；;,]|$))",
        lambda m: f"application.mode.{MODES[m.group('k')]}",
    ),
    _rule(
        rf"(?P<k>{MODE_ALT})(?:方式|形式|途径)?(?:提交|提出)?的?申请(?:数|的)?{G}{{0,4}}?{NUM}{CASE}",
        lambda m: f"application.mode.{MODES[m.group('k')]}",
    ),
    _rule(
        rf"(?:通过)?(?P<k>{MODE_STRONG})(?:方式|形式|途径|渠道)?(?:提交|提出|申请)?的?{NUM}{CASE}",
        lambda m: f"application.mode.{MODES[m.group('k')]}",
        need=r"申请",
    ),
    _rule(  # 全年办理政府信息公开申请218件: neither received nor answered for sure, kept as other.*
        rf"(?P<k>办理(?:了)?{G}{{0,12}}?申请){NUM}{CASE}",
        lambda m: _other(m.group("k")),
        forbid=r"审批|许可|服务事项|建议|提案|信访|热线",
        need=r"信息公开|依申请|公开申请",
    ),
    _rule(rf"予以公开(?:及|和|与)部分公开{G}{{0,6}}?{NUM}{CASE}", "other.予以公开及部分公开"),
    *[
        _rule(rf"(?:{kw})(?!信息)(?:的|类|数)?{G}{{0,6}}?{NUM}{CASE}", key, forbid=r"行政复议|行政诉讼")
        for kw, key in OUTCOMES
    ],
    _rule(rf"(?:信息处理费|收取|收费){G}{{0,14}}?{NUM}(?P<u>万元|元)", "fee.application", clause_forbid=r"行政事业性"),
    _rule(rf"(?<!未经)(?:行政)?复议(?:申请|案件)?{G}{{0,6}}?{NUM}(?P<u>件|宗|起|次|个)", "review.total", forbid=CASE_RESULTS),
    _rule(rf"(?:行政)?诉讼(?:案件)?{G}{{0,6}}?{NUM}(?P<u>件|宗|起|次|个)", "lawsuit.total", forbid=CASE_RESULTS),
    _rule(rf"(?:申诉|举报投诉|投诉举报)(?:案件)?{G}{{0,6}}?{NUM}(?P<u>件|宗|起|次|个)", "complaint.total", forbid=CASE_RESULTS + "|申请"),
    _rule(rf"{ACTIVE_VERB}{NUM}条", lambda m: _total_kind(m)),
    _rule(rf"主动公开(?:的)?(?:各类)?(?:政府)?信息(?:共计|共|合计)?{NUM}件", lambda m: _total_kind(m)),
    _rule(
        rf"申请(?:对象|人)(?:主要)?为?(?P<k>[^，。；\d%]{{1,12}}?)(?:为主)?[，,]占{G}{{0,8}}?(?P<p>{NUMBER_RE})%",
        lambda m: f"other.{normalise_label(m.group('k'))}.pct",
    ),
    # counts that fit no key are kept as other.<label> (figures.md), not dropped:
    # a catalogue statistic (制作、获取政府信息总数N条, 作为依申请公开信息数N条) …
    _rule(
        rf"(?P<k>[^，。；;,:：\d%]{{1,20}}?(?:总数|信息数|文件数|件数|数量))(?:为|是|达|共计|共)?{NUM}(?P<u>条)",
        lambda m: _other(m.group("k")),
        group="active",
    ),
    # … and what one medium with no key of its own carried (通过社区电子显示屏发布信息N条).
    _rule(
        rf"通过(?P<k>[^，。；;,:：\d%]{{2,16}}?)(?:主动公开|公开|发布|推送|刊登|张贴|播放)(?![栏墙])(?!专栏){G}{{0,8}}?{NUM}(?P<u>条|篇|件)",
        lambda m: _other(m.group("k")),
        group="active",
    ),
]

#: An enumerator opening a clause (4、收费情况…) is no count: a run-on page keeps its headings inline.
HEADING_ENUM = re.compile(r"^(?:\d{1,2}[、.．]|[(（]\d{1,2}[)）])")
DATES = re.compile(r"\d{4}年(?:度|\d{1,2}月(?:\d{1,2}日)?)?|\d{1,2}月\d{1,2}日")
ZERO_FEE = re.compile(
    r"(?:未|没有|不|无|暂不|均未|免于|免予)(?:向申请人|对申请人)?(?:收取|收)[^，。；;\d]{0,14}?(?:费用|费)"
    r"|零收费|无收费|(?:未|没有)(?:发生|产生)(?:任何)?(?:收费|费用)|不存在(?:任何)?收费|免费提供|收费(?:金额)?为?0元|收费(?:金额|总额)?(?:为|是)零"
)
ZERO_APPLICATION = re.compile(
    r"(?:未收到|没有收到|未接到|没有接到|未受理|没有受理|未有)[^，。；;,\d]{0,20}?申请"
    r"|无(?:人)?(?:提出|收到)?(?:任何)?(?:政府信息公开|依申请公开|信息公开|公开)?(?:的)?申请"
)
NOT_APPLICATION = re.compile(r"复议|诉讼|申诉|投诉|举报|咨询")
NEGATION = re.compile(r"(?:无|未|没有|并未|均未)(?:发生|出现|收到|接到|有|涉及)?")
CASE_KINDS = [("复议", "review.total"), ("诉讼|被起诉", "lawsuit.total"), ("申诉|投诉|举报", "complaint.total")]
NOT_ZERO = re.compile(r"纠错|纠正|败诉|撤销|被确认违法")
ALL_ZERO = re.compile(r"(?:均为|均是|都为|为)(?:零|0)(?:件|宗|起)?$")
CATEGORY_ITEM = re.compile(
    rf"(?P<label>(?:\d{{1,2}}[.、]?|[①-⑳])?[^；;，,\d%]{{1,30}}?){NUM}条"
)
CATEGORY_PCT = re.compile(
    rf"(?P<label>(?:\d{{1,2}}[.、]|[①-⑳])?[^；;，,\d%]{{1,30}}?)[，,]?占(?:总数|总体|全部|总量)?的?(?:比例|比重)?为?(?P<p>{NUMBER_RE})%"
)
#: A clause of a bare category list: ``工作动态信息5条`` (the label ends in 类/信息).
BARE_ITEM = re.compile(
    rf"^(?:\d{{1,2}}[.、]|[①-⑳])?(?P<label>[^，,；;\d%]{{2,20}}?(?:类信息|类|信息)){NUM}条$"
)
LIST_START = re.compile(r"^[，,。；;]*(?:其中|包括|分别为|具体为|主要有)[：:，,]?")
#: Phrases that open a category list without a total: 主要类别有： / 在主动公开的425条政府信息中，
LIST_INTRO = re.compile(
    rf"(?:主要类别|主要内容|信息类别|类别)(?:有|为|包括|如下|是)?[：:]|(?:主要|具体)包括[：:]"
    rf"|(?:按|从)(?:信息)?(?:公开)?类别(?:统计|划分|分|看|来看)?[：:，,]"
    rf"|(?:在|从)?[^，。；;\d]{{0,24}}?(?:公开|发布)的?(?:{NUM}条)?(?:各类)?(?:政府)?信息中[，,：:]?"
)
ENUM_START = re.compile(r"^(?:\d{1,2}[.、]|[①-⑳]|；|[一二三四五六七八九十]是)")
_PAREN = re.compile(r"[(（](?P<c>[^()（）]{0,300})[)）]")
_ENUM_PAREN = re.compile(r"^[\d一二三四五六七八九十]{1,3}$")
#: Outside the application section, an application count must say it is about disclosure.
DISCLOSURE_CUE = re.compile(r"信息公开|依申请|公开申请|申请公开|政府信息|信息处理费")
#: Counts that other work also reports (service windows, online approvals, an office's own
#: legal cases, parking fees): outside their own section they need the disclosure cue.
CUED_METRICS = {
    "application.received", "application.processed", "review.total", "lawsuit.total", "complaint.total",
    "fee.application",
}  # fmt: skip
ACTIVE_METRICS = ("active.total", "active.total_district", "active.channel.")

#: How good a section is for a metric group: 0 its own section, 1 general text, 2 problems;
#: a group that is absent may not be read from that section at all.
SECTION_RANK: dict[str, dict[str, int]] = {
    sec.ACTIVE: {"active": 0},
    sec.APPLICATION: {"application": 0, "review": 0, "fee": 0},
    sec.FEE: {"fee": 0, "review": 1},
    sec.REVIEW: {"review": 0, "fee": 1},
    sec.GENERAL: {"active": 1, "application": 1, "review": 1, "fee": 1},
    sec.UNKNOWN: {"active": 1, "application": 1, "review": 1, "fee": 1},
    sec.INDICATOR: {"active": 1, "application": 1, "review": 1, "fee": 1},
    sec.OTHER: {"active": 1, "application": 1, "review": 1, "fee": 1},
    sec.PROBLEMS: {"review": 2, "fee": 2},
    sec.TABLE: {},
    sec.NONE: {},
}
#: Words of other work an application count may be about (审批申请, 群众诉求, 热线来电…).
OTHER_WORK = re.compile(r"审批|办事(?!处)|诉求|热线|服务事项|来电|来信|来访|信访|许可|业务办理|窗口|政务服务")
#: Objects of other work an item count may be about (采购项目信息, 招聘信息, 网上竞价): never a
#: disclosure total or channel (OBJ refuses them), so a count of them is no count left unread.
OTHER_ITEMS = re.compile(r"采购|招聘|招标|投标|中标|竞价|拍卖|招录|录用|培训|会议|访问量|点击")
#: Text read without the disclosure cue: a document without headings, an indicator table.
UNCUED = {sec.UNKNOWN, sec.INDICATOR}
_GROUPS = {"response": "active", "other": "application", "review": "review", "lawsuit": "review",
           "complaint": "review", "fee": "fee", "active": "active", "application": "application"}  # fmt: skip


def metric_group(metric: str) -> str:
    """The topic a metric belongs to: active, application, fee or review."""
    return _GROUPS.get(metric.split(".")[0], "application")


def _prepare(sentence: str) -> str:
    """Compact form; parenthesised enumerators → ；, asides holding numbers → clauses, others dropped."""

    def repl(m: re.Match[str]) -> str:
        content = m.group("c")
        if _ENUM_PAREN.match(content):
            return "；"
        if re.search(r"\d", content):
            return f"，{content}，"
        return ""

    text = compact(sentence)
    prev = None
    while prev != text:
        prev, text = text, _PAREN.sub(repl, text)
    return text


def _unit_for(metric: str) -> str:
    if metric.endswith(".pct"):
        return "%"
    if metric in UNITS:
        return UNITS[metric]
    return UNITS.get(metric.split(".")[0], "件")


class PhraseExtractor:
    """Accumulates free-text figures over the sentences of one document, section by section."""

    def __init__(self) -> None:
        self.figures: dict[str, Figure] = {}
        self._rank: dict[str, int] = {}
        self._in_category_list = False
        self._list_armed = False
        self._topic = sec.GENERAL
        self._sentence_text = ""

    def feed(self, sentences: Iterable[str], topic: str = sec.UNKNOWN) -> None:
        """Read these sentences as text of a section with this topic (see ``sections``)."""
        self._topic = topic
        for sentence in sentences:
            self._sentence(sentence)

    def state_zero(self, metric: str, topic: str, excerpt: str) -> None:
        """Record a zero the text states for ``metric`` in a section of this topic."""
        self._topic = topic
        self._sentence_text = excerpt
        self._add(metric, 0.0, False, excerpt)

    # ------------------------------------------------------------------ internals

    def _allowed(self, metric: str, group: str | None = None) -> int | None:
        """The rank of a figure for this metric read here, or None when this section may not give it."""
        group = group or metric_group(metric)
        rank = SECTION_RANK.get(self._topic, {}).get(group)
        if rank is None:
            return None
        if metric not in CUED_METRICS or DISCLOSURE_CUE.search(self._sentence_text):
            return rank
        if rank > 0 and self._topic not in UNCUED:
            return None
        if metric.startswith("application.") and OTHER_WORK.search(self._sentence_text):
            return None
        return rank

    def _add(self, metric: str, value: float | None, approx: bool, excerpt: str, group: str | None = None) -> bool:
        rank = self._allowed(metric, group)
        if rank is None or self._rank.get(metric, 99) <= rank:
            return False
        if self.figures.pop(metric, None) is not None:  # a better section replaces it and its share
            self.figures.pop(f"{metric}.pct", None)
            self._rank.pop(f"{metric}.pct", None)
        self._rank[metric] = rank
        self.figures[metric] = Figure(
            metric=metric, value=value, unit=_unit_for(metric), approx=approx, source_excerpt=excerpt
        )
        return True

    def _sentence(self, sentence: str) -> None:
        excerpt = " ".join(sentence.split())[:300]
        text = _prepare(sentence)
        self._sentence_text = text
        if not text:
            return
        claimed: list[tuple[int, int]] = []
        self._continue_list(text, sentence, excerpt, claimed)
        self._zero_forms(text, excerpt)
        listed = self._intros(text, excerpt, claimed)
        for rule in RULES:
            if rule.need and not rule.need.search(text):
                continue
            for m in rule.pattern.finditer(text):
                span = m.span("n") if "n" in m.groupdict() and m.group("n") else m.span()
                if not _free(claimed, *span):
                    continue
                if rule.forbid and rule.forbid.search(m.group(0)):
                    continue
                if rule.clause_forbid and rule.clause_forbid.search(_clause(text, m)):
                    continue
                metric = rule.metric(m)
                if not metric:
                    continue
                claimed.append(span)
                added = self._emit(metric, m, text, excerpt, claimed, rule.group)
                if not added and metric in ("active.total", "active.total_district"):
                    self._publisher_share(m, excerpt)
                if metric.startswith(ACTIVE_METRICS):
                    listed = self._list_after(text, m.end(), excerpt, claimed) or listed
        if not listed and self._topic == sec.ACTIVE:
            self._bare_list(text, excerpt, claimed)

    def _continue_list(self, text: str, sentence: str, excerpt: str, claimed: list[tuple[int, int]]) -> None:
        """A sentence that goes on with the category list the previous one opened (its items are claimed)."""
        armed, self._list_armed = self._list_armed, False
        if armed:
            lm = LIST_START.match(text)
            if lm:
                if text[lm.end() :].strip("：:，,；; "):
                    self._categories(text, lm.end(), excerpt, claimed)
                else:  # 其中， alone: the items follow as 一是…；二是… or 1.…
                    self._in_category_list = True
                return
        if self._in_category_list:
            if ENUM_START.match(text) or ENUM_START.match(sentence.strip()):
                self._categories(text, 0, excerpt, claimed)
                return
            self._in_category_list = False

    def _list_after(self, text: str, end: int, excerpt: str, claimed: list[tuple[int, int]]) -> bool:
        """After a total: 其中… in the same sentence, or (at its end) in the next one."""
        rest = text[end:]
        lm = LIST_START.match(rest)
        if not lm:  # nothing or a remark without counts (同比增长12%) after the total: 其中… may follow
            self._list_armed = not re.search(r"\d[\d,.]*(?:万)?(?:余|多)?条", rest)
            return False
        start = end + lm.end()
        if start >= len(text) or not text[start:].strip("：:，,"):
            self._in_category_list = True
        else:
            self._categories(text, start, excerpt, claimed)
        return True

    def _intros(self, text: str, excerpt: str, claimed: list[tuple[int, int]]) -> bool:
        """主要类别有：… / 在…公开的N条政府信息中，…: the list that follows is categories."""
        found = False
        for m in LIST_INTRO.finditer(text):
            if not _free(claimed, *m.span()):
                continue
            claimed.append(m.span())
            found = True
            if m.end() >= len(text):
                self._in_category_list = True
            else:
                self._categories(text, m.end(), excerpt, claimed)
        return found

    def _bare_list(self, text: str, excerpt: str, claimed: list[tuple[int, int]]) -> None:
        """Two or more clauses like 工作动态信息5条 in the 主动公开 section form a category list."""
        clauses = [(m.start(), m.group()) for m in re.finditer(r"[^，,；;。]+", text)]
        items = [(start, c) for start, c in clauses if BARE_ITEM.match(c) and _free(claimed, start, start + len(c))]
        items = [(start, c) for start, c in items if not _looks_like_sentence(normalise_label(c))]
        if len(items) < 2:
            return
        for start, clause in items:
            m = BARE_ITEM.match(clause)
            if m is None:
                continue
            label = normalise_label(m.group("label"))
            if label and not _looks_like_sentence(label):
                claimed.append((start, start + len(clause)))
                self._emit(f"active.category.{label}", m, clause, excerpt, claimed)

    def _emit(
        self,
        metric: str,
        m: re.Match[str],
        text: str,
        excerpt: str,
        claimed: list[tuple[int, int]],
        group: str | None = None,
    ) -> bool:
        """Add the figure of match ``m`` (and a share 占N% right after it); True when added."""
        groups = m.groupdict()
        if groups.get("n"):
            parsed = parse_number(m.group("n"))
            if parsed is None:
                return False
            value, approx = parsed
            approx = approx or text.startswith("左右", m.end())
            if metric == "fee.application" and groups.get("u") == "万元":
                value = float(Decimal(str(value)) * 10_000)
            added = self._add(metric, value, approx, excerpt, group)
        elif groups.get("p"):  # a percentage-only rule
            parsed = parse_number(m.group("p"))
            return parsed is not None and self._add(metric, parsed[0], parsed[1], excerpt, group)
        else:  # 均为信函申请: the mode count equals the received count
            base = self.figures.get("application.received")
            if base is None:
                return False
            added = self._add(metric, base.value, base.approx, excerpt)
        pm = PCT_AFTER.match(text, m.end())
        if pm and added:
            parsed = parse_number(pm.group("p"))
            if parsed is not None:
                claimed.append(pm.span("p"))
                self._add(f"{metric}.pct", parsed[0], parsed[1], excerpt, group)
        return added

    def _publisher_share(self, m: re.Match[str], excerpt: str) -> None:
        """区直各单位主动公开政府信息N条 beside the total: one publisher's share, kept as ``other.*``."""
        who = _clause_before(m)
        if not PUBLISHER.search(who):
            return
        parsed = parse_number(m.group("n"))
        if parsed is not None:
            label = _other(who + "主动公开")
            self._add(label, parsed[0], parsed[1], excerpt, "active")

    def _categories(self, text: str, start: int, excerpt: str, claimed: list[tuple[int, int]]) -> None:
        pos = start
        while pos < len(text):
            m = CATEGORY_ITEM.match(text, pos) or CATEGORY_PCT.match(text, pos)
            if not m:
                nxt = re.search(r"[；;，,]", text[pos:])
                if not nxt:
                    break
                pos += nxt.end()
                continue
            label = normalise_label(_drop_total_words(m.group("label")))
            span = m.span("n") if "n" in m.groupdict() else m.span("p")
            if label and _free(claimed, *span) and not _looks_like_sentence(label):
                claimed.append(span)
                metric = f"active.category.{label}"
                if "n" in m.groupdict():
                    self._emit(metric, m, text, excerpt, claimed)
                else:
                    parsed = parse_number(m.group("p"))
                    if parsed is not None:
                        self._add(f"{metric}.pct", parsed[0], parsed[1], excerpt)
            pos = m.end()

    def _zero_forms(self, text: str, excerpt: str) -> None:
        for clause in re.split(r"[，。；;,]", text):
            if not clause or re.search(r"[1-9]", DATES.sub("", HEADING_ENUM.sub("", clause))):
                continue
            if ZERO_FEE.search(clause) and "行政事业性" not in clause:
                self._add("fee.application", 0.0, False, excerpt)
            if (
                ZERO_APPLICATION.search(clause)
                and not NOT_APPLICATION.search(clause)
                and (self._topic == sec.APPLICATION or "公开" in clause)
            ):
                self._add("application.received", 0.0, False, excerpt)
            neg = NEGATION.search(clause)
            if NOT_ZERO.search(clause):
                continue
            tail = clause[neg.end() :] if neg else ""
            if not neg or not any(re.search(k, tail) for k, _ in CASE_KINDS):
                if ALL_ZERO.search(clause):
                    tail = clause
                else:
                    continue
            for kinds, metric in CASE_KINDS:
                if re.search(kinds, tail):
                    self._add(metric, 0.0, False, excerpt)


#: Who published a share of the total: 区直各单位, 各乡镇, 县直部门, 公开办 (not the office itself).
PUBLISHER = re.compile(r"各[^，。；;]{0,4}(?:单位|部门|乡镇|街道|镇|科室|中心|局)|[区县市]直|乡镇|街道|公开办|下属")


def _other(label: str) -> str:
    """``other.<label>`` for a count that fits no key (time words in front are not the label)."""
    return "other." + normalise_label(re.sub(r"^(?:年度?|全年|本年度?|今年|当年)", "", label))


def _free(claimed: list[tuple[int, int]], a: int, b: int) -> bool:
    return all(b <= x or a >= y for x, y in claimed)


def _clause(text: str, m: re.Match[str]) -> str:
    start = max(text.rfind(p, 0, m.start()) for p in "，。；;,") + 1
    ends = [i for i in (text.find(p, m.end()) for p in "，。；;,") if i >= 0]
    return text[start : min(ends) if ends else len(text)]


def _clause_before(m: re.Match[str]) -> str:
    """The part of the match's clause that comes before it (who published: 全区各单位…)."""
    text = m.string
    start = max(text.rfind(p, 0, m.start()) for p in "，。；;,") + 1
    return text[start : m.start()]


def _drop_total_words(label: str) -> str:
    """``包括办事程序类信息共`` → ``办事程序类信息``: list and count words around a label are not the label."""
    label = re.sub(r"^[：:，,]*(?:包括|主要有|分别为|分别是|其中)[：:，,]?", "", label)
    return re.sub(r"(?:共计|共|合计|计|为)$", "", label)


#: Who or how a total was published: a medium (通过宣传栏…) makes it a channel figure, unless it
#: is every medium (通过多种渠道…).
_MEDIUM = re.compile(r"通过|利用|借助|依托")
_ALL_MEDIA = re.compile(r"(?:多种|各种|各类|不同|多个|各|等)(?:渠道|方式|途径|载体|平台|形式|媒介)")
_CUMULATIVE = re.compile(r"截至|截止|至今|以来")
_THIS_YEAR = re.compile(r"全年|本年|今年|当年|年度|20\d\d年(?![底末])")


def _total_kind(m: re.Match[str]) -> str:
    """active.total, or what else a 主动公开…N条 match is: district-wide, cumulative, one medium."""
    clause = _clause_before(m)
    before = m.string[max(0, m.start() - 24) : m.start()]
    annual = bool(re.search(r"全年|本年|今年|当年", clause) or re.search(r"(?:今年|本年度?|年初)以来", before))
    if not annual and (_CUMULATIVE.search(before) or ("累计" in clause and not _THIS_YEAR.search(before))):
        return "active.cumulative"
    if _MEDIUM.search(clause) and not _ALL_MEDIA.search(clause):
        return ""
    return "active.total_district" if DISTRICT.search(clause) else "active.total"


def _looks_like_sentence(label: str) -> bool:
    return len(label) > 20 or bool(
        re.search(r"通过|网站|发布|(?<!应)主动公开|电子化|信息数|总数|各单位|各部门|各乡镇|各街道|[区县市]直", label)
    )


#: The whole body of a section that only says "none": 五、复议诉讼情况 无。
_NOTHING = re.compile(r"^(?:本年度?|今年|全年|20\d\d年度?)?[，,]?(?:无|没有|暂无|均无)(?:此类|相关|该类|上述)?(?:情况|事项|发生)?[。.]?$")
_HEADING_KINDS = [("复议", "review.total"), ("诉讼", "lawsuit.total"), ("申诉|投诉|举报", "complaint.total"),
                  ("收费|费用", "fee.application"), ("依申请|申请", "application.received")]  # fmt: skip


def _empty_section(ex: PhraseExtractor, section: sec.Section) -> None:
    """A section whose body only says 无 states zero for what its heading names."""
    if section.topic not in (sec.REVIEW, sec.FEE, sec.APPLICATION) or not section.heading:
        return
    at = section.text.find(section.heading[:4])
    body = compact(section.text[at + len(section.heading) :] if at >= 0 else "")
    if not _NOTHING.match(body):
        return
    heading = compact(section.heading)
    excerpt = " ".join(section.text.split())[:300]
    for cue, metric in _HEADING_KINDS:
        if re.search(cue, heading) and not (metric == "application.received" and section.topic != sec.APPLICATION):
            ex.state_zero(metric, section.topic, excerpt)


def extract_phrases(sentences: Iterable[str]) -> list[Figure]:
    """Every free-text figure in these sentences (read as text without headings), in the order first found."""
    ex = PhraseExtractor()
    ex.feed(sentences)
    return list(ex.figures.values())


def extract_prose(lines: list[str], extra_sentences: Iterable[str] = ()) -> list[Figure]:
    """Every free-text figure of a report's prose, read section by section.

    ``extra_sentences`` (e.g. rows of an attached indicator table rendered as text) are read
    as general text after the prose.
    """
    ex = PhraseExtractor()
    for section in sec.split_sections(lines):
        ex.feed(split_sentences(section.text), section.topic)
        _empty_section(ex, section)
    ex.feed(extra_sentences, sec.INDICATOR)
    return list(ex.figures.values())
