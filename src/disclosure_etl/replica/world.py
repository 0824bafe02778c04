"""The replica world: a deterministic, in-memory district site (site_protocol.md §11).

Everything here is generated from a fixed seed; nothing depends on the wall clock. The
replica's "today" is 2026-11-26 (Asia/Shanghai) in scenario ``default`` and 2026-11-27 in
``day2``. All prefixes except ``/gzbyjy`` are INVENTED (see :data:`NOTES`).
"""

from __future__ import annotations

import dataclasses
import random
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone

from . import fixtures as fx
from . import reports as rp

TZ = timezone(timedelta(hours=8), "Asia/Shanghai")
FIRST_POST_ID = 10_500_000
FIRST_ATTACHMENT_ID = 8_000_000
COLUMN_PAGE_SIZE = 2  # links per portal column page (small so every column has >= 2 pages)

NOTES = """\
Replica of a Guangzhou Baiyun District site (www.by.gov.cn shape) for offline tests.
INVENTED: the prefixes /gzbyhlj (鹤龙街), /gzbyjtj (景泰街), /gzbysqj (松洲街), every SID,
category id, organisation code, item, attachment and report, except the 鹤龙 2017 report,
which is the project's seed text. Observed on the real site: the prefix /gzbyjy (区教育局),
the URL shapes and the API shapes (site_protocol.md). Post ids come from one global sequence
starting near 10,500,000, attachment ids from one starting near 8,000,000.
expected_posted() counts every catalog row of a site whose display_publish_time falls in the
year (Asia/Shanghai), url rows and mirrored (mpost_) rows included, rows outside the listing
window included unless listed_only=True.
Annual reports: every agency publishes one report per year from its first item's year (鹤龙街:
2017, the others: 2016) through 2025, in its own catalog's 政府信息公开年度报告 category, in the
format of its year (legacy prose <= 2018, 2019 template 2019-2020, 2021 template 2021+), on time
(streets/departments by 31 Jan of Y+1 from 2019, by 31 March before; the district by 31 March).
Street and department reports are also in the portal columns zj / bm. Three reports are published
only in the portal column (景泰街 2019, 区教育局 2018, 松洲街 2017), because the next year's item
counts of those agencies are pinned by a special report that lists no report post. Besides the
special reports (鹤龙 2017 seed, 景泰 2020/2021, 教育局 2019/2020/2021, 松洲 2018 PDF / 2019 DOCX),
every report is a filler whose total and categories equal what the agency posted that year and
whose tables satisfy every identity, carry-over included.
Planted findings (World.planted_findings; nothing else fails on the default scenario):
"""
NOTES += "".join(f"- {c} {p or '(district root)'} {y}: {why}\n" for c, p, y, why in fx.PLANTED_FINDINGS)


def bj_ts(y: int, mo: int, d: int, h: int = 0, mi: int = 0, s: int = 0) -> int:
    """Unix seconds of a Beijing wall-clock time."""
    return int(datetime(y, mo, d, h, mi, s, tzinfo=TZ).timestamp())


def bj_str(ts: int) -> str:
    """``YYYY-MM-DD HH:MM:SS`` in Beijing time."""
    return datetime.fromtimestamp(ts, TZ).strftime("%Y-%m-%d %H:%M:%S")


def bj_year(ts: int) -> int:
    return datetime.fromtimestamp(ts, TZ).year


# ------------------------------------------------------------------ records


@dataclass(frozen=True)
class Agency:
    """One gkmlpt sub-site. ``prefix`` "" = the district's own catalog at the root."""

    prefix: str
    name: str
    short_name: str
    sid: str
    kind: str
    org_code: str
    tree: tuple[fx.CategoryNode, ...]
    invented: bool

    @property
    def slug(self) -> str:
        return self.prefix.strip("/")

    @property
    def index_path(self) -> str:
        return f"{self.prefix}/gkmlpt/index"

    def nodes(self) -> list[fx.CategoryNode]:
        return [n for top in self.tree for n in top.walk()]

    def leaves(self) -> list[fx.CategoryNode]:
        return [leaf for top in self.tree for leaf in top.leaves()]

    def leaf_by_name(self, name: str) -> fx.CategoryNode:
        for leaf in self.leaves():
            if leaf.name == name:
                return leaf
        raise KeyError(name)


@dataclass(frozen=True)
class AttachmentFile:
    """One attachment file: ``/attachment/{aid//1e6}/{aid//1e3}/{aid}/{post_id}.{ext}``."""

    id: int
    post_id: int
    name: str  # display name
    ext: str
    payload: str  # "pdf" | "xlsx" | "report:<key>"
    prefix: str = ""  # non-empty: served (and linked) under "{prefix}/attachment/…"

    @property
    def path(self) -> str:
        return f"/attachment/{self.id // 1_000_000}/{self.id // 1_000}/{self.id}/{self.post_id}.{self.ext}"

    @property
    def url_path(self) -> str:
        return self.prefix + self.path

    @property
    def mime(self) -> str:
        return MIME.get(self.ext, "application/octet-stream")


