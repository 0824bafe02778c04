"""Fixed content of the replica district: agencies, category trees, the years whose item
counts are pinned by an annual report, and the reports themselves.

ALL PREFIXES EXCEPT ``/gzbyjy`` ARE INVENTED (``/gzbyhlj``, ``/gzbyjtj``, ``/gzbysqj``), as are
the SIDs, category ids, organisation codes and every report except the 鹤龙 2017 seed text.
``/gzbyjy`` (白云区教育局) is a prefix observed on the real site (site_protocol.md §8.2).
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import partial

from . import reports as rp

# ------------------------------------------------------------------ category trees


@dataclass(frozen=True)
class CategoryNode:
    """One TREE node. ``jump_url`` set = a link node without a list."""

    id: int
    name: str
    children: tuple[CategoryNode, ...] = ()
    jump_url: str = ""

    def walk(self) -> list[CategoryNode]:
        out = [self]
        for c in self.children:
            out += c.walk()
        return out

    def leaves(self) -> list[CategoryNode]:
        """Leaf selection of site_protocol.md §3.1 (a node whose children yield no leaf is a leaf)."""
        if self.jump_url:
            return []
        got = [leaf for c in self.children for leaf in c.leaves()]
        return got or [self]


def _n(id_: int, name: str, *children: CategoryNode, jump: str = "") -> CategoryNode:
    return CategoryNode(id_, name, tuple(children), jump)


def street_tree(base: int, prefix: str) -> tuple[CategoryNode, ...]:
    """The street-office tree of site_protocol.md §8.1."""
    return (
        _n(base, "组织机构", _n(base + 1, "机构职能"), _n(base + 2, "领导分工"), _n(base + 3, "内设机构")),
        _n(base + 10, "工作文件", _n(base + 11, "规范性文件"), _n(base + 12, "其他文件"), _n(base + 13, "政策解读")),
        _n(base + 20, "工作动态"),
        _n(base + 30, "行政执法"),
        _n(base + 40, "财政预决算"),
        _n(base + 50, "政府工作报告"),
        _n(base + 60, "政府信息公开年度报告"),
        _n(base + 70, "其他"),
        _n(base + 80, "政府信息公开指南", jump=f"{prefix}/gkmlpt/guide"),
        _n(base + 81, "依申请公开", jump="https://www.gz.gov.cn/ysqgk/"),
    )


def department_tree(base: int, prefix: str) -> tuple[CategoryNode, ...]:
    """A district department's tree (the 区教育局 shape without its legacy jump node)."""
    return (
        _n(base, "组织机构", _n(base + 1, "机构职能"), _n(base + 2, "领导信息")),
        _n(base + 10, "部门文件", _n(base + 11, "规范性文件"), _n(base + 12, "其他文件"), _n(base + 13, "政策解读")),
        _n(base + 20, "政务动态"),
        _n(base + 30, "财政预决算"),
        _n(base + 40, "政府信息公开年度报告"),
        _n(base + 50, "其他"),
        _n(base + 60, "政府信息公开指南", jump=f"{prefix}/gkmlpt/guide"),
    )


ROOT_TREE: tuple[CategoryNode, ...] = (
    _n(1100, "组织机构", _n(1101, "机构职能"), _n(1102, "领导信息"), _n(1103, "内设机构")),
    _n(1110, "政策文件", _n(1111, "规范性文件"), _n(1112, "其他文件"), _n(1113, "政策解读")),
    _n(1120, "政务动态"),
    _n(1130, "财政预决算"),
    _n(1140, "政府工作报告"),
    _n(1150, "政府信息公开年度报告"),
    _n(1160, "其他"),
    _n(1170, "政府信息公开指南", jump="/gkmlpt/guide"),
    _n(1171, "依申请公开", jump="https://www.gz.gov.cn/ysqgk/"),
    _n(1172, "年报专栏", jump="/gkmlpt/annualreport#1150"),
)

JY_TREE: tuple[CategoryNode, ...] = (
    _n(1300, "组织机构", _n(1301, "机构职能"), _n(1302, "领导信息")),
    _n(1310, "部门文件", _n(1311, "规范性文件"), _n(1312, "其他文件"), _n(1313, "政策解读")),
    _n(1320, "政务动态"),
    _n(1330, "财政预决算"),
    _n(1340, "政府信息公开年度报告"),
    # a node whose only child is a jump node: it is itself a leaf (§3.1)
    _n(1350, "其他", _n(1351, "历史信息", jump="/publicfiles/business/htmlfiles/BY00/076/list.html")),
    _n(1360, "政府信息公开指南", jump="/gzbyjy/gkmlpt/guide"),
)


@dataclass(frozen=True)
class AgencySpec:
    prefix: str
    name: str
    short_name: str
    sid: str
    kind: str  # district | street | department
    org_code: str
    doc_abbr: str
    tree: tuple[CategoryNode, ...]
    years: tuple[int, ...]
    per_year: dict[str, int]  # leaf name -> filler items per year at scale 1
    invented: bool = True


YEARS = tuple(range(2016, 2027))

