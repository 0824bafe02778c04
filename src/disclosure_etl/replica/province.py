"""The replica ``province`` scenario: N districts, each on its own 127.0.0.1 port (issue #13).

Each district is a :class:`DistrictWorld`: the same interface as the default :class:`World`
(render.py and server.py serve it unchanged), but LAZY. Nothing proportional to the item
count is held: a district keeps, per sub-site, leaf category and year, one item count (drawn
from a hash of (seed, district, site, category, year)); every item is computed on demand
from (seed, district, site, category, index). Within a category the publish time grows with
the index, so a list page (newest first) is a slice, and the year counts give the reports'
claims and :meth:`DistrictWorld.expected_posted` exactly.

ALL OF IT IS INVENTED: the city, district, street and department names, prefixes, SIDs,
organisation codes, items and reports.

    from disclosure_etl.replica.province import ProvinceServer, ProvinceParams
    with ProvinceServer(districts=3, sites=(3, 5)) as prov:        # small: a few thousand items
        prov.districts        # [District(id="d01", name=…, base_url="http://127.0.0.1:PORT", world)]
        prov.config_dict(min_interval_s=0.0)   # {"http": …, "districts": [{id, name, discover, …}]}
        prov.expected_posted("d01", "/d01jd01", 2021); prov.planted_findings; prov.request_counts()
    ProvinceServer(params=ProvinceParams.full())   # 21 districts, 630 sub-sites, ~1.5M items

Ids: district ``d`` (0-based) owns post ids ``FIRST_POST_ID + d * DISTRICT_STRIDE + [0, 990000)``
(one block per site and leaf, in index order), portal article ids from ``… + PORTAL_OFFSET``;
an item has at most one attachment, id = post id - ``ATTACHMENT_SHIFT``. Items are the same in
every scenario (``day2`` changes nothing here); there is no listing window and no pinned row.

Reports: every sub-site publishes one filler report per year from its first item's year
through 2025 in its 政府信息公开年度报告 category (streets and departments also in the portal
column zj / bm), claiming exactly what it posted, except the planted defects of each district
(:meth:`DistrictWorld.planted_findings`): sub-site A never publishes its 2021 report, B publishes
its 2022 report on 2023-03-15 (late), C's 2023 report carries over 3 applications more than its
2022 report carried forward, D's first (legacy) report lists its categories without 其他, and the
district's own 2023 report restates its 2022 figures (copied; so its total and categories do not
reconcile). A–D are sub-sites picked by hash (the same one may carry several defects).

Serving a full province from one process runs N ThreadingHTTPServers under one GIL: a
benchmark should run ``disclosure-etl replica serve --scenario province`` in a process of its own.
"""

from __future__ import annotations

import hashlib
import heapq
import itertools
import random
import threading
from bisect import bisect_right
from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, overload

from . import fixtures as fx
from . import reports as rp
from .render import COLUMN_PATHS
from .server import ReplicaServer
from .world import (
    FIRST_POST_ID,
    TZ,
    Agency,
    AttachmentFile,
    Changes,
    Item,
    Listing,
    PortalArticle,
    Report,
    World,
    _title,
    bj_str,
    bj_ts,
)

DISTRICT_STRIDE = 1_000_000
PORTAL_OFFSET = 990_000
ATTACHMENT_SHIFT = 2_500_000
LAST_YEAR = 2026  # items up to the replica's today, 2026-11-26
TODAY = date(2026, 11, 26)
REPORT_LEAF = "政府信息公开年度报告"
REPORT_CACHE_SITES = 4  # per province: the sites whose reports are kept (~1 MiB a site)