MIME = {
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "xls": "application/vnd.ms-excel",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "doc": "application/msword",
    "zip": "application/zip",
}


@dataclass
class Item:
    """One catalog row (what ``api/all`` lists) of one scenario."""

    id: int
    prefix: str
    category_id: int
    category_name: str
    title: str
    type: str  # "normal" | "url"
    publish_ts: int  # display_publish_time == create_time
    date_ts: int  # 成文日期, 0 = absent
    created_at: str  # Beijing "YYYY-MM-DD HH:MM:SS"
    target_url: str = ""  # url rows: where they point ("{base}" = this host)
    attachments: tuple[int, ...] = ()
    identifier: str = ""
    document_number: str = ""
    publisher: str = ""
    genre: str = "其他"
    theme: str = "综合政务"
    keywords: str = ""
    abstract: str = ""
    modified_ts: int = 0
    pinned: bool = False
    mirror_of: int | None = None  # mpost_ copy of this post id
    report_key: str | None = None
    special: str = ""  # why this row exists (for tests), "" for filler

    @property
    def published_at(self) -> datetime:
        return datetime.fromtimestamp(self.publish_ts, TZ)

    @property
    def year(self) -> int:
        return self.published_at.year

    @property
    def content_path(self) -> str:
        """Content page path ("" for url rows)."""
        if self.type == "url":
            return ""
        kind = "mpost" if self.mirror_of is not None else "post"
        return f"{self.prefix}/gkmlpt/content/{self.id // 1_000_000}/{self.id // 1_000}/{kind}_{self.id}.html"


@dataclass
class Report:
    """An annual report and every place the replica serves it."""

    key: str
    prefix: str
    agency_name: str
    year: int
    template: str  # legacy | 2019 | 2021
    source_format: str  # html | pdf | docx
    title: str
    published_at: datetime
    claimed_total: int | None
    claimed_categories: dict[str, int]
    figures: dict[str, rp.Cell]  # the figures the replica planted (metric key -> value; None = blank
    #                              cell); not every number the text states
    body_html: str
    item_id: int = 0  # the gkmlpt post in the agency's 年度报告 category (0: portal column only)
    mirror_item_id: int | None = None  # mpost_ copy on another sub-site
    portal_column: str | None = None
    portal_id: int | None = None
    attachment_id: int | None = None
    paths: list[str] = field(default_factory=list)  # every place it is served (relative to base_url)
    note: str = ""

    @property
    def gkmlpt_path(self) -> str | None:
        """The content page of the post in the agency's own 年度报告 category (None for the
        reports published only in a portal column)."""
        return self.paths[0] if self.item_id else None

    @property
    def mirror_path(self) -> str | None:
        """The ``mpost_`` copy on another sub-site, if any."""
        return next((p for p in self.paths if "/mpost_" in p), None)

    @property
    def portal_path(self) -> str | None:
        """The portal column copy (``/zwgk/qzfxxgknb/{zj|bm}/content/post_{id}.html``), if any."""
        return next((p for p in self.paths if p.startswith("/zwgk/")), None)

    @property
    def attachment_path(self) -> str | None:
        """The PDF/DOCX file, for reports published only as an attachment."""
        return next((p for p in self.paths if "/attachment/" in p), None)


@dataclass(frozen=True)
class PortalArticle:
    """An NFCMS portal article in a report column (``zj`` streets/towns, ``bm`` departments)."""

    id: int
    column: str
    report_key: str
    title: str
    publish_ts: int
    source: str  # 来源

    @property
    def path(self) -> str:
        return f"/zwgk/qzfxxgknb/{self.column}/content/post_{self.id}.html"


@dataclass(frozen=True)
class Changes:
    """Item-id differences between ``default`` and a later scenario."""

    new: frozenset[int]
    edited: frozenset[int]
    withdrawn: frozenset[int]


@dataclass(frozen=True)
class Listing:
    """One category (or ``cat=0``) listing of one scenario, newest first (pinned rows first).
    ``rows`` may be a lazy sequence (the province scenario): slice it, do not copy it."""

    rows: Sequence[Item]  # every row of the category
    window: int  # how many rows api/all serves (== len(rows) when there is no window)
    pinned: bool = False  # some rows are pinned on top (out of date order)

    @property
    def served(self) -> Sequence[Item]:
        return self.rows[: self.window]


# ------------------------------------------------------------------ titles and text

