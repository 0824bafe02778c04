"""Input coercion of RunBatch rows, read-only opens under a writer's lock, snapshot pruning."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb
import pytest
from whfix import HL, Run, ts

from disclosure_etl import warehouse as wh
from disclosure_etl.models import Attachment
from disclosure_etl.warehouse.load import to_arrow
from disclosure_etl.warehouse.publish import prune_snapshots


def test_rows_are_coerced_to_the_warehouse_types(con: duckdb.DuckDBPyConnection) -> None:
    r = Run(1).agency()
    sh = ZoneInfo("Asia/Shanghai")
    r.batch.add(
        "list_rows", run_id="run001", agency_id=HL, item_id=5, category_id=2,
        category_name="部门文件", title="t", item_type="normal", url="u",
        published_at=datetime(2017, 3, 1, 9, 0, tzinfo=sh),  # aware: kept as Shanghai wall-clock
        written_date="2017-02-28", is_abolished=False, row_hash="h",
        attachments=(Attachment(1, "a.pdf", "pdf", None, 10, "https://x/a.pdf"),),
        seen_at="2026-01-02T18:00:00Z")
    wh.load_run(con, r.batch)
    row = con.execute("SELECT published_at, written_date, first_seen_at, attachments "
                      "FROM posted_items").fetchall()[0]
    assert row[0] == datetime(2017, 3, 1, 9, 0)
    assert row[1].isoformat() == "2017-02-28"
    assert row[2] == datetime(2026, 1, 2, 18, 0, tzinfo=UTC)
    assert '"name": "a.pdf"' in row[3]


def test_to_arrow_accepts_arrow_tables_with_missing_columns() -> None:
    t = to_arrow("list_rows", to_arrow("list_rows", []).drop_columns(["post_url"]))
    assert "post_url" in t.column_names and t.num_rows == 0


def test_known_items_waits_for_a_writer_to_let_go(tmp_path: Path) -> None:
    p = tmp_path / "w.duckdb"
    con = wh.connect(p)
    wh.load_run(con, Run(1).agency().listed(11, [(1, ts(2017))]).batch)
    con.close()
    writer = subprocess.Popen([sys.executable, "-c", textwrap.dedent("""
        import sys, time, duckdb
        con = duckdb.connect(sys.argv[1])
        print("locked", flush=True)
        time.sleep(1.5)
        con.close()
    """), str(p)], stdout=subprocess.PIPE, text=True)
    assert writer.stdout is not None and writer.stdout.readline().strip() == "locked"
    with pytest.raises(duckdb.IOException):
        duckdb.connect(str(p), read_only=True)  # the lock conflict known_items retries on
    t = time.monotonic()
    assert list(wh.known_items(p, HL)) == [1]
    assert time.monotonic() - t < 30
    writer.wait(timeout=30)


def test_prune_keeps_the_newest_and_never_the_published_file(tmp_path: Path) -> None:
    pub = tmp_path / "warehouse-live.duckdb"
    pub.write_bytes(b"x")
    for stamp in ("20260101", "20260102", "20260103"):
        (tmp_path / f"warehouse-{stamp}.duckdb").write_bytes(b"s")
    removed = prune_snapshots(pub, 2)
    assert [p.name for p in removed] == ["warehouse-20260101.duckdb"]
    assert pub.exists()
