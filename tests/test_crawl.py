"""crawl.py against the real replica: discovery, full and incremental harvests, faults."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from disclosure_etl import crawl
from disclosure_etl.archive import Archive
from disclosure_etl.config import Config, HttpConfig, from_dict
from disclosure_etl.http import PoliteClient
from disclosure_etl.models import ContentFetch, Listing, UnitOutcome
from disclosure_etl.replica import ReplicaServer
from disclosure_etl.site.gkmlpt import parse_content_page, parse_list_page
from tests.test_http_support import fast_replica

FAST = {"min_interval_s": 0, "retries": 4, "backoff_base_s": 0.01, "backoff_max_s": 0.05,
        "timeout_s": 5}


def make_config(srv: ReplicaServer, data_dir: Path, **http: Any) -> Config:
    return from_dict(
        {
            "discover": [f"{srv.base_url}/"],
            "report_columns": [
                f"{srv.base_url}/zwgk/qzfxxgknb/zj/",
                f"{srv.base_url}/zwgk/qzfxxgknb/bm/",
            ],
            "http": {**FAST, **http},
            "data_dir": str(data_dir),
        }
    )


@dataclass
class Run:
    run_id: str
    archive: Archive
    sites: list[crawl.SiteRef]
    outcomes: dict[str, dict[str, Any]] = field(default_factory=dict)
    portal: dict[str, Any] | None = None
    failed: dict[str, str] = field(default_factory=dict)

    def rows(self, agency_id: str) -> dict[int, list[tuple[int, str]]]:
        """category_id -> [(item_id, row_hash)] rebuilt from the archived list pages."""
        out: dict[int, list[tuple[int, str]]] = {}
        for lst in self.outcomes[agency_id]["listings"]:
            got = out.setdefault(lst["category_id"], [])
            seen: set[int] = set()
            for sha in lst["page_sha256s"]:
                for r in parse_list_page(self.archive.get(sha), lst["category_id"]).rows:
                    if r.item_id not in seen:
                        seen.add(r.item_id)
                        got.append((r.item_id, r.row_hash))
        return out

    def known(self, agency_id: str) -> dict[int, str]:
        return {i: h for rows in self.rows(agency_id).values() for i, h in rows}


def run_crawl(
    srv: ReplicaServer,
    root: Path,
    run_id: str,
    *,
    known: dict[str, dict[int, str]] | None = None,
    known_urls: set[str] | None = None,
    full_relist: bool = False,
    portal: bool = True,
    max_attachment_bytes: int = 50 * 1024 * 1024,
    **http: Any,
) -> Run:
    cfg = make_config(srv, root, **http)
    archive = Archive(root / "archive")

    def client(unit: str) -> PoliteClient:
        return PoliteClient(cfg.http, cfg.allowed_hosts, archive, run_id, unit)

    with client("_discover") as c:
        sites = crawl.discover_sites(c, cfg.districts[0]).sites
    run = Run(run_id, archive, sites)
    for ref in sites:
        with client(ref.agency_id) as c:
            try:
                run.outcomes[ref.agency_id] = crawl.crawl_site(
                    c, ref, (known or {}).get(ref.agency_id, {}), full_relist=full_relist,
                    max_attachment_bytes=max_attachment_bytes,
                ).to_json()  # the archived form the parse reads
            except crawl.SiteHarvestError as e:
                run.failed[ref.agency_id] = str(e)
                run.outcomes[ref.agency_id] = archive.read_unit_outcome(run_id, ref.agency_id) or {}
    if portal:
        with client("_portal") as c:
            run.portal = crawl.crawl_report_columns(c, cfg.districts[0], known_urls or set(),
                                                    full_relist=full_relist).to_json()
    return run


@pytest.fixture(scope="module")
def replica() -> Iterator[ReplicaServer]:
    with fast_replica() as srv:
        yield srv


@pytest.fixture(scope="module")
def first(replica: ReplicaServer, tmp_path_factory: pytest.TempPathFactory) -> Run:
    """A first, full crawl of the default scenario (nothing known)."""
    replica.reset_quirks()
    replica.set_scenario("default")
    replica.clear_log()
    run = run_crawl(replica, tmp_path_factory.mktemp("first"), "run1", full_relist=True)
    run.server_log = replica.request_log  # type: ignore[attr-defined]
    return run


@pytest.fixture(autouse=True)
def _clean(replica: ReplicaServer, first: Run) -> Iterator[None]:
    replica.reset_quirks()
    replica.set_scenario("default")
    replica.clear_log()
    yield
    replica.reset_quirks()
    replica.set_scenario("default")


def _by_prefix(run: Run) -> dict[str, str]:
    return {ref.prefix: ref.agency_id for ref in run.sites}


# ---------------------------------------------------------------- a first, full crawl


def test_discovery_finds_every_sub_site_once(replica: ReplicaServer, first: Run) -> None:
    prefixes = sorted(ref.prefix for ref in first.sites)
    assert prefixes == sorted(a.prefix for a in replica.world.agencies)
    assert "" in prefixes  # the district's own catalog at the root
    assert all(ref.host == replica.base_url.split("://")[1] for ref in first.sites)
    assert len({ref.index_url for ref in first.sites}) == len(first.sites)


def test_full_crawl_lists_every_served_row_of_every_leaf(replica: ReplicaServer, first: Run) -> None:
    world = replica.world
    for ag in world.agencies:
        agency_id = _by_prefix(first)[ag.prefix]
        outcome = first.outcomes[agency_id]
        assert outcome["status"] == "ok", outcome["errors"][:3]
        rows = first.rows(agency_id)
        assert sorted(rows) == sorted(leaf.id for leaf in ag.leaves())
        for leaf in ag.leaves():
            got = [i for i, _ in rows[leaf.id]]
            expected = [it.id for it in world.listing(ag.prefix, leaf.id).served]
            assert got == expected, (ag.prefix, leaf.name)
        for lst in outcome["listings"]:
            assert lst["status"] == "complete" and lst["mode"] == "full"
            assert lst["rows_seen"] == len(rows[lst["category_id"]])


def test_listing_window_is_recorded_as_a_completeness_note(first: Run) -> None:
    limited = [
        lst for o in first.outcomes.values() for lst in o["listings"] if lst["window_limited"]
    ]
    assert limited, "the replica has at least one windowed category"
    for lst in limited:
        assert lst["api_total"] < lst["post_count"] and lst["status"] == "complete"
        assert "listing window" in lst["note"]


def test_jump_nodes_are_never_listed(replica: ReplicaServer, first: Run) -> None:
    jump_ids = {n.id for ag in replica.world.agencies for n in ag.nodes() if n.jump_url}
    listed = {
        int(r.path.rsplit("/", 1)[1]) for r in first.server_log  # type: ignore[attr-defined]
        if "/gkmlpt/api/all/" in r.path
    }
    assert jump_ids and not (jump_ids & listed)
    cats = first.outcomes[_by_prefix(first)[""]]["categories"]
    assert any(c["jump_url"] and not c["is_leaf"] for c in cats)


def test_content_pages_for_normal_rows_only_url_rows_never_fetched(
    replica: ReplicaServer, first: Run
) -> None:
    world = replica.world
    requested = {r.path for r in first.server_log}  # type: ignore[attr-defined]
    for ag in world.agencies:
        agency_id = _by_prefix(first)[ag.prefix]
        outcome = first.outcomes[agency_id]
        fetched = {c["item_id"] for c in outcome["contents"]}
        listed = {it.id: it for leaf in ag.leaves() for it in world.listing(ag.prefix, leaf.id).served}
        assert fetched == {i for i, it in listed.items() if it.type == "normal"}
        assert all(c["outcome"] == "ok" and c["sha256"] for c in outcome["contents"])
        url_rows = [it for it in listed.values() if it.type == "url"]
        assert url_rows and sum(lst["url_rows"] for lst in outcome["listings"]) >= len(url_rows)
        for it in url_rows:
            assert it.id not in fetched
            target = it.target_url.replace("{base}", "")
            assert target not in requested
    # and nothing off the allow-list was requested
    kinds = [f["outcome"] for f in first.archive.iter_fetches("run1")]
    assert "offsite" not in kinds


def test_archived_content_pages_parse_to_the_replica_items(replica: ReplicaServer, first: Run) -> None:
    """Charset-less UTF-8, metadata by labels and the unescaped DETAIL body, on real pages."""
    world = replica.world
    contents = [c for o in first.outcomes.values() for c in o["contents"]]
    for c in contents[::25]:
        it = world.item(c["item_id"])
        assert it is not None
        page = parse_content_page(first.archive.get(c["sha256"]))
        assert page.item_id == it.id and page.title == it.title
        assert page.metadata["索引号"] == it.identifier
        assert page.metadata["发布机构"] == it.publisher
        assert page.metadata["名称"] == it.title
        assert page.body_html.startswith("<") and "\\u003C" not in page.body_html
        assert len(page.attachment_urls) == len(it.attachments)


def test_metadata_found_by_label_behind_a_layout_table(
    replica: ReplicaServer, first: Run, tmp_path: Path
) -> None:
    replica.set_quirks(metadata_table_first=False, detail_escapes=False, no_charset=False)
    c = first.outcomes[_by_prefix(first)["/gzbyjy"]]["contents"][0]
    it = replica.world.item(c["item_id"])
    cfg = make_config(replica, tmp_path)
    with PoliteClient(cfg.http, cfg.allowed_hosts, Archive(tmp_path), "q", "q") as client:
        res = client.get(c["url"], kind="content")
    page = parse_content_page(res.body or b"")
    assert it is not None and page.metadata["索引号"] == it.identifier
    assert page.title == it.title and page.body_html.startswith("<")


def test_report_attachments_fetched_and_keyed_by_id(replica: ReplicaServer, first: Run) -> None:
    world = replica.world
    atts = [a for o in first.outcomes.values() for a in o["attachments"]]
    assert atts and all(a["outcome"] == "ok" and a["sha256"] for a in atts)
    for a in atts:
        f = world.attachments[a["attachment_id"]]
        assert first.archive.get(a["sha256"]) == world.attachment_bytes(f.id)
        assert a["ext"] in crawl.REPORT_EXTS
    # only report items get attachments fetched
    report_items = {r.item_id for r in world.reports} | {
        r.mirror_item_id for r in world.reports if r.mirror_item_id
    }
    assert {a["item_id"] for a in atts} <= report_items


def test_report_columns_are_paged_to_the_end(replica: ReplicaServer, first: Run) -> None:
    portal = first.portal
    assert portal is not None and portal["status"] == "ok"
    for col in portal["columns"]:
        name = col["column_url"].rstrip("/").rsplit("/", 1)[1]
        arts = replica.world.portal_column(name)
        assert col["status"] == "complete" and col["stop"] == "404"
        assert col["links_seen"] == len(arts) and col["pages_read"] >= 2
    assert {a["url"].split("://")[1].split("/", 1)[1] for a in portal["articles"]} == {
        a.path.lstrip("/") for a in replica.world.portal
    }
    assert all(a["outcome"] == "ok" and a["title"] for a in portal["articles"])


def test_unit_outcomes_are_written_to_the_archive(first: Run) -> None:
    for agency_id, outcome in first.outcomes.items():
        assert first.archive.read_unit_outcome("run1", agency_id) == outcome
        assert outcome["site"]["sid"] and outcome["site"]["index_sha256"]
        assert outcome["requests"] > 0
    assert first.archive.read_unit_outcome("run1", "_portal") == first.portal


# ---------------------------------------------------------------- incremental


def test_unchanged_second_crawl_stays_within_the_request_budget(
    replica: ReplicaServer, first: Run
) -> None:
    known = {a: first.known(a) for a in first.outcomes}
    known_urls = {a["url"] for a in (first.portal or {})["articles"]}
    # the same data directory as the first run: its validators allow conditional requests
    second = run_crawl(replica, first.archive.root.parent, "run2", known=known,
                       known_urls=known_urls)
    log = replica.request_log
    n_sites = len(second.sites)
    n_leaves = sum(len(o["listings"]) for o in second.outcomes.values())
    n_columns = len((second.portal or {})["columns"])
    n_robots = n_sites + 2  # one per client: every site, the portal, discovery
    crawl_requests = [r for r in log if r.path != "/"]  # the discovery page itself aside
    assert len(crawl_requests) <= n_sites + n_leaves + n_columns + n_robots
    assert sum(len(o["contents"]) for o in second.outcomes.values()) == 0
    assert not any("/gkmlpt/content/" in r.path for r in log)
    assert (second.portal or {})["articles"] == []
    for o in second.outcomes.values():
        assert o["status"] == "ok"
        for lst in o["listings"]:
            assert lst["mode"] == "incremental" and lst["pages_read"] == 1
            assert lst["status"] in ("complete", "partial")
    # conditional requests: unchanged pages came back 304 and were re-used from the archive
    statuses = [r.status for r in log if "/gkmlpt/api/all/" in r.path]
    assert statuses and all(s == 304 for s in statuses)


def test_day2_fetches_details_only_for_new_and_changed_rows(
    replica: ReplicaServer, first: Run, tmp_path: Path
) -> None:
    world = replica.world
    changes = world.changes("day2")
    replica.set_scenario("day2")
    known = {a: first.known(a) for a in first.outcomes}
    run = run_crawl(replica, tmp_path, "day2", known=known, full_relist=True, portal=False)
    fetched = {c["item_id"] for o in run.outcomes.values() for c in o["contents"]}
    expected = {
        i for i in changes.new | changes.edited
        if (it := world.item(i, "day2")) is not None and it.type == "normal"
    }
    # edited rows that slid out of the listing window cannot be seen; everything else is
    served = {
        it.id for ag in world.agencies for leaf in ag.leaves()
        for it in world.listing(ag.prefix, leaf.id, "day2").served
    }
    assert fetched == expected & served
    assert changes.new & served <= fetched
    # withdrawn items are listed nowhere any more
    listed = {i for a in run.outcomes for rows in run.rows(a).values() for i, _ in rows}
    assert not (changes.withdrawn & listed)


def test_incremental_day2_pages_on_only_while_rows_are_new(
    replica: ReplicaServer, first: Run, tmp_path: Path
) -> None:
    replica.set_scenario("day2")
    known = {a: first.known(a) for a in first.outcomes}
    run = run_crawl(replica, tmp_path, "day2i", known=known, full_relist=False, portal=False)
    new = replica.world.changes("day2").new
    fetched = {c["item_id"] for o in run.outcomes.values() for c in o["contents"]}
    assert {i for i in new if replica.world.item(i, "day2").type == "normal"} <= fetched
    for o in run.outcomes.values():
        for lst in o["listings"]:
            if lst["new_rows"] + lst["changed_rows"] == 0:
                assert lst["pages_read"] == 1


# ---------------------------------------------------------------- faults and failures


def test_faults_scenario_loses_and_duplicates_no_row(
    replica: ReplicaServer, first: Run, tmp_path: Path
) -> None:
    """502s, 429 bursts, slow answers and a truncated body: every list page is re-read (full
    relist) and the rows equal the clean crawl's. Items are known, so no detail pages."""
    replica.set_scenario("faults")
    known = {a: first.known(a) for a in first.outcomes}
    run = run_crawl(replica, tmp_path, "faults", known=known, full_relist=True, portal=False)
    log = replica.request_log
    assert {502, 429} <= {r.status for r in log}  # faults did happen
    assert not run.failed
    for agency_id in first.outcomes:
        clean = first.rows(agency_id)
        faulty = run.rows(agency_id)
        assert faulty == clean
        for lst in run.outcomes[agency_id]["listings"]:
            assert lst["status"] == "complete", lst["error"]
            ids = [i for i, _ in faulty[lst["category_id"]]]
            assert len(ids) == len(set(ids))