STREET_PER_YEAR = {
    "机构职能": 1, "领导分工": 1, "内设机构": 1, "规范性文件": 1, "其他文件": 3, "政策解读": 1,
    "工作动态": 40, "行政执法": 5, "财政预决算": 2, "政府工作报告": 1, "其他": 8,
}

ROOT_PER_YEAR = {"机构职能": 2, "领导信息": 2, "内设机构": 1, "规范性文件": 4, "其他文件": 10, "政策解读": 6,
                 "政务动态": 41, "财政预决算": 4, "政府工作报告": 1, "其他": 12}
DEPARTMENT_PER_YEAR = {"机构职能": 1, "领导信息": 1, "规范性文件": 2, "其他文件": 6, "政策解读": 3, "政务动态": 50,
                       "财政预决算": 4, "其他": 10}

AGENCY_SPECS: tuple[AgencySpec, ...] = (
    AgencySpec(
        "", "广州市白云区人民政府", "白云区", "200070", "district", "11440111007501234X", "云府",
        ROOT_TREE, YEARS, dict(ROOT_PER_YEAR),
    ),
    AgencySpec(
        "/gzbyhlj", "广州市白云区人民政府鹤龙街道办事处", "鹤龙街", "200211", "street",
        "11440111MB2C01001A", "云鹤龙", street_tree(2100, "/gzbyhlj"),
        YEARS[1:],  # first item 2017-01-01 00:30 Beijing (2016 in UTC): no 2016 report is due
        dict(STREET_PER_YEAR),
    ),
    AgencySpec(
        "/gzbyjtj", "广州市白云区人民政府景泰街道办事处", "景泰街", "200212", "street",
        "11440111MB2C01002B", "云景泰", street_tree(2200, "/gzbyjtj"), YEARS, dict(STREET_PER_YEAR),
    ),
    AgencySpec(
        "/gzbyjy", "广州市白云区教育局", "区教育局", "200093", "department", "11440111007502345Y",
        "云教", JY_TREE, YEARS, dict(DEPARTMENT_PER_YEAR), invented=False,
    ),
    AgencySpec(
        "/gzbysqj", "广州市白云区人民政府松洲街道办事处", "松洲街", "200213", "street",
        "11440111MB2C01003C", "云松洲", street_tree(2300, "/gzbysqj"), YEARS,
        {**STREET_PER_YEAR, "政府工作报告": 0},  # 政府工作报告 stays empty (total 0)
    ),
)

DYNAMIC_LEAVES = ("工作动态", "政务动态")


def filler_count(prefix: str, year: int, leaf: str, n: int) -> int:
    """Filler items of a leaf in a year at scale 1: the news leaves vary by year (-2…+2),
    the rest keep their per-year count."""
    if leaf not in DYNAMIC_LEAVES:
        return n
    return n + (year * 7 + len(prefix)) % 5 - 2


#: (prefix, year) -> leaf name -> items published that year (report posts included).
FIXED_YEARS: dict[tuple[str, int], dict[str, int]] = {
    ("/gzbyhlj", 2017): {
        "机构职能": 3, "领导分工": 3, "内设机构": 2, "规范性文件": 4, "其他文件": 4, "政策解读": 2,
        "工作动态": 169, "行政执法": 6, "财政预决算": 2, "其他": 21,
    },
    ("/gzbyjtj", 2020): {
        "机构职能": 2, "领导分工": 2, "内设机构": 1, "规范性文件": 3, "其他文件": 5, "政策解读": 2,
        "工作动态": 80, "行政执法": 10, "财政预决算": 3, "其他": 10,
    },
    ("/gzbyjtj", 2021): {
        "机构职能": 3, "领导分工": 2, "内设机构": 1, "规范性文件": 4, "其他文件": 6, "政策解读": 2,
        "工作动态": 80, "行政执法": 14, "财政预决算": 3, "政府信息公开年度报告": 1, "其他": 16,
    },
    ("/gzbyjy", 2019): {
        "机构职能": 2, "领导信息": 2, "规范性文件": 3, "其他文件": 8, "政策解读": 4, "政务动态": 60,
        "财政预决算": 4, "其他": 12,
    },
    ("/gzbyjy", 2020): {
        "机构职能": 2, "领导信息": 1, "规范性文件": 2, "其他文件": 7, "政策解读": 3, "政务动态": 70,
        "财政预决算": 4, "政府信息公开年度报告": 1, "其他": 10,
    },
    ("/gzbyjy", 2021): {
        "机构职能": 2, "领导信息": 2, "规范性文件": 1, "其他文件": 6, "政策解读": 3, "政务动态": 75,
        "财政预决算": 4, "政府信息公开年度报告": 1, "其他": 11,
    },
    ("/gzbysqj", 2018): {
        "机构职能": 2, "领导分工": 2, "内设机构": 1, "规范性文件": 2, "其他文件": 4, "政策解读": 1,
        "工作动态": 88, "行政执法": 5, "财政预决算": 2, "其他": 13,
    },
    ("/gzbysqj", 2019): {
        "机构职能": 1, "领导分工": 2, "内设机构": 1, "规范性文件": 1, "其他文件": 5, "政策解读": 2,
        "工作动态": 90, "行政执法": 6, "财政预决算": 2, "政府信息公开年度报告": 1, "其他": 14,
    },
}