_TOPICS = (
    "安全生产大检查", "垃圾分类宣传", "消防安全培训", "来穗人员服务管理", "文明城市创建", "防汛防风",
    "出租屋整治", "社区卫生服务", "扫黑除恶专项斗争", "河长制巡河", "禁毒宣传", "老旧小区微改造",
    "重阳节敬老", "学雷锋志愿服务", "疫情防控", "人口普查", "退役军人服务", "燃气安全排查",
    "未成年人保护", "营商环境优化", "平安建设", "食品安全检查", "爱国卫生运动", "文化惠民演出",
)
_DOC_TOPICS = ("财务管理", "公务接待", "政府采购", "档案管理", "信息公开", "网格化管理", "安全生产责任",
               "应急值守", "社区治理", "公共资金使用")


def _title(rng: random.Random, ag: fx.AgencySpec, leaf: str, year: int, n: int) -> tuple[str, str, str]:
    """(title, genre, document_number) for a filler row."""
    topic = rng.choice(_TOPICS)
    doc_topic = rng.choice(_DOC_TOPICS)
    sn = ag.short_name
    if leaf in ("工作动态", "政务动态"):
        verb = rng.choice(("开展", "召开", "部署", "推进", "举办"))
        return f"{sn}{verb}{topic}工作（{year}第{n}期）", "动态", ""
    if leaf == "规范性文件":
        return f"{ag.name}关于印发{doc_topic}管理办法的通知", "通知", f"{ag.doc_abbr}规〔{year}〕{n}号"
    if leaf == "其他文件":
        return f"{ag.name}关于做好{year}年{topic}工作的通知", "通知", f"{ag.doc_abbr}〔{year}〕{n}号"
    if leaf == "政策解读":
        return f"《{ag.name}{doc_topic}管理办法》政策解读（{year}-{n}）", "解读", ""
    if leaf in ("机构职能", "内设机构"):
        return f"{ag.name}{leaf}（{year}年更新{n}）", "其他", ""
    if leaf in ("领导分工", "领导信息"):
        return f"{ag.name}领导分工调整（{year}年第{n}次）", "其他", ""
    if leaf == "行政执法":
        return f"{sn}{topic}行政执法信息公示（{year}第{n}号）", "公示", ""
    if leaf == "财政预决算":
        kind = "部门预算" if n % 2 else "部门决算"
        return f"{ag.name}{year}年{kind}公开（{n}）", "报告", ""
    if leaf == "政府工作报告":
        return f"{sn}{year}年工作总结和下一年工作计划（{n}）", "报告", ""
    return f"{sn}{topic}公告（{year}-{n}）", "公告", ""


def filler_body(item: Item, agency_name: str) -> str:
    """The body HTML of a filler row (deterministic, short)."""
    d = item.published_at.strftime("%Y年%m月%d日")
    return (
        f"<p>{item.title}。</p>"
        f"<p>{agency_name}于{d}发布本信息。本文为离线复刻站点生成的测试内容，不是真实政府信息。</p>"
    )


# ------------------------------------------------------------------ the world


class World:
    """The replica world: agencies, per-scenario catalog rows, reports, portal columns.

    render.py and server.py use only its methods and the attributes ``agencies``, ``reports``,
    ``portal``, ``attachments`` and ``portal_name``; the province scenario's lazy
    ``DistrictWorld`` (province.py) overrides them."""

    notes: str = NOTES
    portal_name: str = "广州市白云区人民政府门户网站"
    #: (check_id, prefix, report_year) of every non-pass finding the default scenario should give
    planted_findings: list[tuple[str, str, int]] = [(c, p, y) for c, p, y, _ in fx.PLANTED_FINDINGS]

    def __init__(
        self,
        agencies: list[Agency],
        scenario_items: dict[str, dict[int, Item]],
        reports: list[Report],
        portal: list[PortalArticle],
        attachments: dict[int, AttachmentFile],
        windows: dict[tuple[str, int], int],
        changes: dict[str, Changes],
        scale: int,
    ) -> None:
        self.agencies = agencies
        self._items = scenario_items
        self.reports: Sequence[Report] = reports
        self.portal = portal
        self.attachments: Mapping[int, AttachmentFile] = attachments
        self._windows = windows  # (prefix, cat) -> oldest publish_ts the API still serves
        self._changes = changes
        self.scale = scale
        self._by_prefix = {a.prefix: a for a in agencies}
        self._listing_cache: dict[tuple[str, str, int], Listing] = {}
        self._site_index: dict[str, dict[tuple[str, int], list[Item]]] = {}
        self._lock = threading.Lock()
        self._file_cache: dict[int, bytes] = {}
        self._reports_by_key = {r.key: r for r in reports}
        self._report_files: dict[str, Callable[[], bytes]] = {}

    # -- scenarios
    @staticmethod
    def base_scenario(scenario: str) -> str:
        """Item state behind a scenario (``faults`` shares ``default``'s items)."""
        from .scenarios import SCENARIOS

        return SCENARIOS[scenario].items if scenario in SCENARIOS else scenario

    @staticmethod
    def today(scenario: str = "default") -> date:
        from .scenarios import SCENARIOS

        return SCENARIOS[scenario].today

    # -- agencies
    def agency(self, prefix: str) -> Agency:
        return self._by_prefix[prefix]

    def has_agency(self, prefix: str) -> bool:
        return prefix in self._by_prefix

    # -- items
    def items(self, scenario: str = "default", listed_only: bool = False) -> list[Item]:
        """Every catalog row of the scenario, newest first. ``listed_only`` drops the rows
        that have aged out of a listing window (they keep their content pages)."""
        rows: Iterable[Item] = self._items[self.base_scenario(scenario)].values()
        if listed_only:
            served = {i.id for a in self.agencies for i in self.listing(a.prefix, 0, scenario).served}
            rows = [i for i in rows if i.id in served]
        return sorted(rows, key=lambda i: (-i.publish_ts, -i.id))

    def item(self, item_id: int, scenario: str = "default") -> Item | None:
        return self._items[self.base_scenario(scenario)].get(item_id)

    def listing(self, prefix: str, cat: int, scenario: str = "default") -> Listing:
        """Rows of one leaf category (``cat=0`` or a parent node: its leaves aggregated), newest
        first; pinned rows come first."""
        base = self.base_scenario(scenario)
        key = (base, prefix, cat)
        got = self._listing_cache.get(key)
        if got is not None:
            return got
        with self._lock:
            got = self._listing_cache.get(key)
            if got is not None:
                return got
            ag = self.agency(prefix)
            leaf_ids = [leaf.id for leaf in ag.leaves()]
            node = next((n for n in ag.nodes() if n.id == cat), None)
            if node is not None and [leaf.id for leaf in node.leaves()] != [cat]:
                leaf_ids = [leaf.id for leaf in node.leaves()]  # a parent: aggregate its leaves
                cat = 0
            index = self._site_index.get(base)
            if index is None:
                index = {}
                for it in self._items[base].values():
                    index.setdefault((it.prefix, it.category_id), []).append(it)
                self._site_index[base] = index
            rows_by_cat = {c: index.get((prefix, c), []) for c in leaf_ids}

            def order(rows: Iterable[Item]) -> list[Item]:
                return sorted(rows, key=lambda i: (not i.pinned, -i.publish_ts, -i.id))

            if cat == 0:
                served: list[Item] = []
                hidden: list[Item] = []
                for c in leaf_ids:
                    lst = order(rows_by_cat[c])
                    w = self._window(prefix, c, lst)
                    served += lst[:w]
                    hidden += lst[w:]
                rows = tuple(order(served) + order(hidden))
                got = Listing(rows, len(served), any(r.pinned for r in rows))
            else:
                lst = order(rows_by_cat.get(cat, []))
                got = Listing(tuple(lst), self._window(prefix, cat, lst), any(r.pinned for r in lst))
            self._listing_cache[key] = got
            return got

    def _window(self, prefix: str, cat: int, rows: list[Item]) -> int:
        """Rows served: the window is by date (rows older than the cutoff age out)."""
        cutoff = self._windows.get((prefix, cat))
        if cutoff is None:
            return len(rows)
        return sum(1 for r in rows if r.pinned or r.publish_ts >= cutoff)

    def expected_posted(
        self, prefix: str, year: int, scenario: str = "default", listed_only: bool = False
    ) -> int:
        """Catalog rows of a site published in ``year`` (Asia/Shanghai), url rows included.

        ``listed_only`` counts only rows the API serves (the listing window applied)."""
        return sum(self.expected_posted_by_category(prefix, year, scenario, listed_only).values())

    def expected_posted_by_category(
        self, prefix: str, year: int, scenario: str = "default", listed_only: bool = False
    ) -> dict[str, int]:
        """Leaf category name -> rows published in ``year`` (zero categories omitted)."""
        out: dict[str, int] = {}
        ag = self.agency(prefix)
        for leaf in ag.leaves():
            lst = self.listing(prefix, leaf.id, scenario)
            rows = lst.served if listed_only else lst.rows
            n = sum(1 for r in rows if r.year == year)
            if n:
                out[leaf.name] = out.get(leaf.name, 0) + n
        return out

    def changes(self, scenario: str = "day2") -> Changes:
        """Differences between ``default`` and ``scenario`` (new / edited / withdrawn ids)."""
        return self._changes.get(self.base_scenario(scenario), Changes(frozenset(), frozenset(), frozenset()))

    # -- reports, portal, files
    def report(self, key: str) -> Report:
        return self._reports_by_key[key]

    def portal_column(self, column: str) -> list[PortalArticle]:
        """Articles of a portal column, newest first."""
        return sorted(
            (a for a in self.portal if a.column == column), key=lambda a: (-a.publish_ts, -a.id)
        )

    def attachment_bytes(self, aid: int) -> bytes:
        """The bytes of an attachment (generated once, cached)."""
        got = self._file_cache.get(aid)
        if got is not None:
            return got
        att = self.attachments[aid]
        if att.payload.startswith("report:"):
            data = self._report_files[att.payload[7:]]()
        elif att.payload == "xlsx":
            data = rp.render_xlsx()
        else:
            data = rp.fake_pdf(f"replica attachment {att.id} of post {att.post_id}")
        self._file_cache[aid] = data
        return data

    def counts(self, scenario: str = "default") -> dict[str, int]:
        """Rows per site prefix."""
        out: dict[str, int] = {}
        for it in self._items[self.base_scenario(scenario)].values():
            out[it.prefix] = out.get(it.prefix, 0) + 1
        return out