@pytest.mark.slow
def test_faults_scenario_full_harvest_of_one_site(
    replica: ReplicaServer, first: Run, tmp_path: Path
) -> None:
    """The same with detail pages: a sub-site harvested from scratch under faults."""
    replica.set_scenario("faults")
    cfg = make_config(replica, tmp_path)
    archive = Archive(tmp_path / "archive")
    ref = next(r for r in first.sites if r.prefix == "/gzbyjy")
    with PoliteClient(cfg.http, cfg.allowed_hosts, archive, "faults1", ref.agency_id) as c:
        outcome = crawl.crawl_site(c, ref, {}, full_relist=True, max_attachment_bytes=10**8).to_json()
    clean = first.outcomes[ref.agency_id]
    assert outcome["status"] == "ok", outcome["errors"][:3]
    assert sorted(c["item_id"] for c in outcome["contents"]) == sorted(
        c["item_id"] for c in clean["contents"]
    )
    assert [c["sha256"] for c in outcome["contents"]] == [c["sha256"] for c in clean["contents"]]


def test_site_whose_index_is_blocked_raises_after_writing_its_outcome(
    replica: ReplicaServer, first: Run, tmp_path: Path
) -> None:
    replica.set_quirks(challenge_paths=["/gzbyjy/gkmlpt/index"], challenge_status=521)
    cfg = make_config(replica, tmp_path)
    archive = Archive(tmp_path / "archive")
    ref = next(r for r in first.sites if r.prefix == "/gzbyjy")
    with PoliteClient(cfg.http, cfg.allowed_hosts, archive, "r9", ref.agency_id) as c, \
            pytest.raises(crawl.SiteHarvestError, match="blocked"):
        crawl.crawl_site(c, ref, {}, full_relist=False, max_attachment_bytes=10**6)
    outcome = archive.read_unit_outcome("r9", ref.agency_id)
    assert outcome is not None and outcome["status"] == "error"
    assert outcome["errors"][0]["stage"] == "index" and outcome["errors"][0]["outcome"] == "blocked"
    assert not any("/api/all/" in r.path for r in replica.request_log)