# ------------------------------------------------------------------ reports


@dataclass
class ReportSpec:
    """One annual report as the replica publishes it (before ids are assigned)."""

    key: str
    prefix: str
    year: int
    template: str  # legacy | 2019 | 2021
    source_format: str  # html | pdf | docx
    title: str
    published: tuple[int, int, int, int, int]  # Beijing y, m, d, h, mi
    claimed_total: int | None
    claimed_categories: dict[str, int]
    body_html: str  # DETAIL.content (for pdf/docx: a short note; the file is the attachment)
    figures: dict[str, rp.Cell] = field(default_factory=dict)
    portal_column: str | None = None  # zj | bm
    mirror_prefix: str | None = None  # a sub-site that lists an mpost_ copy
    file_factory: Callable[[], bytes] | None = None  # attachment bytes, built on first use
    file_ext: str | None = None
    note: str = ""
    catalog: bool = True  # False: published only in the portal column (no post in its own catalog)


def _cat_sentence(year: int, who: str, total: int, cats: dict[str, int]) -> str:
    parts = "，".join(
        f"{name}{'类信息' if name not in ('财政预决算', '政府信息公开工作年度报告') else ''}{n}条"
        for name, n in cats.items()
    )
    return f"{year}年，{who}主动公开政府信息{total}条，其中：{parts}。"


def _apps_sentence(t3: rp.T3) -> str:
    tot = {r: t3[r]["total"] or 0 for r in ("new_received", "carried_over", "total_processed", "carried_forward")}
    return (
        f"全年新收政府信息公开申请{tot['new_received']}件，上年结转{tot['carried_over']}件，"
        f"办结{tot['total_processed']}件，结转下年度继续办理{tot['carried_forward']}件。"
    )


def _review_sentence(t4: dict[str, int]) -> str:
    suits = t4["suit_direct.total"] + t4["suit_after_review.total"]
    return f"全年因政府信息公开被申请行政复议{t4['review.total']}件，提起行政诉讼{suits}件。"


def _active_figures(total: int | None, cats: dict[str, int]) -> dict[str, rp.Cell]:
    out: dict[str, rp.Cell] = {}
    if total is not None:
        out["active.total"] = total
    for name, n in cats.items():
        out[f"active.category.{name}"] = n
    return out


def _template_report(
    key: str, prefix: str, agency: str, who: str, year: int, template: str,
    published: tuple[int, int, int, int, int], total: int, cats: dict[str, int],
    t2: dict[str, rp.Cell], t3: rp.T3, t4: dict[str, int], column: str | None, note: str = "",
) -> ReportSpec:
    intro = [
        f"本报告根据《中华人民共和国政府信息公开条例》（以下简称《条例》）和《中华人民共和国政府信息公开工作年度报告格式》要求，"
        f"由{agency}编制。全文包括总体情况、主动公开政府信息情况、收到和处理政府信息公开申请情况、"
        f"政府信息公开行政复议、行政诉讼情况、存在的主要问题及改进情况、其他需要报告的事项。"
        f"本报告所列数据的统计期限自{year}年1月1日起至{year}年12月31日止。",
        "一、总体情况",
        "（一）主动公开",
        _cat_sentence(year, who, total, cats),
        "（二）依申请公开",
        _apps_sentence(t3),
        "（三）政府信息管理",
        f"{who}严格落实政府信息公开保密审查制度，及时更新政府信息公开目录。",
        "（四）监督保障",
        _review_sentence(t4),
    ]
    closing = [
        "五、存在的主要问题及改进情况",
        "一是信息公开的及时性有待提高；二是政策解读形式较为单一。下一步将加强培训，丰富解读形式。",
        "六、其他需要报告的事项",
        "本年度未收取信息处理费。",
    ]
    figures = _active_figures(total, cats)
    figures.update({f"t2.{k}": v for k, v in t2.items()})
    figures.update(rp.t3_figures(t3))
    figures.update({f"t4.{k}": v for k, v in t4.items()})
    return ReportSpec(
        key=key, prefix=prefix, year=year, template=template, source_format="html",
        title=f"{agency}{year}年政府信息公开工作年度报告", published=published,
        claimed_total=total, claimed_categories=dict(cats),
        body_html=rp.template_report_html(intro, t2, t3, t4, template, closing),
        figures=figures, portal_column=column, note=note,
    )


_MODE_LABEL = {"online": "网上", "letter": "信函", "in_person": "当面"}
_OUTCOME_PHRASE = {"granted": "同意公开的{n}件", "partial": "同意部分公开的{n}件",
                   "not_exist": "“信息不存在”的{n}件"}


def _legacy_cat(name: str) -> str:
    if name in ("财政预决算", "其他"):
        return f"{name}信息"
    if name in ("政府工作报告", "政府信息公开工作年度报告"):
        return name
    return f"{name}类信息"


def _pct(n: int, total: int) -> str:
    v = 100 * n / total
    return f"{v:.0f}%" if v == int(v) else f"{v:.2f}%"