CITIES = ("南岭市", "东江市", "北湾市", "西樵市", "青云市", "金沙市", "银湖市")
DISTRICT_NAMES = (
    "东湖", "西岭", "南江", "北山", "青石", "白沙", "金岗", "银湾", "松林", "竹溪", "桂园", "荔湾",
    "梅岭", "榕城", "凤岗", "龙岩", "鹤山", "云台", "海珠", "天河", "花都", "清溪", "石门", "沙河",
    "平洲", "石岐", "大沥", "新塘", "沙湾", "横沥", "三江", "九龙", "五桂", "双凤", "四会", "八步",
    "七星", "六合", "十里", "千灯",
)
STREET_NAMES = (
    "和平", "新华", "中山", "解放", "人民", "建设", "光明", "胜利", "长安", "永安", "太平", "兴华",
    "文昌", "朝阳", "东风", "红旗", "桥头", "江南", "江北", "城东", "城西", "城南", "城北", "湖滨",
    "河源", "同德", "均禾", "石井", "新市", "嘉禾", "棠景", "黄石", "三元", "金沙", "永平", "京溪",
    "钟落", "人和", "太和", "江高",
)
DEPARTMENTS = (
    "教育局", "卫生健康局", "民政局", "人力资源和社会保障局", "住房和城乡建设局", "交通运输局",
    "水务局", "农业农村局", "文化广电旅游体育局", "市场监督管理局", "司法局", "财政局", "应急管理局",
    "统计局", "城市管理和综合执法局", "退役军人事务局",
)
ROOT_TREE_BASE = 1100  # fx.ROOT_TREE's ids


def _hash(*parts: object) -> int:
    """64 deterministic bits of ``parts`` (the seed is always one of them)."""
    key = "\x1f".join(str(p) for p in parts).encode()
    return int.from_bytes(hashlib.blake2b(key, digest_size=8).digest(), "big")


def _unit(*parts: object) -> float:
    return _hash(*parts) / 2**64


@dataclass(frozen=True)
class ProvinceParams:
    """A province's shape: districts, sub-sites per district (inclusive range), items of a
    district's own catalog and of a sub-site (inclusive ranges, over all years), seed."""

    districts: int = 3
    sites: tuple[int, int] = (3, 5)
    root_items: tuple[int, int] = (300, 600)
    site_items: tuple[int, int] = (80, 200)
    seed: int = 0

    @classmethod
    def full(cls, districts: int = 21, seed: int = 0) -> ProvinceParams:
        """Issue #13's scale: 21 districts × 20–40 sub-sites (630), ~1.5 million items."""
        return cls(districts, (20, 40), (5_000, 40_000), (300, 3_000), seed)

    def __post_init__(self) -> None:
        if self.districts < 1 or self.sites[0] < 1 or self.sites[0] > self.sites[1]:
            raise ValueError("a province needs >= 1 district and >= 1 sub-site per district")


@dataclass(frozen=True)
class _Site:
    """One gkmlpt site of a district: its spec, years, per-leaf counts and id blocks."""

    spec: fx.AgencySpec
    agency: Agency
    years: tuple[int, ...]
    leaves: tuple[fx.CategoryNode, ...]
    counts: tuple[tuple[int, ...], ...]  # per leaf: items per year
    cums: tuple[tuple[int, ...], ...]  # per leaf: cumulative counts (len(years) + 1)
    starts: tuple[int, ...]  # per leaf: its first post id
    report_leaf: int
    plans: tuple[fx.FillerPlan, ...]  # reports in year order (each is a post in report_leaf)

    def total(self, c: int) -> int:
        return self.cums[c][-1]


