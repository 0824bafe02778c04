"""The replica ``province`` scenario: deterministic, lazy, consistent, and crawlable.

Over real HTTP where the crawler or the paging is concerned; the byte comparisons call the
server's router directly (the same code path without sockets, so the host is fixed).
"""

from __future__ import annotations

import subprocess
import sys
import tracemalloc
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import duckdb
import pytest
import requests
import yaml

from disclosure_etl import pipeline
from disclosure_etl.replica import fixtures as fx
from disclosure_etl.replica import render
from disclosure_etl.replica.province import (
    DistrictWorld,
    Province,
    ProvinceParams,
    ProvinceServer,
)
from disclosure_etl.replica.server import ReplicaServer
from tests.conftest import replica_config
from tests.replica_support import bj_year, get, leaves, parse_config, session


@pytest.fixture(scope="module")
def prov() -> Any:
    with ProvinceServer(districts=3, sites=(3, 5), log_limit=200) as p:
        yield p


def _pages(world: DistrictWorld) -> list[tuple[str, str]]:
    """(path, query) of one page of every kind a crawler reads."""
    root, sub = world.agencies[0], world.agencies[-1]
    leaf = max(root.leaves(), key=lambda n: len(world.listing("", n.id).rows))
    last = -(-len(world.listing("", leaf.id).rows) // render.PAGE_SIZE)
    it = next(i for i in world.listing(sub.prefix, 0).rows[:50] if i.type == "normal" and not i.report_key)
    art = world.portal[0]
    aid = next(a for a in world.attachments)
    return [
        ("/", ""), (root.index_path, ""), (sub.index_path, ""),
        (f"/gkmlpt/api/all/{leaf.id}", "page=1"), (f"/gkmlpt/api/all/{leaf.id}", f"page={last}"),
        ("/gkmlpt/api/all/0", "page=2"), (it.content_path, ""),
        (world.report(art.report_key).paths[0], ""), (render.article_path(world, art, {"department_column": False}), ""),
        (world.attachments[aid].url_path, ""), ("/zwgk/qzfxxgknb/zj/", ""),
    ]


def _bodies(world: DistrictWorld) -> list[bytes]:
    srv = ReplicaServer(world=world)
    out = []
    for path, query in _pages(world):
        resp = srv.route("GET", path, query, "replica.test", "http")
        assert resp.status == 200, (path, query, resp.status)
        out.append(resp.body)
    return out


def test_same_seed_same_bytes_other_seed_other_bytes() -> None:
    a, b = Province(ProvinceParams(seed=7)), Province(ProvinceParams(seed=7))
    for wa, wb in zip(a.districts, b.districts, strict=True):
        assert _bodies(wa) == _bodies(wb)
    other = Province(ProvinceParams(seed=8)).districts[0]
    srv_a, srv_o = ReplicaServer(world=a.districts[0]), ReplicaServer(world=other)
    path = f"{other.agencies[1].prefix}/gkmlpt/api/all/0"
    assert srv_a.route("GET", path, "", "h", "http").body != srv_o.route("GET", path, "", "h", "http").body


def test_full_province_is_big_and_lazy() -> None:
    small = Province().districts[0]
    _bodies(small)  # one-off costs outside the trace: imports (openpyxl), the cached xlsx bytes
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        held = list(small.all_rows())
        per_item = (tracemalloc.get_traced_memory()[0] - base) / len(held)
        del held
        tracemalloc.reset_peak()
        base = tracemalloc.get_traced_memory()[0]
        full = Province(ProvinceParams.full())
        for world in (full.districts[0], full.districts[-1]):
            _bodies(world)
        srv, rows = ReplicaServer(world=full.districts[0], log_limit=10), full.districts[0].all_rows()
        for it in rows[:: len(rows) // 300]:  # 300 distinct content pages: nothing piles up
            if it.type == "normal":
                assert srv.route("GET", it.content_path, "", "h", "http").status == 200
        peak = tracemalloc.get_traced_memory()[1] - base
    finally:
        tracemalloc.stop()
    assert full.total_items >= 1_000_000
    assert full.total_sites - len(full.districts) >= 600 and len(full.districts) >= 21
    assert all(20 <= len(w.agencies) - 1 <= 40 for w in full.districts)
    assert all(5_000 <= w.counts()[""] <= 40_000 + 200 for w in full.districts)
    held_all = full.total_items * per_item
    assert peak < held_all / 50, f"peak {peak / 2**20:.1f} MiB vs {held_all / 2**20:.0f} MiB for every item"


def test_every_host_is_its_own_127_0_0_1_port(prov: ProvinceServer) -> None:
    netlocs = [urlsplit(d.base_url).netloc for d in prov.districts]
    assert len(set(netlocs)) == 3 and all(n.startswith("127.0.0.1:") for n in netlocs)
    cfg = prov.config_dict(min_interval_s=0.5)
    assert cfg["http"] == {"min_interval_s": 0.5}
    assert [d["id"] for d in cfg["districts"]] == ["d01", "d02", "d03"]
    for d, entry in zip(prov.districts, cfg["districts"], strict=True):
        assert entry["discover"] == [f"{d.base_url}/"] and entry["name"] == d.name
        assert entry["report_columns"] == [f"{d.base_url}/zwgk/qzfxxgknb/zj/", f"{d.base_url}/zwgk/qzfxxgknb/bm/"]
    prefixes = [a.prefix for d in prov.districts for a in d.world.agencies if a.prefix]
    assert len(prefixes) == len(set(prefixes)), "sub-site prefixes (agency ids) repeat across districts"


def test_ids_decode_to_their_items(prov: ProvinceServer) -> None:
    ids = [it.id for d in prov.districts for it in d.world.all_rows()]
    assert len(ids) == len(set(ids)) == prov.province.total_items
    world = prov.districts[1].world
    for it in world.all_rows()[::37]:
        assert world.item(it.id) == it
    assert world.item(prov.districts[0].world.all_rows()[0].id) is None
    for aid in list(world.attachments)[:20]:
        assert world.item(world.attachments[aid].post_id) is not None


def _list_all(s: requests.Session, base: str, prefix: str, cat: int, sid: str) -> tuple[list[dict[str, Any]], int]:
    rows, page = [], 1
    while True:
        r = get(s, f"{base}{prefix}/gkmlpt/api/all/{cat}?page={page}&sid={sid}")
        if r.status_code == 404:
            return rows, page
        rows += r.json()["articles"]
        page += 1


def test_list_pages_are_in_date_order_and_add_up_to_the_post_counts(prov: ProvinceServer) -> None:
    s = session()
    d = prov.districts[2]
    for ag in d.world.agencies:
        sid, tree = parse_config(get(s, d.base_url + ag.index_path).content.decode())
        for leaf in leaves(tree):
            rows, pages = _list_all(s, d.base_url, ag.prefix, leaf["id"], sid)
            assert len(rows) == leaf["post_count"] == len(d.world.listing(ag.prefix, leaf["id"]).rows)
            assert pages == max(1, -(-len(rows) // 100)) + 1  # the page after the last answers 404
            keys = [(r["display_publish_time"], r["id"]) for r in rows]
            assert keys == sorted(keys, reverse=True) and len(set(keys)) == len(keys)
        years = {y: d.world.expected_posted(ag.prefix, y) for y in range(2014, 2027)}
        merged = d.world.listing(ag.prefix, 0).rows
        assert sum(years.values()) == len(merged) == d.world.counts()[ag.prefix]
        assert [it.id for it in merged] == [it.id for it in sorted(merged, key=lambda i: (-i.publish_ts, -i.id))]
        assert {y: sum(1 for it in merged if it.year == y) for y in years} == years


def test_reports_claim_what_was_posted_except_the_planted_defects(prov: ProvinceServer) -> None:
    for d in prov.districts:
        w, dfx = d.world, d.world.defects
        for ag in w.agencies:
            reps = {r.year: r for r in w.reports if r.prefix == ag.prefix}
            first = min(y for y in range(2014, 2027) if w.expected_posted(ag.prefix, y))
            due = set(range(first, fx.LAST_REPORT_YEAR + 1)) - ({dfx.missing[1]} if dfx.missing[0] == ag.prefix else set())
            assert set(reps) == due
            for year, rep in reps.items():
                posted = w.expected_posted(ag.prefix, year)
                assert prov.expected_posted(d.id, ag.prefix.strip("/"), year) == posted
                if (ag.prefix, year) == dfx.copied:
                    assert rep.claimed_total == reps[year - 1].claimed_total
                    assert rep.claimed_categories == reps[year - 1].claimed_categories
                    continue
                assert rep.claimed_total == posted, (d.id, ag.prefix, year)
                cats = sum(rep.claimed_categories.values())
                assert cats < posted if (ag.prefix, year) == dfx.category_gap else cats == posted


def test_planted_findings_name_one_of_each_defect_per_district(prov: ProvinceServer) -> None:
    checks = [c for _, c, _, _ in prov.planted_findings]
    for check in ("coverage.report_missing", "coverage.report_late", "report.copied_from_previous_year",
                  "report.carry_over", "report.category_sum", "reconcile.active_category"):
        assert checks.count(check) == 3, check


@pytest.fixture(scope="module")
def harvested(prov: ProvinceServer, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    d = prov.districts[1]
    before = prov.request_counts()
    cfg = replica_config(d.base_url, tmp_path_factory.mktemp("province"))  # top-level discover: one district
    result = pipeline.run(cfg)
    con = duckdb.connect(str(Path(result["published"])), read_only=True)
    try:
        items = {r[0] for r in con.execute("SELECT item_id FROM posted_items").fetchall()}
        findings = con.execute("SELECT DISTINCT check_id, agency_id, report_year FROM latest_check_results "
                               "WHERE status NOT IN ('pass', 'skip')").fetchall()
        posted = con.execute("SELECT agency_id, report_year, posted FROM reconciliation WHERE scope = 'total'").fetchall()
    finally:
        con.close()
    after = prov.request_counts()
    return {"district": d, "items": items, "findings": set(findings), "posted": posted,
            "requests": {k: after[k] - before[k] for k in after}}


def test_the_crawler_harvests_one_district_with_recall_one(harvested: dict[str, Any]) -> None:
    d = harvested["district"]
    assert harvested["items"] == {it.id for it in d.world.all_rows()}
    others = {k: n for k, n in harvested["requests"].items() if k != d.id}
    assert harvested["requests"][d.id] > len(harvested["items"]) and set(others.values()) == {0}


def test_the_run_finds_exactly_the_planted_findings(harvested: dict[str, Any]) -> None:
    d = harvested["district"]
    host = str(urlsplit(d.base_url).hostname)
    planted = {(c, p.strip("/") or host, y) for c, p, y in d.world.planted_findings}
    assert harvested["findings"] == planted
    for agency_id, year, posted in harvested["posted"]:
        prefix = "" if agency_id == host else f"/{agency_id}"
        assert posted == d.world.expected_posted(prefix, int(year)), (agency_id, year)


def test_the_request_log_is_bounded_but_every_request_is_counted(
    prov: ProvinceServer, harvested: dict[str, Any]
) -> None:
    srv = prov.server(harvested["district"].id)
    assert len(srv.request_log) == 200
    assert srv.requests_served >= harvested["requests"][harvested["district"].id]
    assert sum(srv.status_counts.values()) == srv.requests_served


def test_report_rows_list_their_year(prov: ProvinceServer) -> None:
    """The 年度报告 category lists one post per report, published in the year after it."""
    w = prov.districts[0].world
    for ag in w.agencies:
        leaf = ag.leaf_by_name("政府信息公开年度报告")
        rows = w.listing(ag.prefix, leaf.id).rows
        reps = sorted((r for r in w.reports if r.prefix == ag.prefix), key=lambda r: -r.year)
        assert [it.id for it in rows] == [r.item_id for r in reps]
        assert all(bj_year(it.publish_ts) == r.year + 1 for it, r in zip(rows, reps, strict=True))


def test_cli_serves_a_small_province_and_writes_its_config(tmp_path: Path) -> None:
    cfg = tmp_path / "province.yaml"
    exe = Path(sys.executable).with_name("disclosure-etl")
    proc = subprocess.Popen(
        [str(exe), "replica", "serve", "--scenario", "province", "--size", "small", "--districts", "2",
         "--port", "0", "--write-config", str(cfg), "--min-interval", "0.25"],
        stdout=subprocess.PIPE, text=True,
    )
    try:
        assert proc.stdout is not None
        lines = [proc.stdout.readline().split() for _ in range(2)]
        doc = yaml.safe_load(cfg.read_text("utf-8"))
        assert [ln[0] for ln in lines] == [d["id"] for d in doc["districts"]] == ["d01", "d02"]
        assert [f"{ln[1]}/" for ln in lines] == [d["discover"][0] for d in doc["districts"]]
        assert doc["http"] == {"min_interval_s": 0.25}
        home = get(session(), f"{lines[1][1]}/")
        assert home.status_code == 200 and "/d02jd" in home.text
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_a_district_portal_names_its_own_government_not_baiyun() -> None:
    """Each district's portal (home page footer, report-column titles) is its own: no
    district of the province presents itself as 白云区."""
    for world in Province(ProvinceParams(districts=3)).districts:
        srv = ReplicaServer(world=world)
        for path in ("/", "/zwgk/qzfxxgknb/zj/"):
            body = srv.route("GET", path, "", "replica.test", "http").body.decode("utf-8")
            assert "白云" not in body, (world.name, path)
            assert world.name in body, (world.name, path)