@dataclass(frozen=True)
class Legacy:
    """The figures of an old-format (≤2018) report: proactive total and the categories it
    lists, extra channels (the website channel states the total), applications by channel
    and by outcome (both add up to the applications received)."""

    total: int
    cats: dict[str, int]
    channels: dict[str, int]  # weibo_wechat, media
    modes: dict[str, int]  # online, letter, in_person
    outcomes: dict[str, int]  # granted, partial, not_exist

    def figures(self) -> dict[str, rp.Cell]:
        out = _active_figures(self.total, self.cats)
        out["active.channel.website"] = self.total
        out.update({f"active.channel.{k}": v for k, v in self.channels.items()})
        out["application.received"] = sum(self.modes.values())
        out.update({f"application.mode.{k}": v for k, v in self.modes.items()})
        out.update({f"application.outcome.{k}": v for k, v in self.outcomes.items()})
        return out


def legacy_paras(name: str, short: str, me: str, year: int, lg: Legacy, leaders: str = "区委、区政府") -> tuple[str, ...]:
    """An old-format report in the 2016–2018 Guangzhou shape (the 松洲 2018 wording).

    ``me`` is how the agency names itself (本街道办事处, 本局, 本区人民政府)."""
    cats = "；".join(f"{i}.{_legacy_cat(c)}{n}条" for i, (c, n) in enumerate(lg.cats.items(), 1))
    received = sum(lg.modes.values())
    modes = "；".join(f"{_MODE_LABEL[m]}申请{n}件，占{_pct(n, received)}" for m, n in lg.modes.items())
    outcomes = "，".join(_OUTCOME_PHRASE[k].format(n=n) for k, n in lg.outcomes.items())
    return (
        f"本报告是根据《中华人民共和国政府信息公开条例》的规定，由{name}编制的{year}年度政府信息公开年度报告。",
        "一  概  述",
        f"{year}年，{short}在{leaders}的领导下，认真贯彻落实政府信息公开各项工作要求。",
        "二  政府信息主动公开情况",
        f"{me}{year}年全年主动公开政府信息{lg.total}条，其中：{cats}。",
        f"通过不同渠道和方式公开政府信息情况：政府网站公开信息{lg.total}条，"
        f"微博微信公开信息{lg.channels['weibo_wechat']}条，新闻媒体公开信息{lg.channels['media']}条。",
        "三  政府信息依申请公开情况",
        f"{me}{year}年共受理信息公开申请{received}件，其中{modes}。",
        f"在已经答复的{received}件申请中，{outcomes}。",
        "四  政府信息公开收费情况",
        f"{me}{year}年度依申请公开均未收取任何费用。",
        "五  因信息公开引起的行政复议和行政诉讼情况",
        f"{me}{year}年度无发生复议、诉讼和申诉案件。",
        "六  存在的主要问题和改进措施",
        "一是公开的及时性有待提高；二是信息公开队伍建设需要加强。",
    )


T2_ZERO_2021: dict[str, rp.Cell] = {
    "regulation.issued": 0, "regulation.abolished": 0, "regulation.in_force": 0,
    "normative_doc.issued": 0, "normative_doc.abolished": 0, "normative_doc.in_force": 0,
    "licensing.decisions": 0, "penalty.decisions": 0, "enforcement.decisions": 0, "fee.amount": 0,
}
T2_ZERO_2019: dict[str, rp.Cell] = {
    **{f"{r}.{c}": 0 for r in ("regulation", "normative_doc") for c in ("new_made", "new_published", "total_published")},
    **{f"{r}.{c}": 0 for r in ("licensing", "other_services", "penalty", "enforcement") for c in ("prev_year_items", "change", "decisions")},
    "fee.prev_year_items": 0, "fee.change": 0, "procurement.items": 0, "procurement.amount": 0,
}