# ------------------------------------------------------------------ building


@dataclass
class _Proto:
    """An item (or portal article) before ids are assigned."""

    kind: str  # item | mirror | portal
    prefix: str
    leaf: str
    publish_ts: int
    title: str = ""
    type: str = "normal"
    genre: str = "其他"
    document_number: str = ""
    target: str = ""
    attachments: list[tuple[str, str, str]] = field(default_factory=list)  # (name, ext, payload)
    pinned: bool = False
    special: str = ""
    report_key: str | None = None
    column: str | None = None
    created_at_ts: int | None = None
    date_zero: bool = False
    order: int = 0


def _rand_ts(rng: random.Random, year: int, last: date | None = None) -> int:
    start = date(year, 1, 2)
    end = last or date(year, 12, 30)
    day = start + timedelta(days=rng.randrange((end - start).days + 1))
    secs = rng.randrange(8 * 3600 + 1800, 18 * 3600 + 1800)
    return bj_ts(day.year, day.month, day.day) + secs


def _posted_by_label(agencies: list[Agency], rows: Iterable[Item]) -> dict[tuple[str, int], dict[str, int]]:
    """(prefix, year) -> report category label -> catalog rows published that year, labels in
    tree order (the way a report lists them)."""
    label_of: dict[tuple[str, int], str] = {}
    order: dict[str, list[str]] = {}
    for ag in agencies:
        order[ag.prefix] = []
        for top in ag.tree:
            if top.jump_url:
                continue
            label = fx.report_label(top.name)
            order[ag.prefix].append(label)
            for leaf in top.leaves():
                label_of[(ag.prefix, leaf.id)] = label
    counts: dict[tuple[str, int], dict[str, int]] = {}
    for it in rows:
        got = counts.setdefault((it.prefix, it.year), dict.fromkeys(order[it.prefix], 0))
        got[label_of[(it.prefix, it.category_id)]] += 1
    return counts