def test_blocked_list_page_is_a_listing_error_not_zero_rows(
    replica: ReplicaServer, first: Run, tmp_path: Path
) -> None:
    ref = next(r for r in first.sites if r.prefix == "/gzbyhlj")
    leaf = first.outcomes[ref.agency_id]["listings"][0]["category_id"]
    replica.set_quirks(challenge_paths=[f"/gzbyhlj/gkmlpt/api/all/{leaf}"])
    cfg = make_config(replica, tmp_path)
    archive = Archive(tmp_path / "archive")
    with PoliteClient(cfg.http, cfg.allowed_hosts, archive, "r8", ref.agency_id) as c:
        outcome = crawl.crawl_site(c, ref, first.known(ref.agency_id), full_relist=False,
                                   max_attachment_bytes=10**6).to_json()
    assert outcome["status"] == "partial"
    bad = [lst for lst in outcome["listings"] if lst["category_id"] == leaf][0]
    assert bad["status"] == "error" and "blocked" in bad["error"] and bad["rows_seen"] == 0
    assert all(lst["status"] != "error" for lst in outcome["listings"] if lst is not bad)
    assert outcome["errors"][0]["stage"] == "list"


def test_oversize_attachment_is_recorded_too_large(
    replica: ReplicaServer, first: Run, tmp_path: Path
) -> None:
    report_items = {r.item_id for r in replica.world.reports}
    known = {  # everything known except the report items, whose attachments are re-fetched
        a: {i: h for i, h in first.known(a).items() if i not in report_items}
        for a in first.outcomes
    }
    run = run_crawl(replica, tmp_path, "small", known=known, full_relist=True, portal=False,
                    max_attachment_bytes=100)
    atts = [a for o in run.outcomes.values() for a in o["attachments"]]
    assert atts and all(a["outcome"] == "too_large" and a["sha256"] is None for a in atts)
    lines = [f for f in run.archive.iter_fetches("small") if f["kind"] == "attachment"]
    assert len(lines) == len(atts) and all(f["outcome"] == "too_large" for f in lines)