def report_specs() -> list[ReportSpec]:
    """Every annual report of the replica world."""
    out: list[ReportSpec] = []

    # 鹤龙 2017: the seed text (legacy format); claimed 216 = posted 216.
    seed = rp.paragraphs(rp.seed_text())
    out.append(ReportSpec(
        key="gzbyhlj-2017", prefix="/gzbyhlj", year=2017, template="legacy", source_format="html",
        title="广州市白云区人民政府鹤龙街道办事处2017年政府信息公开工作年度报告",
        published=(2018, 1, 25, 10, 0), claimed_total=216,
        claimed_categories={"组织机构": 8, "部门文件": 10, "动态": 169, "行政职权": 6, "财政预决算": 2, "其他": 21},
        body_html=rp.paragraphs_html(seed),
        figures={"active.total": 216, "active.category.组织机构": 8, "active.category.部门文件": 10,
                 "active.category.动态": 169, "active.category.行政职权": 6,
                 "active.category.财政预决算": 2, "active.category.其他": 21,
                 "active.channel.website": 216, "active.channel.weibo_wechat": 365,
                 "application.received": 1, "application.mode.letter": 1},
        portal_column="zj", mirror_prefix="",
        note="seed text; also in portal column zj (other id) and as an mpost_ copy on the district site",
    ))

    # 景泰 2020 (2019 template): consistent, claimed 118 = posted 118.
    jt20_t3 = rp.make_t3("2019", {
        "natural_person": {"granted": 3, "unable_1": 1, "carried_forward": 1},
        "commercial": {"granted": 1},
    })
    jt20_t2 = {**T2_ZERO_2019, "penalty.prev_year_items": 0, "penalty.decisions": 25}
    out.append(_template_report(
        "gzbyjtj-2020", "/gzbyjtj", "广州市白云区人民政府景泰街道办事处", "本街道", 2020, "2019",
        (2021, 1, 22, 9, 30), 118,
        {"组织机构": 5, "工作文件": 10, "工作动态": 80, "行政执法": 10, "财政预决算": 3, "其他": 10},
        jt20_t2, jt20_t3, rp.make_t4({}), "zj",
    ))

    # 景泰 2021 (2021 template): claims 150, posted 132; table 三 法律服务机构 column breaks
    # the balance only (new_received + carried_over != total_processed + carried_forward).
    jt21_t3 = rp.make_t3(
        "2021",
        {
            "natural_person": {"carried_over": 1, "granted": 5, "partial": 1, "unable_1": 2,
                               "notproc_2": 1, "other_3": 1, "carried_forward": 2},
            "commercial": {"granted": 1, "unable_1": 1},
            "legal_service": {"granted": 2},
        },
        blanks=frozenset((r, c) for r in rp.t3_row_keys("2021") for c in ("research", "public_interest")),
        balance_break={"legal_service": 1},
    )
    jt21_t4 = rp.make_t4({"review": {"upheld": 1}, "suit_direct": {"pending": 1}})
    jt21_t2 = {**T2_ZERO_2021, "penalty.decisions": 37, "enforcement.decisions": 2}
    out.append(_template_report(
        "gzbyjtj-2021", "/gzbyjtj", "广州市白云区人民政府景泰街道办事处", "本街道", 2021, "2021",
        (2022, 1, 20, 15, 0), 150,
        {"组织机构": 6, "工作文件": 12, "工作动态": 98, "行政执法": 14, "财政预决算": 3,
         "政府信息公开工作年度报告": 1, "其他": 16},
        jt21_t2, jt21_t3, jt21_t4, "zj",
        note="claims 150, posted 132 (工作动态 98 vs 80); T3 balance broken in legal_service (and so in total)",
    ))

    # 教育局 2019 / 2020 (2019 template) and 2021 (2021 template): consistent.
    jy19_t3 = rp.make_t3("2019", {
        "natural_person": {"granted": 12, "partial": 2, "denied_4": 1, "unable_1": 3, "notproc_2": 1,
                           "other": 1, "carried_forward": 2},
        "commercial": {"granted": 2, "unable_1": 1},
        "research": {"granted": 1},
        "legal_service": {"granted": 1},
        "other_org": {"granted": 1},
    })
    jy19_t2 = {**T2_ZERO_2019,
               "normative_doc.new_made": 2, "normative_doc.new_published": 2, "normative_doc.total_published": 9,
               "licensing.prev_year_items": 12, "licensing.change": 2, "licensing.decisions": 340,
               "other_services.prev_year_items": 5, "other_services.change": -1,
               "penalty.prev_year_items": 3, "penalty.decisions": 4,
               "fee.prev_year_items": 1, "procurement.items": 6, "procurement.amount": 251.5}
    jy19_t4 = rp.make_t4({"review": {"upheld": 2, "corrected": 1}, "suit_direct": {"upheld": 1}})
    out.append(_template_report(
        "gzbyjy-2019", "/gzbyjy", "广州市白云区教育局", "本局", 2019, "2019",
        (2020, 1, 15, 16, 0), 95,
        {"组织机构": 4, "部门文件": 15, "政务动态": 60, "财政预决算": 4, "其他": 12},
        jy19_t2, jy19_t3, jy19_t4, "bm",
    ))
    jy20_t3 = rp.make_t3("2019", {
        "natural_person": {"carried_over": 2, "granted": 10, "partial": 1, "unable_1": 2, "other": 1,
                           "carried_forward": 1},
        "commercial": {"granted": 1},
    })
    jy20_t2 = {**jy19_t2, "normative_doc.new_made": 1, "normative_doc.new_published": 1,
               "normative_doc.total_published": 10, "licensing.prev_year_items": 14,
               "licensing.change": 0, "licensing.decisions": 355, "other_services.prev_year_items": 4,
               "other_services.change": 0, "penalty.decisions": 3, "procurement.items": 5,
               "procurement.amount": 198.0}
    out.append(_template_report(
        "gzbyjy-2020", "/gzbyjy", "广州市白云区教育局", "本局", 2020, "2019",
        (2021, 1, 18, 11, 0), 100,
        {"组织机构": 3, "部门文件": 12, "政务动态": 70, "财政预决算": 4, "政府信息公开工作年度报告": 1,
         "其他": 10},
        jy20_t2, jy20_t3, rp.make_t4({"review": {"upheld": 1}}), "bm",
    ))
    jy21_t3 = rp.make_t3("2021", {
        "natural_person": {"carried_over": 1, "granted": 15, "partial": 2, "denied_4": 1, "unable_1": 2,
                           "notproc_2": 1, "other_3": 1},
        "commercial": {"granted": 3, "unable_1": 1},
    })
    jy21_t2 = {**T2_ZERO_2021, "normative_doc.issued": 1, "normative_doc.in_force": 10,
               "licensing.decisions": 360, "penalty.decisions": 5}
    out.append(_template_report(
        "gzbyjy-2021", "/gzbyjy", "广州市白云区教育局", "本局", 2021, "2021",
        (2022, 1, 14, 10, 30), 105,
        {"组织机构": 4, "部门文件": 10, "政务动态": 75, "财政预决算": 4, "政府信息公开工作年度报告": 1,
         "其他": 11},
        jy21_t2, jy21_t3, rp.make_t4({}), "bm",
    ))

    # 松洲 2018: legacy prose, published only as a PDF attachment; claimed 120 = posted 120.
    sz18_cats = {"组织机构": 5, "工作文件": 7, "工作动态": 88, "行政执法": 5, "财政预决算": 2, "其他": 13}
    sz18_title = "广州市白云区人民政府松洲街道办事处2018年政府信息公开工作年度报告"
    sz18 = Legacy(120, sz18_cats, {"weibo_wechat": 210, "media": 15}, {"online": 1, "letter": 1},
                  {"granted": 1, "not_exist": 1})
    sz18_paras = legacy_paras("广州市白云区人民政府松洲街道办事处", "松洲街", "本街道办事处", 2018, sz18)
    out.append(ReportSpec(
        key="gzbysqj-2018", prefix="/gzbysqj", year=2018, template="legacy", source_format="pdf",
        title=sz18_title, published=(2019, 1, 28, 9, 0), claimed_total=120,
        claimed_categories=sz18_cats, body_html="<p>详见附件。</p>",
        figures=sz18.figures(),
        portal_column="zj", file_factory=partial(rp.render_pdf, sz18_title, sz18_paras), file_ext="pdf",
        note="published only as a PDF attachment",
    ))

    # 松洲 2019: 2019 template as a DOCX attachment with real Word tables; consistent.
    sz19_t3 = rp.make_t3("2019", {"natural_person": {"granted": 2, "unable_1": 1}})
    sz19_t2 = {**T2_ZERO_2019, "penalty.decisions": 18}
    sz19_t4 = rp.make_t4({})
    sz19_cats = {"组织机构": 4, "工作文件": 8, "工作动态": 90, "行政执法": 6, "财政预决算": 2,
                 "政府信息公开工作年度报告": 1, "其他": 14}
    sz19_title = "广州市白云区人民政府松洲街道办事处2019年政府信息公开工作年度报告"
    sz19_blocks: tuple[tuple[str, object], ...] = (
        ("p", "本报告根据《中华人民共和国政府信息公开条例》要求，由广州市白云区人民政府松洲街道办事处编制。"),
        ("p", "一、总体情况"),
        ("p", _cat_sentence(2019, "本街道", 125, sz19_cats)),
        ("p", _apps_sentence(sz19_t3)),
        ("p", "二、主动公开政府信息情况"),
        ("table", rp.t2_grid_2019(sz19_t2)),
        ("p", "三、收到和处理政府信息公开申请情况"),
        ("table", rp.t3_grid(sz19_t3, "2019")),
        ("p", "四、政府信息公开行政复议、行政诉讼情况"),
        ("table", rp.t4_grid(sz19_t4)),
        ("p", "五、存在的主要问题及改进情况"),
        ("p", "信息公开的及时性有待提高。"),
        ("p", "六、其他需要报告的事项"),
        ("p", "无。"),
    )
    sz19_fig = _active_figures(125, sz19_cats)
    sz19_fig.update({f"t2.{k}": v for k, v in sz19_t2.items()})
    sz19_fig.update(rp.t3_figures(sz19_t3))
    sz19_fig.update({f"t4.{k}": v for k, v in sz19_t4.items()})
    out.append(ReportSpec(
        key="gzbysqj-2019", prefix="/gzbysqj", year=2019, template="2019", source_format="docx",
        title=sz19_title, published=(2020, 1, 16, 14, 0), claimed_total=125,
        claimed_categories=sz19_cats, body_html="<p>详见附件。</p>", figures=sz19_fig,
        portal_column="zj", file_factory=partial(rp.render_docx, sz19_title, sz19_blocks), file_ext="docx",
        note="published only as a DOCX attachment (2019 template, real Word tables)",
    ))
    return out