class _Rows(Sequence[Item]):
    """The rows of one or more leaf categories, newest first, built on demand."""

    def __init__(self, world: DistrictWorld, parts: Sequence[tuple[int, int]]) -> None:
        self._w = world
        self._parts = tuple(parts)
        self._n = sum(world._sites[k].total(c) for k, c in self._parts)

    def __len__(self) -> int:
        return self._n

    @overload
    def __getitem__(self, i: int) -> Item: ...
    @overload
    def __getitem__(self, i: slice) -> list[Item]: ...
    def __getitem__(self, i: int | slice) -> Item | list[Item]:
        if isinstance(i, slice):
            start, stop, step = i.indices(self._n)
            if step < 0:
                return self[stop + 1 : start + 1][::-1][:: -step]
            return self._slice(start, max(start, stop), step)
        j = i + self._n if i < 0 else i
        if not 0 <= j < self._n:
            raise IndexError(i)
        return self._slice(j, j + 1)[0]

    def __iter__(self) -> Iterator[Item]:
        return (self._w._item(k, c, i) for _, _, k, c, i in self._keys())

    def _keys(self) -> Iterator[tuple[int, int, int, int, int]]:
        """(-publish_ts, -id, site, leaf, index), newest first over all parts."""
        w = self._w

        def one(k: int, c: int) -> Iterator[tuple[int, int, int, int, int]]:
            first = w._sites[k].starts[c]
            for i in range(w._sites[k].total(c) - 1, -1, -1):
                yield -w._ts(k, c, i), -(first + i), k, c, i

        return heapq.merge(*(one(k, c) for k, c in self._parts))

    def _slice(self, start: int, stop: int, step: int = 1) -> list[Item]:
        if len(self._parts) == 1:  # one leaf: index arithmetic
            k, c = self._parts[0]
            n = self._w._sites[k].total(c)
            return [self._w._item(k, c, n - 1 - j) for j in range(start, stop, step)]
        picked = itertools.islice(self._keys(), start, stop, step)  # merged on cheap keys
        return [self._w._item(k, c, i) for _, _, k, c, i in picked]


class _Attachments(Mapping[int, AttachmentFile]):
    """Attachment id -> file, derived from the post (iterating walks the whole district)."""

    def __init__(self, world: DistrictWorld) -> None:
        self._w = world

    def __getitem__(self, aid: int) -> AttachmentFile:
        it = self._w.item(aid + ATTACHMENT_SHIFT)
        if it is None or aid not in it.attachments:
            raise KeyError(aid)
        ext = "xlsx" if it.category_name == "财政预决算" else "pdf"
        return AttachmentFile(aid, it.id, f"{it.title[:16]}.{ext}", ext, ext)

    def __iter__(self) -> Iterator[int]:
        return (aid for it in self._w.all_rows() for aid in it.attachments)

    def __len__(self) -> int:
        return sum(1 for _ in self)


class _Reports(Sequence[Report]):
    """Every report of a district (site by site, year order), built on demand."""

    def __init__(self, world: DistrictWorld) -> None:
        self._w = world

    def __len__(self) -> int:
        return sum(len(s.plans) for s in self._w._sites)

    @overload
    def __getitem__(self, i: int) -> Report: ...
    @overload
    def __getitem__(self, i: slice) -> list[Report]: ...
    def __getitem__(self, i: int | slice) -> Report | list[Report]:
        every = list(self)
        return every[i]

    def __iter__(self) -> Iterator[Report]:
        for k in range(len(self._w._sites)):
            yield from self._w._site_reports(k).values()


class _ReportCache:
    """The reports of the last few sites built, shared by a province's districts (a site's
    ~10 reports take ~1 MiB; a crawl reads one site's reports together)."""

    def __init__(self, sites: int = REPORT_CACHE_SITES) -> None:
        self._sites = sites
        self._lock = threading.Lock()
        self._got: OrderedDict[tuple[str, int], dict[str, Report]] = OrderedDict()

    def get(self, key: tuple[str, int], build: Callable[[], dict[str, Report]]) -> dict[str, Report]:
        with self._lock:
            got = self._got.get(key)
            if got is not None:
                self._got.move_to_end(key)
                return got
        got = build()  # outside the lock: another thread may build the same site meanwhile
        with self._lock:
            self._got[key] = got
            while len(self._got) > self._sites:
                self._got.popitem(last=False)
        return got