def test_incremental_report_columns_stop_at_a_known_page(
    replica: ReplicaServer, first: Run, tmp_path: Path
) -> None:
    cfg = make_config(replica, tmp_path)
    archive = Archive(tmp_path / "archive")
    known_urls = {a["url"] for a in (first.portal or {})["articles"]}
    # one article is new: drop it from the known set
    newest = replica.world.portal_column("zj")[0]
    known_urls = {u for u in known_urls if not u.endswith(newest.path)}
    with PoliteClient(cfg.http, cfg.allowed_hosts, archive, "p2", "_portal") as c:
        out = crawl.crawl_report_columns(c, cfg.districts[0], known_urls, full_relist=False).to_json()
    assert [a["url"].endswith(newest.path) for a in out["articles"]] == [True]
    zj, bm = out["columns"]
    assert zj["pages_read"] == 2 and zj["status"] == "partial"  # page 1 had the new one
    assert bm["pages_read"] == 1 and bm["status"] == "partial"


# ---------------------------------------------------------------- pure helpers


def test_site_ref() -> None:
    r = crawl.site_ref("https://www.by.gov.cn/gzbyjy/gkmlpt/index#1311", "教育局")
    assert (r.agency_id, r.prefix, r.base_url, r.host, r.name) == (
        "gzbyjy", "/gzbyjy", "https://www.by.gov.cn", "www.by.gov.cn", "教育局"
    )
    assert r.index_url == "https://www.by.gov.cn/gzbyjy/gkmlpt/index"
    root = crawl.site_ref("http://127.0.0.1:8080/gkmlpt/index")
    assert (root.agency_id, root.prefix, root.host) == ("127.0.0.1", "", "127.0.0.1:8080")
    with pytest.raises(ValueError):
        crawl.site_ref("https://www.by.gov.cn/zwgk/")