def build_world(scale: int = 1) -> World:
    """Build the replica world. ``scale`` multiplies the filler items (special items and
    reports stay the same at any scale); ``scale=60`` gives well over 100,000 rows."""
    if scale < 1:
        raise ValueError("scale must be >= 1")
    rng = random.Random(20261126)
    specs = {s.prefix: s for s in fx.AGENCY_SPECS}
    agencies = [
        Agency(s.prefix, s.name, s.short_name, s.sid, s.kind, s.org_code, s.tree, s.invented)
        for s in fx.AGENCY_SPECS
    ]
    by_prefix = {a.prefix: a for a in agencies}
    default_last = date(2026, 11, 26)
    protos: list[_Proto] = []
    special_count: dict[tuple[str, int, str], int] = {}

    def add_special(p: _Proto) -> None:
        protos.append(p)
        if p.kind in ("item", "mirror"):
            k = (p.prefix, bj_year(p.publish_ts), p.leaf)
            special_count[k] = special_count.get(k, 0) + 1

    # ---- reports (gkmlpt post, mirror, portal copy): the special ones, then one filler report
    # per agency and year (their bodies are written once the items are known)
    report_specs = fx.report_specs()
    plans = fx.filler_plans({(rs.prefix, rs.year) for rs in report_specs})
    placements = [
        (rs.key, rs.prefix, rs.title, bj_ts(*rs.published), rs.catalog, rs.mirror_prefix, rs.portal_column,
         [(f"{rs.title}.{rs.file_ext}", rs.file_ext, f"report:{rs.key}")] if rs.file_factory and rs.file_ext else [])
        for rs in report_specs
    ] + [
        (pl.key, pl.prefix, f"{specs[pl.prefix].name}{pl.year}年政府信息公开工作年度报告", bj_ts(*pl.published),
         pl.catalog, None, pl.portal_column, [])
        for pl in plans
    ]
    for key, prefix, title, ts, catalog, mirror_prefix, column, atts in placements:
        if catalog:
            add_special(_Proto("item", prefix, "政府信息公开年度报告", ts, title, genre="报告",
                               attachments=atts, special="report", report_key=key))
        if mirror_prefix is not None:
            add_special(_Proto("mirror", mirror_prefix, "政府信息公开年度报告", ts + 3600, title,
                               genre="报告", special="report-mirror", report_key=key))
        if column:
            protos.append(_Proto("portal", prefix, "", ts + 1800, title, report_key=key, column=column))

    # ---- timezone edges and odd rows (鹤龙)
    hl = "/gzbyhlj"
    add_special(_Proto("item", hl, "工作动态", bj_ts(2017, 12, 31, 23, 30), "鹤龙街开展元旦前夕安全生产夜查行动",
                       genre="动态", special="tz-2017-12-31T23:30"))
    add_special(_Proto("item", hl, "工作动态", bj_ts(2017, 1, 1, 0, 30), "鹤龙街元旦假期值班安排",
                       genre="动态", special="tz-2017-01-01T00:30"))
    add_special(_Proto("item", hl, "工作动态", bj_ts(2018, 1, 1, 0, 10), "鹤龙街新年第一天开展安全巡查",
                       genre="动态", special="tz-2018-01-01T00:10"))
    add_special(_Proto("item", hl, "其他", bj_ts(2017, 12, 28, 10, 0), "鹤龙街2017年第四季度公共资金使用公示",
                       genre="公告", special="created_at-differs",
                       created_at_ts=bj_ts(2018, 3, 5, 9, 12)))
    add_special(_Proto("item", hl, "工作动态", bj_ts(2019, 6, 3, 10, 0), "鹤龙街开展端午节前食品安全检查",
                       genre="动态", special="date-zero", date_zero=True))
    # pinned-looking old rows at the top of the district's 其他 category
    for k, (mo, title) in enumerate(((3, "白云区政府信息公开申请须知（置顶）"), (5, "白云区政务服务事项目录（置顶）"))):
        add_special(_Proto("item", "", "其他", bj_ts(2016, mo, 10 + k, 9, 0), title, genre="公告",
                           pinned=True, special="pinned"))

    # ---- filler per agency / year / leaf
    for prefix, spec in specs.items():
        for year in spec.years:
            fixed = fx.FIXED_YEARS.get((prefix, year))
            frac = 0.9 if year == 2026 else 1.0
            alloc = fixed if fixed is not None else {
                name: int(round(fx.filler_count(prefix, year, name, n) * scale * frac))
                for name, n in spec.per_year.items()
            }
            last = default_last if year == 2026 else None
            for leaf_name, n in alloc.items():
                n_fill = n - special_count.get((prefix, year, leaf_name), 0)
                if n_fill < 0:
                    raise AssertionError(f"specials exceed allocation: {prefix} {year} {leaf_name}")
                for k in range(n_fill):
                    title, genre, docno = _title(rng, spec, leaf_name, year, k + 1)
                    p = _Proto("item", prefix, leaf_name, _rand_ts(rng, year, last), title, genre=genre,
                               document_number=docno)
                    if leaf_name in ("工作动态", "政务动态"):
                        url_row = k < 4 if (prefix, year) == (hl, 2017) else rng.random() < 0.03
                        if url_row:
                            p.type = "url"
                            p.target = f"https://mp.weixin.qq.com/s/replica{year}{k:04d}{len(prefix):02d}"
                    elif leaf_name == "政策解读" and prefix == "" and rng.random() < 0.3:
                        p.type = "url"
                        p.target = "{base}/zcjdpt?id=" + str(20000 + year * 10 + k)
                    if p.type == "normal":
                        r = rng.random()
                        if r < 0.015:
                            p.attachments = [(f"附件1：{title[:12]}.pdf", "pdf", "pdf"),
                                             (f"附件2：{title[:12]}.pdf", "pdf", "pdf")]
                        elif r < 0.06:
                            p.attachments = [(f"{title[:16]}.pdf", "pdf", "pdf")]
                        elif r < 0.08 or leaf_name == "财政预决算":
                            p.attachments = [(f"{title[:16]}.xlsx", "xlsx", "xlsx")]
                    protos.append(p)

    # ---- ids: one global increasing sequence over everything, by publish time
    for i, p in enumerate(protos):
        p.order = i
    protos.sort(key=lambda p: (p.publish_ts, p.order))
    id_rng = random.Random(7)
    next_id = FIRST_POST_ID
    items: dict[int, Item] = {}
    portal: list[PortalArticle] = []
    att_specs: list[tuple[int, str, str, str, str]] = []  # (post_id, name, ext, payload, prefix)
    reports_by_key = {rs.key: rs for rs in report_specs}
    report_ids: dict[str, dict[str, int]] = {key: {} for key, *_ in placements}
    seq_by_site_year: dict[tuple[str, int], int] = {}
    original_id: dict[str, int] = {}
    for p in protos:
        next_id += 1 + id_rng.randrange(3)
        pid = next_id
        if p.kind == "portal":
            assert p.report_key is not None and p.column is not None
            ag = by_prefix[p.prefix]
            portal.append(PortalArticle(pid, p.column, p.report_key, p.title, p.publish_ts, ag.short_name))
            report_ids[p.report_key]["portal"] = pid
            continue
        ag = by_prefix[p.prefix]
        leaf = ag.leaf_by_name(p.leaf)
        year = bj_year(p.publish_ts)
        seq = seq_by_site_year.get((p.prefix, year), 0) + 1
        seq_by_site_year[(p.prefix, year)] = seq
        day0 = datetime.fromtimestamp(p.publish_ts, TZ).replace(hour=0, minute=0, second=0)
        date_ts = 0 if p.date_zero else int((day0 - timedelta(days=pid % 4)).timestamp())
        publisher = ag.name
        mirror_of = None
        if p.kind == "mirror":
            assert p.report_key is not None
            mirror_of = original_id[p.report_key]
            publisher = by_prefix[reports_by_key[p.report_key].prefix].name
        it = Item(
            id=pid, prefix=p.prefix, category_id=leaf.id, category_name=leaf.name, title=p.title,
            type=p.type, publish_ts=p.publish_ts, date_ts=date_ts,
            created_at=bj_str(p.created_at_ts if p.created_at_ts is not None else p.publish_ts),
            target_url=p.target, identifier=f"{ag.org_code}/{year}-{seq:05d}",
            document_number=p.document_number, publisher=publisher, genre=p.genre,
            theme="综合政务", keywords=p.leaf, abstract="", modified_ts=p.publish_ts,
            pinned=p.pinned, mirror_of=mirror_of, report_key=p.report_key, special=p.special,
        )
        if p.report_key is not None:
            if p.kind == "item":
                original_id[p.report_key] = pid
                report_ids[p.report_key]["item"] = pid
            else:
                report_ids[p.report_key]["mirror"] = pid
        items[pid] = it
        for name, ext, payload in p.attachments:
            att_specs.append((pid, name, ext, payload, ""))

    # ---- attachments: a second global sequence, in post-id order
    attachments: dict[int, AttachmentFile] = {}
    aid = FIRST_ATTACHMENT_ID
    first_jy = True
    per_post: dict[int, list[int]] = {}
    report_att: dict[str, int] = {}
    for pid, name, ext, payload, _ in sorted(att_specs, key=lambda a: a[0]):
        aid += 1 + id_rng.randrange(2)
        prefix = ""
        if first_jy and items[pid].prefix == "/gzbyjy" and payload in ("pdf", "xlsx"):
            prefix, first_jy = "/gzbyjy", False  # the one attachment under a sub-site prefix
        attachments[aid] = AttachmentFile(aid, pid, name, ext, payload, prefix)
        per_post.setdefault(pid, []).append(aid)
        if payload.startswith("report:"):
            report_att[payload[7:]] = aid
    for pid, aids in per_post.items():
        items[pid].attachments = tuple(aids)

    # ---- listing window on the district's 政务动态: the API serves the newest 2/3 of the
    # default rows, i.e. rows published at or after a cutoff (a date window, so that a new
    # row on day2 does not push an old one out)
    windows: dict[tuple[str, int], int] = {}
    zwdt = by_prefix[""].leaf_by_name("政务动态").id
    zrows = sorted((it.publish_ts for it in items.values() if it.prefix == "" and it.category_id == zwdt),
                   reverse=True)
    windows[("", zwdt)] = zrows[(len(zrows) * 2) // 3 - 1]

    # ---- reports: the filler bodies claim what each agency posted that year (by label)
    all_specs = list(report_specs)
    posted = _posted_by_label(agencies, items.values())
    special_by_year = {(rs.prefix, rs.year): rs for rs in report_specs}
    plan_by_year = {(pl.prefix, pl.year): pl for pl in plans}
    for ag in agencies:
        prev_cf: dict[str, int] = {}
        prev_data: fx.TemplateData | None = None
        for year in range(specs[ag.prefix].years[0], fx.LAST_REPORT_YEAR + 1):
            done = special_by_year.get((ag.prefix, year))
            plan = plan_by_year.get((ag.prefix, year))
            if done is not None:
                prev_cf, prev_data = fx.carried_forward(done.figures), None
            elif plan is not None:
                copy = prev_data if (ag.prefix, year) == fx.COPIED else None
                rs, prev_data = fx.filler_report(plan, posted.get((ag.prefix, year), {}), prev_cf, copy)
                prev_cf = fx.carried_forward(rs.figures)
                all_specs.append(rs)
            else:  # not published (MISSING)
                prev_cf, prev_data = {}, None
    reports: list[Report] = []
    for rs in all_specs:
        ids = report_ids[rs.key]
        ag = by_prefix[rs.prefix]
        rep = Report(
            key=rs.key, prefix=rs.prefix, agency_name=ag.name, year=rs.year, template=rs.template,
            source_format=rs.source_format, title=rs.title,
            published_at=datetime.fromtimestamp(bj_ts(*rs.published), TZ),
            claimed_total=rs.claimed_total, claimed_categories=rs.claimed_categories,
            figures=rs.figures, body_html=rs.body_html, item_id=ids.get("item", 0),
            mirror_item_id=ids.get("mirror"), portal_column=rs.portal_column,
            portal_id=ids.get("portal"), attachment_id=report_att.get(rs.key), note=rs.note,
        )
        if rep.item_id:
            rep.paths.append(items[rep.item_id].content_path)
        if rep.mirror_item_id is not None:
            rep.paths.append(items[rep.mirror_item_id].content_path)
        if rep.portal_id is not None:
            rep.paths.append(f"/zwgk/qzfxxgknb/{rep.portal_column}/content/post_{rep.portal_id}.html")
        if rep.attachment_id is not None:
            rep.paths.append(attachments[rep.attachment_id].url_path)
        reports.append(rep)

    # ---- scenario day2: 4 new, 3 edited titles, 2 withdrawn
    day2 = dict(items)
    new_ids: list[int] = []
    for leaf_prefix, leaf_name, hm, title in (
        (hl, "工作动态", (9, 30), "鹤龙街开展冬季消防安全大检查"),
        ("", "政务动态", (10, 0), "白云区召开2026年冬季安全生产工作会议"),
        ("/gzbyjy", "政务动态", (11, 0), "区教育局开展校园安全专项检查"),
        ("/gzbyjtj", "其他", (15, 0), "景泰街关于2026年冬季征兵工作的公告"),
    ):
        next_id += 1 + id_rng.randrange(3)
        ag = by_prefix[leaf_prefix]
        leaf = ag.leaf_by_name(leaf_name)
        ts = bj_ts(2026, 11, 27, *hm)
        seq = seq_by_site_year.get((leaf_prefix, 2026), 0) + 1
        seq_by_site_year[(leaf_prefix, 2026)] = seq
        day2[next_id] = Item(
            id=next_id, prefix=leaf_prefix, category_id=leaf.id, category_name=leaf.name, title=title,
            type="normal", publish_ts=ts, date_ts=bj_ts(2026, 11, 27), created_at=bj_str(ts),
            identifier=f"{ag.org_code}/2026-{seq:05d}", publisher=ag.name, genre="动态",
            keywords=leaf_name, modified_ts=ts, special="day2-new",
        )
        new_ids.append(next_id)

    def recent(prefix: str, leaf_name: str, skip: int) -> Item:
        leaf_id = by_prefix[prefix].leaf_by_name(leaf_name).id
        rows = sorted(
            (i for i in items.values() if i.prefix == prefix and i.category_id == leaf_id
             and not i.special and i.type == "normal" and not i.attachments),
            key=lambda i: (-i.publish_ts, -i.id),
        )
        return rows[skip]

    edited = [recent("", "政务动态", 1), recent("/gzbysqj", "工作动态", 2), recent("/gzbyjy", "其他文件", 0)]
    edit_ts = bj_ts(2026, 11, 27, 8, 0)
    for it in edited:
        day2[it.id] = dataclasses.replace(it, title=it.title + "（更正）", modified_ts=edit_ts)
    withdrawn = [recent(hl, "工作动态", 3), recent("", "其他文件", 0)]
    for it in withdrawn:
        del day2[it.id]

    changes = {
        "day2": Changes(frozenset(new_ids), frozenset(i.id for i in edited), frozenset(i.id for i in withdrawn))
    }
    world = World(agencies, {"default": items, "day2": day2}, reports, portal, attachments, windows,
                  changes, scale)
    world._report_files = {rs.key: rs.file_factory for rs in report_specs if rs.file_factory is not None}
    return world
