"""The Disclosure page's findings sections and agency ranking, read from real published DuckDB
files (no Airflow needed: the page's reader and renderer are plain Python)."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

from disclosure_etl import pipeline
from disclosure_etl import warehouse as wh
from disclosure_etl.replica import ReplicaServer
from disclosure_etl.warehouse import findings as fm
from tests.conftest import replica_config
from tests.warehouse.test_findings_life import store
from tests.warehouse.test_scorecard import ROOT, set_districts

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "plugins"))

from disclosure_ui import render  # noqa: E402
from disclosure_ui.snapshot import read_snapshot  # noqa: E402


def _keys(html: str, table_id: str) -> list[str]:
    m = re.search(rf"<table id='{table_id}'>(.*?)</table>", html, re.S)
    return re.findall(r"data-key='([0-9a-f]+)'", m.group(1)) if m else []


def test_page_shows_new_open_and_acknowledged_findings(tmp_path: Path) -> None:
    path = tmp_path / "published.duckdb"
    con = wh.connect(path)
    try:
        old = ("reconcile.active_total", "error", "fail", "gzbyaa", 2020, {"scope": "total"})
        acked = ("report.carry_over", "warn", "warn", "gzbybb", 2021, None)
        gone = ("report.t3_balance", "error", "fail", "gzbycc", 2019, None)
        fresh = ("reconcile.active_category", "error", "fail", "gzbyaa", 2022, {"scope": "动态"})
        store(con, "r1", 1, [old, acked, gone])
        passed = ("report.t3_balance", "error", "pass", "gzbycc", 2019, None)
        store(con, "r2", 2, [old, acked, fresh, passed])
        keys = {f.check_id: f.finding_key for f in fm.list_findings(con)}
        ack_file = tmp_path / fm.ACK_FILE
        fm.acknowledge(con, ack_file, keys["report.carry_over"], note="上年结转口径不同", by="li")
        fm.load_acknowledgements(con, ack_file)
    finally:
        con.close()
    html = render.page(read_snapshot(path))
    assert _keys(html, "findings-new") == [keys["reconcile.active_category"]]
    assert set(_keys(html, "findings")) == {
        keys["reconcile.active_total"],
        keys["reconcile.active_category"],
    }
    assert _keys(html, "findings-acknowledged") == [keys["report.carry_over"]]
    assert "acknowledged by li" in html and "上年结转口径不同" in html
    assert keys["report.t3_balance"] not in html  # resolved: not shown
    assert "2 error</span> <span class='sev warn'>0 warn</span> open findings" in html


# ------------------------------------------------------------------ ranking (scorecard)


@pytest.fixture(scope="module")
def scored(replica: ReplicaServer, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The published snapshot of one replica run, its agencies in two districts."""
    cfg = replica_config(replica.base_url, tmp_path_factory.mktemp("ranking"))
    path = Path(pipeline.run(cfg)["published"])
    set_districts(path)
    return path


def _ranking(html: str) -> list[tuple[str, int, int]]:
    """(agency_id, rank, total) of the ranking table's rows, in page order."""
    m = re.search(r"<table id='ranking'[^>]*>(.*?)</table>", html, re.S)
    assert m, "no ranking table"
    rows = re.findall(
        r"<tr data-agency='([^']+)' data-rank='(\d+)' data-total='(\d+)'>", m.group(1)
    )
    return [(a, int(r), int(t)) for a, r, t in rows]


def test_ranking_orders_agencies_by_total_for_the_chosen_year(scored: Path) -> None:
    snap = read_snapshot(scored)
    html = render.page(snap, year=2021)
    assert "data-year='2021'" in html
    ranked = _ranking(html)
    assert [t for _, _, t in ranked] == sorted((t for _, _, t in ranked), reverse=True)
    assert ranked[-2:] == [("gzbyjtj", 4, 5), ("gzbysqj", 5, 1)]  # mismatches; report missing
    assert {a for a, r, _ in ranked if r == 1} == {ROOT, "gzbyhlj", "gzbyjy"}  # tie: 7/7
    # the default year is the latest; the marks carry the note as their title
    assert "data-year='2025'" in render.page(snap)
    assert "title='No 2021 report found although it was due by 2022-01-31.'" in html


def test_district_filter_narrows_ranking_chart_and_findings(scored: Path) -> None:
    snap = read_snapshot(scored)
    html = render.page(snap, district="th", year=2021)
    assert _ranking(html) == [("gzbyjy", 1, 7), ("gzbysqj", 2, 1)]  # ranks within the district
    assert "<option value='th' selected>天河区</option>" in html
    assert 'data-agency="gzbyjtj"' not in html  # 景泰街 (白云区) has no chart here
    checks = set(re.findall(r"data-check='([^']+)'", html))
    assert checks == {"coverage.report_missing", "coverage.report_late"}  # 松洲 2021, 教育局 2022
    everything = render.page(snap, year=2021)
    assert 'data-agency="gzbyjtj"' in everything and "report.t3_balance" in everything
    assert "id='ranking-empty'" in render.page(snap, district="nowhere", year=2021)