# ------------------------------------------------------------------ filler reports and planted defects

LAST_REPORT_YEAR = 2025  # the replica's today is 2026-11-26: reports up to 2025 are due

#: The defects planted in the default world (every other report is consistent).
MISSING = ("/gzbysqj", 2021)  # never published
LATE = ("/gzbyjy", 2022, (2023, 3, 15, 10, 0))  # due 2023-01-31
COPIED = ("", 2023)  # restates the district's 2022 figures and tables
CARRY_BREAK = ("/gzbyhlj", 2022)  # carried over 2021's carried-forward + 3
CATEGORY_GAP = ("/gzbyjtj", 2018)  # lists its categories without 其他: they fall short of the total

#: (check_id, prefix, report_year, why): every non-pass finding an honest pipeline produces
#: on the default scenario.
PLANTED_FINDINGS: tuple[tuple[str, str, int, str], ...] = (
    ("coverage.report_missing", "/gzbysqj", 2021, "松洲街 never published its 2021 report"),
    ("coverage.report_late", "/gzbyjy", 2022, "区教育局 published its 2022 report on 2023-03-15, due 2023-01-31"),
    ("report.copied_from_previous_year", "", 2023,
     "the district's 2023 report restates every 2022 figure and table (only the year changed)"),
    ("reconcile.active_total", "", 2023, "the copied 2023 report claims the 2022 total; 2023 posted differs"),
    ("reconcile.active_category", "", 2023, "the copied 2023 report claims 2022's 政务动态 count"),
    ("report.carry_over", "/gzbyhlj", 2022,
     "鹤龙街 2022 carries over 3 applications more than its 2021 report carried forward"),
    ("report.category_sum", "/gzbyjtj", 2018,
     "景泰街 2018 lists its categories without 其他, so they add up to less than the stated total"),
    ("reconcile.active_total", "/gzbyjtj", 2021, "景泰街 2021 claims 150 items, 132 were posted"),
    ("reconcile.active_category", "/gzbyjtj", 2021, "景泰街 2021 claims 工作动态 98, 80 were posted"),
    ("report.t3_balance", "/gzbyjtj", 2021, "景泰街 2021 table 三 法律服务机构 column does not balance"),
)

