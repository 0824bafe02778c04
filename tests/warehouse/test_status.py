"""status_text and summary_lines over a warehouse file."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from whfix import HL, Run, ts

from disclosure_etl import warehouse as wh
from disclosure_etl.config import ReconcileConfig


def build(path: Path) -> None:
    con = wh.connect(path)
    wh.load_run(con, Run(1).agency().listed(11, [(i, ts(2017)) for i in range(216)])
                .report("r17", 2017, {"active.total": 216})
                .report("r18", 2018, {"active.total": 5}).batch)
    wh.load_run(con, Run(2).agency().listed(11, [(i, ts(2017)) for i in range(215)]).batch)
    wh.refresh_reconciliation(con, {}, ReconcileConfig())
    wh.run_checks(con, "run002", today=date(2026, 1, 5))
    con.close()


def test_summary_lines_one_per_agency_and_year(tmp_path: Path) -> None:
    p = tmp_path / "w.duckdb"
    build(p)
    assert wh.summary_lines(p) == [
        "鹤龙街道办事处  2017  reported 216  posted 216  diff 0  match",
        "鹤龙街道办事处  2018  reported 5  posted 0  diff -5  mismatch",
    ]


def test_status_text_shows_runs_sites_and_open_findings(tmp_path: Path) -> None:
    p = tmp_path / "w.duckdb"
    build(p)
    text = wh.status_text(p)
    assert "run002" in text and "run001" in text
    assert HL in text and "216" in text  # items per site
    assert "open findings" in text and "reconcile.active_total" in text
    assert "pass" not in [line.split()[0] for line in text.splitlines()[-3:] if line.strip()]


def test_status_text_without_a_warehouse(tmp_path: Path) -> None:
    assert "no warehouse" in wh.status_text(tmp_path / "none.duckdb")
    assert wh.summary_lines(tmp_path / "none.duckdb") == []
