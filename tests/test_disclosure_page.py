"""The Disclosure page's findings sections, read from a real published DuckDB file (no
Airflow needed: the page's reader and renderer are plain Python)."""

from __future__ import annotations

import re
import sys
from pathlib import Path

from disclosure_etl import warehouse as wh
from disclosure_etl.warehouse import findings as fm
from tests.warehouse.test_findings_life import store

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
        keys["reconcile.active_total"], keys["reconcile.active_category"]
    }
    assert _keys(html, "findings-acknowledged") == [keys["report.carry_over"]]
    assert "acknowledged by li" in html and "上年结转口径不同" in html
    assert keys["report.t3_balance"] not in html  # resolved: not shown
    assert "2 error</span> <span class='sev warn'>0 warn</span> open findings" in html