#: Catalog top-level node name -> the Guangzhou taxonomy label reports use for it.
_REPORT_LABEL = {"政府信息公开年度报告": "政府信息公开工作年度报告", "政策文件": "部门文件"}


def report_label(top_name: str) -> str:
    """The category label a report uses for a catalog top-level node (category_map.yaml maps it back)."""
    return _REPORT_LABEL.get(top_name, top_name)


def report_template(year: int) -> str:
    """The format of a year's report: legacy (≤2018), 2019 (2019–2020), 2021 (2021+)."""
    return "legacy" if year <= 2018 else "2019" if year <= 2020 else "2021"


@dataclass(frozen=True)
class FillerPlan:
    """Where and when an ordinary (filler) report is published; its body is built once the
    agency's posted items are known (its claims equal what was posted)."""

    key: str
    prefix: str
    year: int
    template: str
    published: tuple[int, int, int, int, int]
    catalog: bool  # False: portal column only (the next year's item counts are pinned without it)
    portal_column: str | None


@dataclass(frozen=True)
class Defects:
    """The report defects planted in one district (None: not planted); see PLANTED_FINDINGS."""

    missing: tuple[str, int] | None = None  # (prefix, year): never published
    late: tuple[str, int, tuple[int, int, int, int, int]] | None = None  # published at this time
    copied: tuple[str, int] | None = None  # restates the previous year's figures and tables
    carry_break: tuple[str, int] | None = None  # carries over 3 more than last year carried forward
    category_gap: tuple[str, int] | None = None  # a legacy report listing its categories without 其他


#: the defects of the default (白云区) world
BAIYUN_DEFECTS = Defects(MISSING, LATE, COPIED, CARRY_BREAK, CATEGORY_GAP)


def filler_plan(spec: AgencySpec, year: int, catalog: bool = True, defects: Defects = BAIYUN_DEFECTS) -> FillerPlan | None:
    """Where and when the agency's ordinary report of ``year`` is published (None: the planted
    missing one). Deadlines are met (report_formats.md §1) except ``defects.late``."""
    if defects.missing == (spec.prefix, year):
        return None
    rng = random.Random(f"plan:{spec.prefix}:{year}")
    if defects.late is not None and (spec.prefix, year) == defects.late[:2]:
        published = defects.late[2]
    else:
        if year <= 2018:  # old regime: by 31 March
            month, day = rng.choice(((1, rng.randint(10, 31)), (2, rng.randint(1, 28)), (3, rng.randint(1, 20))))
        elif spec.kind == "district":  # the district government: by 31 March
            month, day = rng.choice(((2, rng.randint(3, 28)), (3, rng.randint(1, 20))))
        else:  # streets and departments: by 31 January
            month, day = 1, rng.randint(8, 28)
        published = (year + 1, month, day, rng.randint(9, 16), rng.choice((0, 15, 30, 45)))
    column = None if spec.kind == "district" else "zj" if spec.kind == "street" else "bm"
    return FillerPlan(f"{spec.prefix.strip('/') or 'district'}-{year}", spec.prefix, year,
                      report_template(year), published, catalog, column)


def filler_plans(special: set[tuple[str, int]]) -> list[FillerPlan]:
    """One report per agency and year from its first item's year to LAST_REPORT_YEAR, except
    the special reports, and except MISSING."""
    out: list[FillerPlan] = []
    for spec in AGENCY_SPECS:
        for year in range(spec.years[0], LAST_REPORT_YEAR + 1):
            if (spec.prefix, year) in special:
                continue
            nxt = FIXED_YEARS.get((spec.prefix, year + 1))
            plan = filler_plan(spec, year, nxt is None or "政府信息公开年度报告" in nxt)
            if plan is not None:
                out.append(plan)
    return out