def test_discover_keeps_explicit_sites_and_dedupes(replica: ReplicaServer, tmp_path: Path) -> None:
    b = replica.base_url
    cfg = from_dict({
        "sites": [{"url": f"{b}/gzbyjy/gkmlpt/index", "name": "白云区教育局"}],
        "discover": [f"{b}/", f"{b}/index.html"],
        "http": FAST,
    })
    with PoliteClient(cfg.http, cfg.allowed_hosts, Archive(tmp_path), "d", "_discover") as c:
        sites = crawl.discover_sites(c, cfg.districts[0]).sites
    assert sites[0].agency_id == "gzbyjy" and sites[0].name == "白云区教育局"
    assert len(sites) == len(replica.world.agencies)
    assert all("gz.gov.cn" not in s.host for s in sites)


def test_is_report_item() -> None:
    assert crawl.is_report_item("政府信息公开年度报告", "随便")
    assert crawl.is_report_item("其他", "广州市白云区某街道2025年政府信息公开工作年度报告")
    assert not crawl.is_report_item("政务动态", "年度工作总结")


def test_unit_outcomes_read_back_as_typed_records(first: Run) -> None:
    for agency_id, outcome in first.outcomes.items():
        typed = UnitOutcome.from_json(first.archive.read_unit_outcome("run1", agency_id) or {})
        assert typed.to_json() == outcome
        assert all(isinstance(x, Listing) for x in typed.listings) and typed.listings
        assert all(isinstance(x, ContentFetch) for x in typed.contents)
    portal = UnitOutcome.from_json({**first.portal, "added_by_a_later_version": 1})
    assert portal.kind == "portal" and portal.columns and portal.to_json() == first.portal


def test_a_large_catalog_keeps_a_window_of_content_pages_not_all_of_them(
    replica: ReplicaServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Content pages are queued ``CONTENT_AHEAD`` ahead and each future (with its body) is
    dropped once recorded: the futures alive at any time stay within the window, whatever
    the catalog's size, and every page is still fetched once, in row order."""
    import weakref

    monkeypatch.setattr(crawl, "CONTENT_AHEAD", 5)
    alive: weakref.WeakSet[Any] = weakref.WeakSet()
    most = 0
    submit = PoliteClient.submit

    def counting(self: PoliteClient, url: str, **kw: Any) -> Any:
        nonlocal most
        fut = submit(self, url, **kw)
        if kw.get("kind") == "content":
            alive.add(fut)
            most = max(most, len(alive))
        return fut

    monkeypatch.setattr(PoliteClient, "submit", counting)
    run = run_crawl(replica, tmp_path, "runw", full_relist=True, portal=False)
    contents = [c for o in run.outcomes.values() for c in o["contents"]]
    # the window, the page being recorded, and the last job each client worker thread held
    assert len(contents) > 100 and most <= 5 + 1 + HttpConfig().concurrency
    assert len({(c["url"]) for c in contents}) == len(contents)