class DistrictWorld(World):
    """One lazy district of a province (see the module docstring)."""

    def __init__(self, params: ProvinceParams, index: int, reports: _ReportCache | None = None) -> None:
        self.params = params
        self.index = index
        self.id = f"d{index + 1:02d}"
        self.name = f"{CITIES[index // 6 % len(CITIES)]}{DISTRICT_NAMES[index % len(DISTRICT_NAMES)]}区"
        self.portal_name = f"{self.name}人民政府门户网站"
        self._base = FIRST_POST_ID + index * DISTRICT_STRIDE
        self._lock = threading.Lock()
        self._report_cache = reports if reports is not None else _ReportCache()
        self._listings: dict[tuple[str, int], Listing] = {}
        self._changes: dict[str, Changes] = {}
        specs = self._specs()
        self.defects = self._pick_defects(specs)
        self._sites: list[_Site] = []
        first = self._base
        for k, spec in enumerate(specs):
            site = self._layout(k, spec, first)
            self._sites.append(site)
            first = site.starts[-1] + site.total(len(site.leaves) - 1)
        if first - self._base >= PORTAL_OFFSET:
            raise ValueError(f"district {self.id}: {first - self._base} items exceed its id block")
        self._end = first
        self._site_starts = [s.starts[0] for s in self._sites]
        self.agencies = [s.agency for s in self._sites]
        self._by_prefix = {a.prefix: a for a in self.agencies}
        self._site_of = {a.prefix: k for k, a in enumerate(self.agencies)}
        self.portal, self._portal_ids = self._portal()
        self.attachments = _Attachments(self)
        self.reports = _Reports(self)
        self.planted_findings = self._planted()
        self.notes = f"{self.name} (invented) of a replica province; see replica/province.py."

    # ---- layout
    def _specs(self) -> list[fx.AgencySpec]:
        """The district's own catalog, then its streets and departments (a third are departments)."""
        p, d = self.params, self.index
        lo, hi = p.sites
        n_sub = lo + (d * 11 + p.seed) % (hi - lo + 1)  # spread evenly over districts
        x = DISTRICT_NAMES[d % len(DISTRICT_NAMES)]
        gov = f"{self.name}人民政府"

        def spec(prefix: str, name: str, short: str, kind: str, k: int, abbr: str, tree: Any,
                 per_year: dict[str, int]) -> fx.AgencySpec:
            first = fx.YEARS[0] + _hash(p.seed, d, k, "first") % 3  # 2016–2018
            return fx.AgencySpec(prefix, name, short, str(300000 + d * 100 + k), kind,
                                 f"1144{d:02d}{k:02d}MB2C{_hash(p.seed, d, k) % 10**5:05d}X", abbr, tree,
                                 tuple(range(first, LAST_YEAR + 1)), per_year)

        out = [spec("", gov, f"{x}区", "district", 0, f"{x}府", fx.ROOT_TREE, fx.ROOT_PER_YEAR)]
        n_dept = n_sub // 3
        for k in range(1, n_sub + 1):
            if k <= n_dept:
                dept = DEPARTMENTS[(k - 1) % len(DEPARTMENTS)]
                pre = f"/{self.id}bm{k:02d}"
                out.append(spec(pre, f"{self.name}{dept}", f"区{dept}", "department", k, f"{x}{dept[0]}",
                                fx.department_tree(2000 + 100 * k, pre), fx.DEPARTMENT_PER_YEAR))
            else:
                st = STREET_NAMES[(k + d * 7) % len(STREET_NAMES)]
                pre = f"/{self.id}jd{k:02d}"
                out.append(spec(pre, f"{gov}{st}街道办事处", f"{st}街", "street", k, f"{x}{st}",
                                fx.street_tree(2000 + 100 * k, pre), fx.STREET_PER_YEAR))
        return out

    def _pick_defects(self, specs: list[fx.AgencySpec]) -> fx.Defects:
        subs = sorted(specs[1:], key=lambda s: _hash(self.params.seed, self.index, "defect", s.prefix))

        def pick(n: int) -> fx.AgencySpec:
            return subs[n % len(subs)]

        gap = pick(3)
        return fx.Defects(missing=(pick(0).prefix, 2021), late=(pick(1).prefix, 2022, (2023, 3, 15, 10, 0)),
                          copied=("", 2023), carry_break=(pick(2).prefix, 2023),
                          category_gap=(gap.prefix, gap.years[0]))

    def _layout(self, k: int, spec: fx.AgencySpec, first_id: int) -> _Site:
        """Counts per leaf and year, and the leaves' id blocks, of site ``k``."""
        p = self.params
        lo, hi = p.root_items if k == 0 else p.site_items
        target = lo + (hi - lo) * _unit(p.seed, self.index, k, "items")
        leaves = tuple(leaf for top in spec.tree for leaf in top.leaves())
        plans = tuple(pl for y in range(spec.years[0], fx.LAST_REPORT_YEAR + 1)
                      if (pl := fx.filler_plan(spec, y, True, self.defects)) is not None)
        weight = sum(spec.per_year.values())
        year_w = [0.9 if y == LAST_YEAR else 1.0 for y in spec.years]
        counts: list[tuple[int, ...]] = []
        for leaf in leaves:
            if leaf.name == REPORT_LEAF:
                pub = [pl.published[0] for pl in plans]
                counts.append(tuple(pub.count(y) for y in spec.years))
                continue
            share = target * spec.per_year.get(leaf.name, 0) / weight / sum(year_w)
            drawn = itertools.accumulate(share * yw * (0.6 + 0.8 * _unit(p.seed, self.index, k, leaf.id, y))
                                         for y, yw in zip(spec.years, year_w, strict=True))
            bounds = [0, *(round(x) for x in drawn)]  # rounded cumulatively: rare leaves still get items
            row = [b - a for a, b in itertools.pairwise(bounds)]
            if (spec.prefix, spec.years[0]) == self.defects.category_gap and leaf.name == "其他":
                row[0] = max(row[0], 1)  # the planted category gap leaves out a non-empty 其他
            counts.append(tuple(row))
        if k == 0:
            counts = self._copied_differs(spec, leaves, counts)
        cums = tuple(tuple(itertools.accumulate(row, initial=0)) for row in counts)
        starts = tuple(itertools.accumulate((c[-1] for c in cums[:-1]), initial=first_id))
        agency = Agency(spec.prefix, spec.name, spec.short_name, spec.sid, spec.kind, spec.org_code, spec.tree,
                        True)
        rleaf = next(i for i, leaf in enumerate(leaves) if leaf.name == REPORT_LEAF)
        return _Site(spec, agency, spec.years, leaves, tuple(counts), cums, starts, rleaf, plans)

    @staticmethod
    def _copied_differs(spec: fx.AgencySpec, leaves: tuple[fx.CategoryNode, ...],
                        counts: list[tuple[int, ...]]) -> list[tuple[int, ...]]:
        """The copied 2023 report must not reconcile: 2023's 政务动态 differs from 2022's."""
        c = next(i for i, leaf in enumerate(leaves) if leaf.name == "政务动态")
        y22, y23 = spec.years.index(2022), spec.years.index(2023)
        row = list(counts[c])
        if row[y23] == row[y22]:
            row[y23] += 1
        counts[c] = tuple(row)
        return counts

    def _portal(self) -> tuple[list[PortalArticle], dict[str, int]]:
        arts: list[PortalArticle] = []
        ids: dict[str, int] = {}
        n = self._base + PORTAL_OFFSET
        for s in self._sites:
            for pl in s.plans:
                if pl.portal_column is None:
                    continue
                n += 1
                ts = bj_ts(*pl.published) + 1800
                arts.append(PortalArticle(n, pl.portal_column, pl.key, self._report_title(s, pl.year), ts,
                                          s.spec.short_name))
                ids[pl.key] = n
        return arts, ids

    @staticmethod
    def _report_title(s: _Site, year: int) -> str:
        return f"{s.spec.name}{year}年政府信息公开工作年度报告"

    # ---- items
    def _ts(self, k: int, c: int, i: int) -> int:
        """Publish time of item ``i`` (oldest first) of leaf ``c`` of site ``k``: strictly
        increasing in ``i`` (each item has its own slot of its year)."""
        s = self._sites[k]
        if c == s.report_leaf:
            return bj_ts(*s.plans[i].published)
        cum = s.cums[c]
        y = bisect_right(cum, i) - 1
        n, j, year = s.counts[c][y], i - cum[y], s.years[y]
        start = bj_ts(year, 1, 2, 8, 30)
        end = bj_ts(year, 12, 30, 18, 30) if year < LAST_YEAR else bj_ts(*TODAY.timetuple()[:3], 18, 0)
        width = (end - start) // n
        return start + j * width + _hash(self.params.seed, self.index, k, c, i) % max(width, 1)

    def _item(self, k: int, c: int, i: int) -> Item:
        """Item ``i`` (oldest first) of leaf ``c`` of site ``k``: a report post in the 年度报告
        leaf, else a filler row (3% of news rows are url rows, 3% of the others and every
        财政预决算 row carry one attachment)."""
        s = self._sites[k]
        leaf, spec = s.leaves[c], s.spec
        pid = s.starts[c] + i
        ts = self._ts(k, c, i)
        day0 = datetime.fromtimestamp(ts, TZ).replace(hour=0, minute=0, second=0)
        year, typ, target, docno, key = day0.year, "normal", "", "", None
        attachments: tuple[int, ...] = ()
        if c == s.report_leaf:
            pl = s.plans[i]
            title, genre, key = self._report_title(s, pl.year), "报告", pl.key
        else:
            h = _hash(self.params.seed, self.index, k, c, i, "item")
            n_in_year = i - s.cums[c][s.years.index(year)] + 1
            title, genre, docno = _title(random.Random(h), spec, leaf.name, year, n_in_year)
            if leaf.name in fx.DYNAMIC_LEAVES and h % 100 < 3:
                typ, target = "url", f"https://mp.weixin.qq.com/s/replica{pid}"
            elif leaf.name == "财政预决算" or (h >> 8) % 100 < 3:
                attachments = (pid - ATTACHMENT_SHIFT,)
        return Item(
            id=pid, prefix=spec.prefix, category_id=leaf.id, category_name=leaf.name, title=title, type=typ,
            publish_ts=ts, date_ts=int((day0 - timedelta(days=pid % 4)).timestamp()), created_at=bj_str(ts),
            target_url=target, attachments=attachments, identifier=f"{spec.org_code}/{year}-{leaf.id % 100:02d}{i:05d}",
            document_number=docno, publisher=spec.name, genre=genre, keywords=leaf.name, modified_ts=ts,
            report_key=key, special="report" if key else "",
        )

    def item(self, item_id: int, scenario: str = "default") -> Item | None:
        if not self._base <= item_id < self._end:
            return None
        k = bisect_right(self._site_starts, item_id) - 1
        s = self._sites[k]
        c = bisect_right(s.starts, item_id) - 1
        return self._item(k, c, item_id - s.starts[c])

    def listing(self, prefix: str, cat: int, scenario: str = "default") -> Listing:
        """A leaf's rows, or a parent node's / ``cat=0``'s (its leaves merged), newest first."""
        key = (prefix, cat)
        got = self._listings.get(key)
        if got is None:
            k = self._site_of[prefix]
            s = self._sites[k]
            node = next((n for n in s.agency.nodes() if n.id == cat), None)
            wanted = {leaf.id for leaf in node.leaves()} if node is not None else set()
            if cat == 0:
                wanted = {leaf.id for leaf in s.leaves}
            rows = _Rows(self, [(k, c) for c, leaf in enumerate(s.leaves) if leaf.id in wanted])
            got = self._listings.setdefault(key, Listing(rows, len(rows)))
        return got

    def all_rows(self) -> Sequence[Item]:
        """Every row of the district, newest first (lazy; iterating builds them all)."""
        return _Rows(self, [(k, c) for k, s in enumerate(self._sites) for c in range(len(s.leaves))])

    def items(self, scenario: str = "default", listed_only: bool = False) -> list[Item]:
        """Every row, newest first: a list of the whole district (small provinces only)."""
        return list(self.all_rows())

    def counts(self, scenario: str = "default") -> dict[str, int]:
        return {s.spec.prefix: sum(s.total(c) for c in range(len(s.leaves))) for s in self._sites}

    @property
    def total_items(self) -> int:
        return self._end - self._base

    def expected_posted_by_category(
        self, prefix: str, year: int, scenario: str = "default", listed_only: bool = False
    ) -> dict[str, int]:
        s = self._sites[self._site_of[prefix]]
        if year not in s.years:
            return {}
        y = s.years.index(year)
        out: dict[str, int] = {}
        for leaf, row in zip(s.leaves, s.counts, strict=True):
            if row[y]:
                out[leaf.name] = out.get(leaf.name, 0) + row[y]
        return out

    # ---- reports and files
    def _posted_by_label(self, s: _Site, year: int) -> dict[str, int]:
        """Report category label -> items posted in ``year``, in tree order."""
        y = s.years.index(year)
        out: dict[str, int] = {}
        for top in s.spec.tree:
            if top.jump_url:
                continue
            ids = {leaf.id for leaf in top.leaves()}
            out[fx.report_label(top.name)] = sum(row[y] for leaf, row in zip(s.leaves, s.counts, strict=True)
                                                 if leaf.id in ids)
        return out

    def _site_reports(self, k: int) -> dict[str, Report]:
        """The reports of site ``k`` (built on demand; see ``_ReportCache``)."""
        return self._report_cache.get((self.id, k), lambda: self._build_reports(self._sites[k]))

    def _build_reports(self, s: _Site) -> dict[str, Report]:
        out: dict[str, Report] = {}
        prev_cf: dict[str, int] = {}
        prev_data: fx.TemplateData | None = None
        plans = {pl.year: (i, pl) for i, pl in enumerate(s.plans)}
        for year in range(s.years[0], fx.LAST_REPORT_YEAR + 1):
            if year not in plans:  # the planted missing report
                prev_cf, prev_data = {}, None
                continue
            i, pl = plans[year]
            copy = prev_data if self.defects.copied == (s.spec.prefix, year) else None
            rs, prev_data = fx.filler_report(pl, self._posted_by_label(s, year), prev_cf, copy, s.spec,
                                             self.defects)
            prev_cf = fx.carried_forward(rs.figures)
            pid = s.starts[s.report_leaf] + i
            rep = Report(
                key=rs.key, prefix=rs.prefix, agency_name=s.spec.name, year=year, template=rs.template,
                source_format=rs.source_format, title=rs.title,
                published_at=datetime.fromtimestamp(bj_ts(*rs.published), TZ), claimed_total=rs.claimed_total,
                claimed_categories=rs.claimed_categories, figures=rs.figures, body_html=rs.body_html,
                item_id=pid, portal_column=rs.portal_column, portal_id=self._portal_ids.get(rs.key), note=rs.note,
            )
            rep.paths.append(f"{s.spec.prefix}/gkmlpt/content/{pid // 1_000_000}/{pid // 1_000}/post_{pid}.html")
            if rep.portal_id is not None and rep.portal_column is not None:
                rep.paths.append(f"{COLUMN_PATHS[rep.portal_column]}content/post_{rep.portal_id}.html")
            out[rs.key] = rep
        return out

    def report(self, key: str) -> Report:
        slug = key.rsplit("-", 1)[0]
        k = self._site_of["" if slug == "district" else f"/{slug}"]
        return self._site_reports(k)[key]

    def attachment_bytes(self, aid: int) -> bytes:
        att = self.attachments[aid]
        if att.ext == "xlsx":
            return rp.render_xlsx()
        return rp.fake_pdf(f"replica attachment {att.id} of post {att.post_id}")

    def _planted(self) -> list[tuple[str, str, int]]:
        """(check_id, prefix, report_year) of every non-pass finding an honest run produces."""
        d = self.defects
        assert d.missing and d.late and d.copied and d.carry_break and d.category_gap
        root = self._sites[0]
        p22, p23 = self._posted_by_label(root, 2022), self._posted_by_label(root, 2023)
        out = [("coverage.report_missing", *d.missing), ("coverage.report_late", *d.late[:2]),
               ("report.copied_from_previous_year", *d.copied)]
        if sum(p22.values()) != sum(p23.values()):
            out.append(("reconcile.active_total", *d.copied))
        out.append(("reconcile.active_category", *d.copied))  # 政务动态 differs (_copied_differs)
        out += [("report.carry_over", *d.carry_break), ("report.category_sum", *d.category_gap)]
        return out


