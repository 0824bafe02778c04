"""The crawl reads its state from the file the load writes, never from a DuckDB file: an
analyst holding the published snapshot open read-write, or a stale publish, cannot affect
a crawl."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import duckdb
import pytest

from disclosure_etl import pipeline
from disclosure_etl import warehouse as wh
from disclosure_etl.replica import ReplicaServer
from tests.conftest import replica_config

_HOLD = """
import sys, time, duckdb
con = duckdb.connect(sys.argv[1])  # read-write, as the DuckDB CLI opens a file by default
con.execute("SELECT count(*) FROM posted_items").fetchall()
print("holding", flush=True)
time.sleep(600)
"""


@pytest.fixture(scope="module")
def site() -> Any:
    with ReplicaServer(scenario="default") as srv:
        yield srv


def _details(site: ReplicaServer) -> list[str]:
    return [r.path for r in site.request_log if "/content/" in r.path]


def test_the_load_writes_what_the_warehouse_knows(site: ReplicaServer, tmp_path: Path) -> None:
    cfg = replica_config(site.base_url, tmp_path)
    assert pipeline.crawl_state(cfg) == wh.CrawlState()  # nothing loaded yet: nothing known
    pipeline.run(cfg)
    state = pipeline.crawl_state(cfg)
    con = duckdb.connect(str(cfg.warehouse), read_only=True)
    try:
        rows = con.execute("SELECT agency_id, item_id, row_hash FROM core.items "
                           "WHERE withdrawn_at IS NULL").fetchall()
        urls = {r[0] for r in con.execute("SELECT url FROM annual_reports").fetchall()}
        (last_full,) = con.execute("SELECT max(finished_at) FROM runs WHERE full_relist").fetchone()
    finally:
        con.close()
    assert {(a, i, h) for a, m in state.items.items() for i, h in m.items()} == set(rows)
    assert urls and urls <= state.report_urls
    assert state.last_full_relist == last_full


def test_crawl_runs_while_an_analyst_holds_the_published_file_read_write(
    site: ReplicaServer, tmp_path: Path
) -> None:
    cfg = replica_config(site.base_url, tmp_path)
    pipeline.run(cfg)
    holder = subprocess.Popen([sys.executable, "-c", _HOLD, str(cfg.published_path)],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "holding"
        site.clear_log()
        result = pipeline.crawl(cfg)
        assert result["status"] == "success" and not result["failed_sites"]
        assert _details(site) == []  # every item known from the state file: no detail page
    finally:
        holder.kill()
        holder.wait()


def test_a_stale_or_missing_publish_costs_no_refetch(site: ReplicaServer, tmp_path: Path) -> None:
    cfg = replica_config(site.base_url, tmp_path)
    pipeline.crawl(cfg)
    pipeline.parse(cfg)  # loaded, never published
    assert not cfg.published_path.exists()
    site.clear_log()
    pipeline.crawl(cfg)
    assert _details(site) == []
    # a stale snapshot (here: an empty warehouse published long ago) changes nothing either
    cfg.published_path.parent.mkdir(parents=True, exist_ok=True)
    wh.connect(cfg.published_path).close()
    site.clear_log()
    pipeline.crawl(cfg)
    assert _details(site) == []


def test_the_state_is_read_once_per_process_until_the_load_replaces_it(tmp_path: Path) -> None:
    """Every sub-site of a lane and every portal unit asks for the state: threads share one
    parsed copy, and a new state written by the load (a replaced file) is read afresh."""
    import json
    from concurrent.futures import ThreadPoolExecutor

    from disclosure_etl.archive import write_atomic
    from disclosure_etl.warehouse.crawl_state import FORMAT, read_crawl_state

    path = tmp_path / "w.duckdb.crawl_state.json"

    def write(items: dict[str, dict[str, str]]) -> None:
        write_atomic(path, json.dumps({"format": FORMAT, "items": items}).encode())

    write({"a": {"1": "h1"}})
    with ThreadPoolExecutor(8) as pool:
        states = list(pool.map(lambda _: read_crawl_state(path), range(32)))
    assert all(s is states[0] for s in states) and states[0].known_items("a") == {1: "h1"}
    write({"a": {"1": "h1"}, "b": {"2": "h2"}})
    fresh = read_crawl_state(path)
    assert fresh is not states[0] and fresh.known_items("b") == {2: "h2"}
    write({"a": {"1": "h9"}})  # same size as the first file, a new inode all the same
    assert read_crawl_state(path).known_items("a") == {1: "h9"}
    path.unlink()
    assert read_crawl_state(path).items == {}


def test_the_state_written_item_by_agency_reads_back_as_the_warehouse_holds_it(
    tmp_path: Path,
) -> None:
    """The writer streams each agency's items as DuckDB builds them: names that need JSON
    escaping, a NULL row hash, a withdrawn item (left out), report urls and their copies,
    the loaded runs and the last full relist all read back as they are in the warehouse."""
    from datetime import UTC, datetime

    from disclosure_etl.warehouse.crawl_state import read_crawl_state, write_crawl_state

    con = wh.connect(tmp_path / "w.duckdb")
    con.execute("""INSERT INTO core.items (agency_id, item_id, row_hash, withdrawn_at) VALUES
                   ('街道"\\1', 12, 'h12', NULL), ('街道"\\1', 3, NULL, NULL),
                   ('b', 7, 'h7', NULL), ('b', 8, 'h8', now())""")
    con.execute("""INSERT INTO core.reports (report_id, url, copies) VALUES
                   ('r1', 'https://a/1', ['https://a/2', 'https://a/3'])""")
    finished = datetime(2026, 11, 30, 1, 2, 3, tzinfo=UTC)
    con.execute("INSERT INTO core.runs (run_id, finished_at, full_relist) VALUES "
                "('run1', ?, TRUE), ('run2', NULL, FALSE)", [finished])
    path = tmp_path / "state.json"
    write_crawl_state(con, path)
    con.close()
    state = read_crawl_state(path)
    assert state.items == {'街道"\\1': {3: None, 12: "h12"}, "b": {7: "h7"}}
    assert state.report_urls == {"https://a/1", "https://a/2", "https://a/3"}
    assert state.loaded_runs == {"run1", "run2"}
    assert state.last_full_relist == finished
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []
