"""The replica's annual reports: one per agency and year, claims equal to what was posted,
internally consistent tables, on-time publication, and the planted findings (World.planted_findings)."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator
from datetime import date, datetime
from importlib import resources
from typing import Any

import pytest
import requests
import yaml

from disclosure_etl.replica import ReplicaServer, World, build_world
from disclosure_etl.replica import fixtures as fx
from disclosure_etl.replica.reports import T3_COLS, t3_row_keys
from disclosure_etl.replica.world import TZ
from tests.replica_support import BJ, get, leaves, list_all, parse_config, session

SPECIAL = {"gzbyhlj-2017", "gzbyjtj-2020", "gzbyjtj-2021", "gzbyjy-2019", "gzbyjy-2020", "gzbyjy-2021",
           "gzbysqj-2018", "gzbysqj-2019"}
_TITLE = re.compile(r"^(.+?)(\d{4})年政府信息公开工作年度报告$")


@pytest.fixture(scope="module")
def world() -> World:
    return build_world()


@pytest.fixture(scope="module")
def srv(world: World) -> Iterator[ReplicaServer]:
    with ReplicaServer(world=world) as s:
        yield s


def _first_year(world: World, prefix: str) -> int:
    return min(it.year for it in world.items() if it.prefix == prefix)


def _due_years(world: World, prefix: str) -> range:
    return range(_first_year(world, prefix), fx.LAST_REPORT_YEAR + 1)


def _deadline(world: World, prefix: str, year: int) -> date:
    district = world.agency(prefix).kind == "district"
    return date(year + 1, 3, 31) if year <= 2018 or district else date(year + 1, 1, 31)


def _posted_by_label(world: World, prefix: str, year: int) -> dict[str, int]:
    ag = world.agency(prefix)
    by_leaf = world.expected_posted_by_category(prefix, year)
    out: dict[str, int] = {}
    for top in ag.tree:
        n = sum(by_leaf.get(leaf.name, 0) for leaf in top.leaves())
        if n:
            out[fx.report_label(top.name)] = n
    return out


def _posted_as_mapped(world: World, prefix: str, year: int, label: str) -> int:
    """Rows posted in ``year`` under a report label, through the default category_map.yaml
    (a label equal to a catalog node name maps to it; a parent counts its leaves)."""
    cmap = yaml.safe_load(resources.files("disclosure_etl").joinpath("category_map.yaml").read_text("utf-8"))
    names = set(cmap.get(label, [label]))
    ag = world.agency(prefix)
    leaf_ids = {leaf.id for node in ag.nodes() if node.name in names for leaf in node.leaves()}
    return sum(1 for leaf in ag.leaves() if leaf.id in leaf_ids
               for r in world.listing(prefix, leaf.id).rows if r.year == year)


# ------------------------------------------------------------------ over HTTP


def _served_reports(s: requests.Session, srv: ReplicaServer, world: World) -> dict[tuple[str, int], dict[str, Any]]:
    """(agency name, year) -> {"titles": set, "published": [dates]} from every 年度报告 listing
    and both portal columns, as a crawler sees them."""
    got: dict[tuple[str, int], dict[str, Any]] = defaultdict(lambda: {"titles": set(), "published": []})

    def add(title: str, day: date) -> None:
        m = _TITLE.match(title)
        assert m, title
        rec = got[(m.group(1), int(m.group(2)))]
        rec["titles"].add(title)
        rec["published"].append(day)

    for ag in world.agencies:
        sid, tree = parse_config(get(s, f"{srv.base_url}{ag.index_path}").content.decode("utf-8"))
        leaf = next(n for n in leaves(tree) if n["name"] == "政府信息公开年度报告")
        for row in list_all(s, srv.base_url, ag.prefix, leaf["id"], sid):
            add(row["title"], datetime.fromtimestamp(row["display_publish_time"], BJ).date())
    for col in ("zj", "bm"):
        n = 1
        while True:
            r = get(s, f"{srv.base_url}/zwgk/qzfxxgknb/{col}/" + ("index.html" if n == 1 else f"index_{n}.html"))
            if r.status_code == 404:
                break
            for title, day in re.findall(r'title="([^"]+)">[^<]*</a><span>(\d{4}-\d\d-\d\d)</span>', r.content.decode()):
                add(title, date.fromisoformat(day))
            n += 1
    return got


def test_every_agency_year_has_exactly_one_report_except_the_missing_one(
    srv: ReplicaServer, world: World
) -> None:
    served = _served_reports(session(), srv, world)
    names = {ag.name: ag.prefix for ag in world.agencies}
    assert {names[name] for name, _ in served} == {ag.prefix for ag in world.agencies}
    for ag in world.agencies:
        for year in _due_years(world, ag.prefix):
            titles = served.get((ag.name, year), {"titles": set()})["titles"]
            if (ag.prefix, year) == fx.MISSING:
                assert titles == set(), (ag.prefix, year)
            else:
                assert len(titles) == 1, (ag.prefix, year, titles)
    # nothing before the first item's year (鹤龙街 starts 2017) and nothing after 2025
    assert all(_first_year(world, names[name]) <= y <= fx.LAST_REPORT_YEAR for name, y in served)
    assert _first_year(world, "/gzbyhlj") == 2017 and _first_year(world, "/gzbyjtj") == 2016


def test_reports_are_published_on_time_except_the_late_one(srv: ReplicaServer, world: World) -> None:
    served = _served_reports(session(), srv, world)
    names = {ag.name: ag.prefix for ag in world.agencies}
    late = []
    for (name, year), rec in served.items():
        prefix = names[name]
        first = min(rec["published"])
        assert first.year == year + 1, (prefix, year, first)
        if first > _deadline(world, prefix, year):
            late.append((prefix, year, first.isoformat()))
    assert late == [(fx.LATE[0], fx.LATE[1], "2023-03-15")]


def test_street_claims_equal_what_the_catalog_lists(srv: ReplicaServer, world: World) -> None:
    """Streets have no listing window: count their rows by top category over HTTP."""
    s = session()
    for ag in (a for a in world.agencies if a.kind == "street"):
        sid, tree = parse_config(get(s, f"{srv.base_url}{ag.index_path}").content.decode("utf-8"))
        top_of = {leaf["id"]: fx.report_label(top["name"]) for top in tree for leaf in leaves([top])}
        counts: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        for leaf in leaves(tree):
            for row in list_all(s, srv.base_url, ag.prefix, leaf["id"], sid):
                y = datetime.fromtimestamp(row["display_publish_time"], BJ).year
                counts[y][top_of[row["classify_main"]]] += 1
        for rep in (r for r in world.reports if r.prefix == ag.prefix and r.key not in SPECIAL):
            listed = dict(counts[rep.year])
            if (rep.prefix, rep.year) == fx.CATEGORY_GAP:
                assert rep.claimed_total == sum(listed.values())
                listed.pop("其他")
            assert rep.claimed_categories == listed, rep.key
            assert rep.claimed_total == sum(counts[rep.year].values()), rep.key


# ------------------------------------------------------------------ the world's reports


def test_filler_claims_equal_expected_posted(world: World) -> None:
    fillers = [r for r in world.reports if r.key not in SPECIAL]
    assert len(fillers) == 40
    for rep in fillers:
        posted = _posted_by_label(world, rep.prefix, rep.year)
        if (rep.prefix, rep.year) == fx.COPIED:
            prev = next(r for r in world.reports if r.prefix == rep.prefix and r.year == rep.year - 1)
            assert (rep.claimed_total, rep.claimed_categories) == (prev.claimed_total, prev.claimed_categories)
            assert rep.claimed_total != world.expected_posted(rep.prefix, rep.year)
            continue
        assert rep.claimed_total == world.expected_posted(rep.prefix, rep.year), rep.key
        if (rep.prefix, rep.year) == fx.CATEGORY_GAP:
            posted.pop("其他")
        assert rep.claimed_categories == posted, rep.key
        assert {f"active.category.{k}": v for k, v in posted.items()} == {
            k: v for k, v in rep.figures.items() if k.startswith("active.category.")
        }


def test_templates_follow_the_year(world: World) -> None:
    for rep in world.reports:
        assert rep.template == fx.report_template(rep.year), rep.key
        if rep.key not in SPECIAL:
            assert rep.source_format == "html" and rep.attachment_id is None
    legacy = [r for r in world.reports if r.template == "legacy" and r.key not in SPECIAL]
    assert all("一  概  述" in r.body_html and "<table" not in r.body_html for r in legacy)
    t2021 = [r for r in world.reports if r.template == "2021" and r.key not in SPECIAL]
    assert all("本年制发件数" in r.body_html and 'rowspan=22' in r.body_html for r in t2021)


def _v(fig: dict[str, Any], key: str) -> int:
    return int(fig.get(key) or 0)


def _balanced(fig: dict[str, Any], col: str) -> bool:
    """T3 balance of one column: new + carried over = processed + carried forward."""
    t = [_v(fig, f"t3.{r}.{col}") for r in ("new_received", "carried_over", "total_processed", "carried_forward")]
    return t[0] + t[1] == t[2] + t[3]


def test_filler_reports_are_internally_consistent(world: World) -> None:
    for rep in (r for r in world.reports if r.key not in SPECIAL):
        fig = rep.figures
        cats = sum(_v(fig, k) for k in fig if k.startswith("active.category."))
        if (rep.prefix, rep.year) != fx.CATEGORY_GAP:
            assert cats == fig["active.total"], rep.key
        if rep.template == "legacy":
            text = re.sub(r"<[^>]+>", "", rep.body_html)
            received = _v(fig, "application.received")
            modes = sum(_v(fig, k) for k in fig if k.startswith("application.mode."))
            outcomes = sum(_v(fig, k) for k in fig if k.startswith("application.outcome."))
            assert modes == received == outcomes, rep.key
            assert fig["active.channel.website"] == fig["active.total"]
            for n, pct in re.findall(r"申请(\d+)件，占([\d.]+)%", text):
                assert abs(100 * int(n) / received - float(pct)) < 0.01, (rep.key, n, pct)
            assert f"全年主动公开政府信息{fig['active.total']}条" in text
            continue
        rows = t3_row_keys(rep.template)
        outcome_rows = [r for r in rows if r not in ("new_received", "carried_over", "total_processed", "carried_forward")]
        for c in T3_COLS:
            assert _balanced(fig, c), rep.key
            assert _v(fig, f"t3.total_processed.{c}") == sum(_v(fig, f"t3.{r}.{c}") for r in outcome_rows), rep.key
            assert _v(fig, f"t3.new_received.{c}") >= 0
        for r in rows:
            assert _v(fig, f"t3.{r}.total") == sum(_v(fig, f"t3.{r}.{c}") for c in T3_COLS[:-1])
        for g in ("review", "suit_direct", "suit_after_review"):
            assert _v(fig, f"t4.{g}.total") == sum(_v(fig, f"t4.{g}.{x}") for x in ("upheld", "corrected", "other", "pending"))


def test_carry_over_chains_except_the_planted_break(world: World) -> None:
    by = {(r.prefix, r.year): r for r in world.reports}
    breaks = []
    for (prefix, year), rep in sorted(by.items()):
        prev = by.get((prefix, year - 1))
        if "t3.carried_over.total" not in rep.figures:
            continue
        if prev is None or "t3.carried_forward.total" not in prev.figures:
            # first template year (after legacy) or after the missing report: nothing carried over
            assert _v(rep.figures, "t3.carried_over.total") == 0, rep.key
            continue
        for c in T3_COLS:
            if _v(rep.figures, f"t3.carried_over.{c}") != _v(prev.figures, f"t3.carried_forward.{c}"):
                breaks.append((prefix, year, c))
    assert breaks == [(fx.CARRY_BREAK[0], fx.CARRY_BREAK[1], "natural_person"),
                      (fx.CARRY_BREAK[0], fx.CARRY_BREAK[1], "total")]


def _oracle(world: World) -> set[tuple[str, str, int]]:
    """The findings of contract.md §4/§7 computed from the world itself (no pipeline)."""
    out: set[tuple[str, str, int]] = set()
    by = {(r.prefix, r.year): r for r in world.reports}
    for ag in world.agencies:
        for year in _due_years(world, ag.prefix):
            if (ag.prefix, year) not in by:
                out.add(("coverage.report_missing", ag.prefix, year))
    for (prefix, year), rep in by.items():
        fig = rep.figures
        if rep.published_at.date() > _deadline(world, prefix, year):
            out.add(("coverage.report_late", prefix, year))
        prev = by.get((prefix, year - 1))
        if prev is not None and prev.figures == fig:
            out.add(("report.copied_from_previous_year", prefix, year))
        if (prev is not None and "t3.carried_over.total" in fig and "t3.carried_forward.total" in prev.figures
                and fig["t3.carried_over.total"] != prev.figures["t3.carried_forward.total"]):
            out.add(("report.carry_over", prefix, year))
        cats = sum(int(v or 0) for k, v in fig.items() if k.startswith("active.category."))
        if cats != fig.get("active.total"):
            out.add(("report.category_sum", prefix, year))
        if "t3.new_received.total" in fig and not _balanced(fig, "total"):
            out.add(("report.t3_balance", prefix, year))
        complete = world.expected_posted(prefix, year, listed_only=True) == world.expected_posted(prefix, year)
        if complete and rep.claimed_total != world.expected_posted(prefix, year):
            out.add(("reconcile.active_total", prefix, year))
        if complete and any(_posted_as_mapped(world, prefix, year, k) != v for k, v in rep.claimed_categories.items()):
            out.add(("reconcile.active_category", prefix, year))
    return out


def test_planted_findings_are_exactly_what_the_world_implies(world: World) -> None:
    planted = world.planted_findings
    assert len(planted) == len(set(planted))
    assert set(planted) == _oracle(world)
    kinds = {c for c, _, _ in planted}
    assert kinds == {"coverage.report_missing", "coverage.report_late", "report.copied_from_previous_year",
                     "report.carry_over", "report.category_sum", "reconcile.active_total",
                     "reconcile.active_category", "report.t3_balance"}
    for check, prefix, year in planted:
        assert check in world.notes and f"{prefix or '(district root)'} {year}" in world.notes


def test_reports_are_deterministic(world: World) -> None:
    other = build_world()
    assert [(r.key, r.title, r.published_at, r.body_html, r.paths) for r in world.reports] == [
        (r.key, r.title, r.published_at, r.body_html, r.paths) for r in other.reports
    ]
    assert other.planted_findings == world.planted_findings


def test_portal_only_reports_have_no_catalog_post(world: World) -> None:
    portal_only = sorted(r.key for r in world.reports if r.item_id == 0)
    assert portal_only == ["gzbyjtj-2019", "gzbyjy-2018", "gzbysqj-2017"]
    for key in portal_only:
        rep = world.report(key)
        assert rep.paths == [rep.portal_path] and rep.portal_path is not None
    assert all(r.published_at.tzinfo == TZ for r in world.reports)


def test_office_attachments_carry_no_time_of_rendering() -> None:
    """The filler .xlsx is byte-stable: openpyxl stamps docProps/core.xml "modified" with
    the time of saving, which made its size (listed in the catalog's attachment JSON) differ
    from one server process to the next, so an unchanged night saw changed rows."""
    import io
    import zipfile

    from disclosure_etl.replica import reports as rp

    data = rp.render_xlsx.__wrapped__()  # rendered now, not the cached copy
    core = zipfile.ZipFile(io.BytesIO(data)).read("docProps/core.xml").decode()
    stamps = re.findall(r">(\d{4}-\d\d-\d\dT[^<]+)<", core)
    assert stamps and set(stamps) == {"2020-01-01T00:00:00Z"}