class Province:
    """The districts of a province (lazy worlds; cheap to build at full scale)."""

    def __init__(self, params: ProvinceParams | None = None) -> None:
        self.params = params or ProvinceParams()
        cache = _ReportCache()
        self.districts = [DistrictWorld(self.params, d, cache) for d in range(self.params.districts)]

    def district(self, district_id: str) -> DistrictWorld:
        return next(w for w in self.districts if w.id == district_id)

    @property
    def total_items(self) -> int:
        return sum(w.total_items for w in self.districts)

    @property
    def total_sites(self) -> int:
        """gkmlpt sites (the districts' own catalogs included)."""
        return sum(len(w.agencies) for w in self.districts)


@dataclass(frozen=True)
class District:
    """One served district: its id, name, base URL and world."""

    id: str
    name: str
    base_url: str
    world: DistrictWorld


class ProvinceServer:
    """Every district of a province on its own 127.0.0.1 port, from one process (threads)."""

    def __init__(
        self,
        districts: int = 3,
        sites: tuple[int, int] = (3, 5),
        root_items: tuple[int, int] = (300, 600),
        site_items: tuple[int, int] = (80, 200),
        seed: int = 0,
        *,
        params: ProvinceParams | None = None,
        quirks: dict[str, Any] | None = None,
        host: str = "127.0.0.1",
        ports: Sequence[int] = (),
        log_limit: int | None = 1000,
    ) -> None:
        """``params`` (e.g. ``ProvinceParams.full()``) overrides the shape arguments; ``ports``
        (default: free ones) in district order; ``log_limit`` bounds each district's request log."""
        self.province = Province(params or ProvinceParams(districts, sites, root_items, site_items, seed))
        worlds = self.province.districts
        self.servers = [
            ReplicaServer(quirks=quirks, host=host, port=ports[d] if d < len(ports) else 0, world=w,
                          log_limit=log_limit)
            for d, w in enumerate(worlds)
        ]

    def start(self) -> ProvinceServer:
        for srv in self.servers:
            srv.start()
        return self

    def stop(self) -> None:
        for srv in self.servers:
            srv.stop()

    def __enter__(self) -> ProvinceServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def districts(self) -> list[District]:
        return [District(w.id, w.name, srv.base_url, w)
                for w, srv in zip(self.province.districts, self.servers, strict=True)]

    def server(self, district_id: str) -> ReplicaServer:
        return next(srv for d, srv in zip(self.districts, self.servers, strict=True) if d.id == district_id)

    def config_dict(self, min_interval_s: float = 1.0, **http: Any) -> dict[str, Any]:
        """A config mapping in the ``districts:`` format (add data_dir/warehouse as needed)."""
        return {
            "http": {"min_interval_s": min_interval_s, **http},
            "districts": [
                {"id": d.id, "name": d.name, "discover": [f"{d.base_url}/"],
                 "report_columns": [d.base_url + COLUMN_PATHS["zj"], d.base_url + COLUMN_PATHS["bm"]]}
                for d in self.districts
            ],
        }

    def expected_posted(self, district_id: str, agency: str, year: int) -> int:
        """Items a sub-site (``agency``: its prefix, "" or its slug) posted in ``year``."""
        prefix = agency if agency == "" or agency.startswith("/") else f"/{agency}"
        return self.province.district(district_id).expected_posted(prefix, year)

    @property
    def planted_findings(self) -> list[tuple[str, str, str, int]]:
        """(district_id, check_id, prefix, report_year) of every planted non-pass finding."""
        return [(w.id, *f) for w in self.province.districts for f in w.planted_findings]

    def request_counts(self) -> dict[str, int]:
        """Requests each district (host) answered since start."""
        return {w.id: srv.requests_served for w, srv in zip(self.province.districts, self.servers, strict=True)}

    def describe(self) -> str:
        """One line per district: id, base URL, name."""
        return "\n".join(f"{d.id} {d.base_url} {d.name}" for d in self.districts)