@dataclass(frozen=True)
class TemplateData:
    """The figures of a 2019/2021-template report (kept so a later report can copy them)."""

    total: int
    cats: dict[str, int]
    t2: dict[str, rp.Cell]
    t3: rp.T3
    t4: dict[str, int]


_SELF = {"street": ("本街道", "本街道办事处"), "department": ("本局", "本局"), "district": ("本区", "本区人民政府")}


def carried_forward(figures: Mapping[str, rp.Cell]) -> dict[str, int]:
    """Table 三 carried-forward counts per column (empty for reports without table 三)."""
    return {c: int(figures.get(f"t3.carried_forward.{c}") or 0) for c in rp.T3_COLS[:-1]
            if f"t3.carried_forward.{c}" in figures}


def filler_report(
    plan: FillerPlan, posted: dict[str, int], prev_cf: Mapping[str, int], copy_of: TemplateData | None = None,
    spec: AgencySpec | None = None, defects: Defects = BAIYUN_DEFECTS,
) -> tuple[ReportSpec, TemplateData | None]:
    """A consistent report whose total and categories are ``posted`` (label -> items, zero
    labels omitted). Template reports carry over ``prev_cf``; ``copy_of`` restates a previous
    year's figures instead (COPIED). ``defects.category_gap`` and ``defects.carry_break`` are
    applied here. ``spec`` defaults to the 白云区 agency of ``plan.prefix``."""
    if spec is None:
        spec = next(s for s in AGENCY_SPECS if s.prefix == plan.prefix)
    rng = random.Random(f"report:{plan.prefix}:{plan.year}")
    who, me = _SELF[spec.kind]
    total = sum(posted.values())
    cats = {k: v for k, v in posted.items() if v}
    title = f"{spec.name}{plan.year}年政府信息公开工作年度报告"
    note = "filler: claims equal the items posted"
    if plan.template == "legacy":
        listed = dict(cats)
        if (plan.prefix, plan.year) == defects.category_gap:
            listed.pop("其他", None)
            note = "planted: the category list leaves out 其他 (categories < total)"
        n_apps = rng.choice((1, 2, 4, 5))
        online = rng.randint(0, n_apps)
        modes = {k: v for k, v in (("online", online), ("letter", n_apps - online)) if v}
        granted = rng.randint(1, n_apps)
        outcomes = {k: v for k, v in (("granted", granted), ("not_exist", n_apps - granted)) if v}
        lg = Legacy(total, listed, {"weibo_wechat": rng.randint(total, 2 * total), "media": rng.randint(0, 20)},
                    modes, outcomes)
        leaders = "市委、市政府" if spec.kind == "district" else "区委、区政府"
        paras = legacy_paras(spec.name, spec.short_name, me, plan.year, lg, leaders)
        return ReportSpec(
            key=plan.key, prefix=plan.prefix, year=plan.year, template="legacy", source_format="html",
            title=title, published=plan.published, claimed_total=total, claimed_categories=listed,
            body_html=rp.paragraphs_html(list(paras)), figures=lg.figures(), portal_column=plan.portal_column,
            note=note, catalog=plan.catalog,
        ), None
    if copy_of is not None:
        data = copy_of
        note = "planted: restates the previous year's figures and tables"
    else:
        over = dict(prev_cf)
        if (plan.prefix, plan.year) == defects.carry_break:
            over["natural_person"] = over.get("natural_person", 0) + 3
            note = "planted: carried over != the previous report's carried forward"
        other = "other" if plan.template == "2019" else "other_3"
        np_over = over.get("natural_person", 0)
        per_col: dict[str, dict[str, int]] = {
            "natural_person": {"granted": rng.randint(1, 8) + np_over, "partial": rng.randint(0, 2),
                               "unable_1": rng.randint(0, 2), "notproc_2": rng.randint(0, 1),
                               other: rng.randint(0, 1), "carried_over": np_over,
                               "carried_forward": rng.randint(0, 2)},
            "commercial": {"granted": rng.randint(0, 2)},
        }
        for col, n in over.items():
            if col != "natural_person" and n:
                per_col.setdefault(col, {})["carried_over"] = n
                per_col[col]["granted"] = per_col[col].get("granted", 0) + n
        if (plan.prefix, plan.year + 1) == defects.copied:  # so the copy's carry-over still chains
            for got in per_col.values():
                got["carried_forward"] = got.get("carried_over", 0)
        t3 = rp.make_t3(plan.template, per_col)
        if plan.template == "2021":
            t2: dict[str, rp.Cell] = {**T2_ZERO_2021, "penalty.decisions": rng.randint(5, 60),
                                      "enforcement.decisions": rng.randint(0, 3)}
        else:
            t2 = {**T2_ZERO_2019, "penalty.decisions": rng.randint(5, 60)}
        t4 = rp.make_t4({"review": {"upheld": rng.randint(0, 1)}})
        data = TemplateData(total, cats, t2, t3, t4)
    rs = _template_report(plan.key, plan.prefix, spec.name, who, plan.year, plan.template, plan.published,
                          data.total, data.cats, data.t2, data.t3, data.t4, plan.portal_column, note)
    rs.catalog = plan.catalog
    return rs, data
