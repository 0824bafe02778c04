"""Nightly harvesting through the whole pipeline: crawl → archive → parse → warehouse.

The replica's own request log is the measure of what a run costs; the warehouse's change
log (`item_changes`) and `posted_items` are the measure of what it learned.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import duckdb
import pytest

from disclosure_etl import pipeline
from disclosure_etl.config import Config, from_dict
from disclosure_etl.replica import ReplicaServer
from tests.conftest import replica_config


def q(path: Path | str, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def last_run(cfg: Config) -> str:
    return q(cfg.warehouse, "SELECT run_id FROM runs ORDER BY started_at DESC LIMIT 1")[0][0]


def events(cfg: Config, run_id: str) -> dict[str, set[int]]:
    out: dict[str, set[int]] = {}
    for event, item_id in q(
        cfg.warehouse, "SELECT event, item_id FROM item_changes WHERE run_id = ?", [run_id]
    ):
        out.setdefault(event, set()).add(item_id)
    return out


ITEM_COLUMNS = (
    "item_id, agency_id, category_id, title, item_type, published_at, written_date, "
    "document_number, identifier, publisher, is_abolished, withdrawn_at IS NULL"
)


def items(cfg: Config) -> set[tuple[Any, ...]]:
    return set(q(cfg.warehouse, f"SELECT {ITEM_COLUMNS} FROM posted_items"))


@pytest.fixture()
def site(tmp_path: Path) -> Any:
    with ReplicaServer(scenario="default") as srv:
        yield srv


def test_unchanged_second_run_costs_one_request_per_listing_and_no_detail_pages(
    site: ReplicaServer, tmp_path: Path
) -> None:
    cfg = replica_config(site.base_url, tmp_path)
    pipeline.run(cfg)
    site.clear_log()
    pipeline.run(cfg)
    log = list(site.request_log)
    world = site.world
    n_sites = len(world.agencies)
    n_leaves = sum(len(a.leaves()) for a in world.agencies)
    n_column_pages = sum(
        -(-len(world.portal_column(c)) // 2) for c in ("zj", "bm")
    )  # 2 links per page
    budget = n_sites + n_leaves + n_column_pages + 1  # + robots.txt of the one host
    assert len(log) <= budget, (len(log), budget)
    assert not [r for r in log if "/content/" in r.path or "/attachment/" in r.path]
    assert events(cfg, last_run(cfg)) == {}
    assert q(
        cfg.warehouse,
        "SELECT items_new, items_changed, items_withdrawn FROM runs WHERE run_id = ?",
        [last_run(cfg)],
    ) == [(0, 0, 0)]


def test_day2_change_log_holds_exactly_the_changes(site: ReplicaServer, tmp_path: Path) -> None:
    cfg = replace(replica_config(site.base_url, tmp_path), full_relist_every_days=0)
    pipeline.run(cfg)
    site.set_scenario("day2")
    pipeline.run(cfg)
    changes = site.world.changes("day2")
    run_id = last_run(cfg)
    assert events(cfg, run_id) == {
        k: set(v)
        for k, v in (
            ("new", changes.new),
            ("changed", changes.edited),
            ("withdrawn", changes.withdrawn),
        )
        if v
    }
    withdrawn = q(cfg.warehouse, "SELECT item_id FROM posted_items WHERE withdrawn_at IS NOT NULL")
    assert {r[0] for r in withdrawn} == set(changes.withdrawn)
    for item_id in changes.edited:
        title = q(cfg.warehouse, "SELECT title FROM posted_items WHERE item_id = ?", [item_id])
        assert title == [(site.world.item(item_id, "day2").title,)]

    # back to the first day: the withdrawn items return (withdrawn_at cleared, the return
    # logged) and day 2's new items are the ones withdrawn now
    site.set_scenario("default")
    pipeline.run(cfg)
    found = events(cfg, last_run(cfg))
    assert found.get("returned") == set(changes.withdrawn)
    assert found.get("withdrawn") == set(changes.new)
    withdrawn = q(cfg.warehouse, "SELECT item_id FROM posted_items WHERE withdrawn_at IS NOT NULL")
    assert {r[0] for r in withdrawn} == set(changes.new)


def test_incremental_day2_run_finds_the_new_items_and_invents_no_withdrawal(
    site: ReplicaServer, tmp_path: Path
) -> None:
    cfg = replica_config(site.base_url, tmp_path)
    pipeline.run(cfg)
    site.set_scenario("day2")
    pipeline.run(cfg)
    found = events(cfg, last_run(cfg))
    changes = site.world.changes("day2")
    assert found.get("new") == set(changes.new)
    assert found.get("withdrawn", set()) <= set(changes.withdrawn)
    assert found.get("changed", set()) <= set(changes.edited)


def test_parse_rebuild_from_the_archive_alone_gives_the_same_items(
    site: ReplicaServer, tmp_path: Path
) -> None:
    cfg = replica_config(site.base_url, tmp_path)
    pipeline.run(cfg)
    site.set_scenario("day2")
    pipeline.run(cfg)
    before = set(
        q(cfg.warehouse, f"SELECT {ITEM_COLUMNS}, first_seen_at, last_seen_at FROM posted_items")
    )
    report_cols = "report_id, parse_status, figures_expected, figures_found"
    reports = set(q(cfg.warehouse, f"SELECT {report_cols} FROM annual_reports"))
    # the load fills the coverage counts; parsed means every core figure was found
    assert reports and all(r[2] is not None and r[3] is not None for r in reports)
    assert all(r[2] == r[3] for r in reports if r[1] == "parsed")
    # the same data dir, but every site unreachable: rebuilding must not need the network
    offline = replace(
        cfg,
        discover=("http://127.0.0.1:9/",),
        report_columns=(),
        http=replace(cfg.http, retries=0, timeout_s=1),
    )
    site.stop()
    result = pipeline.parse(offline, rebuild=True)
    assert len(result["loaded"]) == 2
    after = set(
        q(cfg.warehouse, f"SELECT {ITEM_COLUMNS}, first_seen_at, last_seen_at FROM posted_items")
    )
    assert after == before
    assert set(q(cfg.warehouse, f"SELECT {report_cols} FROM annual_reports")) == reports


@pytest.mark.slow
def test_faults_scenario_ends_with_the_same_items_as_a_clean_run(tmp_path: Path) -> None:
    def one_site(base_url: str, data: Path) -> Config:
        return from_dict(
            {
                "sites": [{"url": f"{base_url}/gzbyhlj/gkmlpt/index"}],
                "http": {"min_interval_s": 0, "retries": 6, "backoff_base_s": 0.02},
                "data_dir": str(data),
                "warehouse": str(data / "warehouse.duckdb"),
            }
        )

    with ReplicaServer(scenario="default") as clean_site:
        clean = one_site(clean_site.base_url, tmp_path / "clean")
        pipeline.run(clean)
    with ReplicaServer(scenario="faults") as faulty_site:
        # keep the 502s, the slow answers and the truncated body; fewer 429 bursts (each
        # costs the Retry-After second) keep the test short
        faulty_site.set_quirks(burst_429=60)
        faulty = one_site(faulty_site.base_url, tmp_path / "faulty")
        pipeline.run(faulty)
        statuses = {r.status for r in faulty_site.request_log}
    assert {429, 502} <= statuses
    assert items(faulty) == items(clean)
    n, distinct = q(faulty.warehouse, "SELECT count(*), count(DISTINCT item_id) FROM posted_items")[
        0
    ]
    assert n == distinct > 0


def test_a_blocked_sub_site_fails_the_run_but_keeps_the_others(
    site: ReplicaServer, tmp_path: Path
) -> None:
    cfg = replica_config(site.base_url, tmp_path)
    site.set_quirks(challenge_paths=["/gzbyjtj/gkmlpt/"])
    with pytest.raises(pipeline.PipelineError, match="gzbyjtj"):
        pipeline.run(cfg)
    agencies = {r[0] for r in q(cfg.published_path, "SELECT DISTINCT agency_id FROM posted_items")}
    assert "gzbyhlj" in agencies and "gzbyjtj" not in agencies
    blocked = q(
        cfg.published_path,
        "SELECT count(*) FROM fetch_log WHERE outcome = 'blocked' AND url LIKE '%/gzbyjtj/%'",
    )
    assert blocked[0][0] >= 1


def test_a_listing_gone_empty_stays_a_finding_and_withdraws_nothing_even_at_the_full_relist(
    site: ReplicaServer, tmp_path: Path
) -> None:
    cfg = replica_config(site.base_url, tmp_path)
    pipeline.run(cfg)
    leaf = next(c for c in site.world.agency("/gzbyhlj").leaves() if c.name == "工作动态")
    live = q(
        cfg.warehouse,
        "SELECT count(*) FROM posted_items WHERE agency_id = 'gzbyhlj' AND category_id = ?",
        [leaf.id],
    )[0][0]
    assert live > 0
    # the site now answers 200 with no rows for that category (a silent redesign)
    site.set_quirks(empty_list_paths=[f"/gzbyhlj/gkmlpt/api/all/{leaf.id}"])
    pipeline.run(cfg)
    findings = q(
        cfg.published_path,
        "SELECT agency_id, status, sample FROM latest_check_results "
        "WHERE check_id = 'crawl.empty_listing' AND status <> 'pass'",
    )
    assert [(a, s) for a, s, _ in findings] == [("gzbyhlj", "fail")]
    assert "工作动态" in findings[0][2]
    assert events(cfg, last_run(cfg)) == {}  # an incremental run trusts no empty listing
    # still empty at the periodic full relist: the finding stays open, nothing is withdrawn
    pipeline.run(replace(cfg, full_relist_every_days=0))
    assert events(cfg, last_run(cfg)).get("withdrawn", set()) == set()
    again = q(
        cfg.published_path,
        "SELECT agency_id, status FROM latest_check_results "
        "WHERE check_id = 'crawl.empty_listing' AND status <> 'pass'",
    )
    assert again == [("gzbyhlj", "fail")]
