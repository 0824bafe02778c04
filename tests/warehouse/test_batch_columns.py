"""Each table's columns are defined once, in sql/schema.sql: the RunBatch columns, their
Arrow types and the load follow from it."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from disclosure_etl import models
from disclosure_etl.models import BATCH_TABLES, RUN_BATCH_COLUMNS, RunBatch
from disclosure_etl.warehouse.db import core_columns, sql_dir
from disclosure_etl.warehouse.load import arrow_schema, to_arrow

_LOAD_WITH_A_NEW_COLUMN = """
import sys
from pathlib import Path
from disclosure_etl import warehouse as wh
from disclosure_etl.models import RUN_BATCH_COLUMNS, RunBatch
assert "reviewer_note" in RUN_BATCH_COLUMNS["report_figures"]
batch = RunBatch("r1")
batch.add("runs", run_id="r1", status="success", full_relist=True)
batch.add("reports", report_id="rep1", agency_id="a", report_year=2025, parse_status="parsed")
batch.add("report_figures", report_id="rep1", metric="active.total", value=3.0,
          reviewer_note="checked by hand")
con = wh.connect(Path(sys.argv[1]))
wh.load_run(con, batch)
print(con.execute("SELECT metric, value, reviewer_note FROM core.report_figures").fetchall())
"""


def test_batch_columns_are_the_schema_tables_without_load_bookkeeping() -> None:
    cols = core_columns()
    for name, spec in BATCH_TABLES.items():
        own = [c for c, _ in cols[spec.core] if c not in spec.load_fills]
        assert [c for c in RUN_BATCH_COLUMNS[name] if c in own] == own, name
        assert arrow_schema(name).names == list(RUN_BATCH_COLUMNS[name])
    assert "loaded_at" not in RUN_BATCH_COLUMNS["runs"]
    assert RUN_BATCH_COLUMNS["list_rows"][0] == "run_id"
    assert RUN_BATCH_COLUMNS["list_rows"][-1] == "seen_at"


def test_a_column_added_to_schema_sql_reaches_the_batch_and_the_load(tmp_path: Path) -> None:
    sql = tmp_path / "sql"
    shutil.copytree(sql_dir(), sql)
    schema = (sql / "schema.sql").read_text(encoding="utf-8")
    marker = "CREATE TABLE IF NOT EXISTS core.report_figures ("
    assert marker in schema  # a column no code names yet, added where the table is defined
    (sql / "schema.sql").write_text(
        schema.replace(marker, marker + "\n    reviewer_note VARCHAR,", 1),
        encoding="utf-8",
    )
    done = subprocess.run(
        [sys.executable, "-c", _LOAD_WITH_A_NEW_COLUMN, str(tmp_path / "w.duckdb")],
        env={**os.environ, "DISCLOSURE_SQL_DIR": str(sql)}, capture_output=True, text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "[('active.total', 3.0, 'checked by hand')]"


def test_batch_rows_packed_in_chunks_equal_the_rows_converted_at_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """RunBatch rows are packed into Arrow chunks as they are added (no dict per row kept):
    the table they make is the one the same rows as dicts convert to, in order."""
    monkeypatch.setattr(models, "BATCH_CHUNK_ROWS", 3)
    rows = [dict(seq=i, unit="u", kind="list", url=f"https://x/{i}", status=200,
                 outcome="ok" if i % 2 else "http_error", bytes=i * 10, elapsed_ms=1.5,
                 fetched_at="2026-01-02T03:04:05Z" if i % 3 else datetime(2026, 1, 2, tzinfo=UTC))
            for i in range(10)]
    b = RunBatch("r1")
    for r in rows:
        b.add("fetches", run_id="r1", **r)
    packed = b.tables["fetches"]
    assert len(packed) == 10 and len(packed._chunks) == 3  # 9 rows packed, 1 pending
    expected = to_arrow("fetches", [{"run_id": "r1", **r} for r in rows])
    assert to_arrow("fetches", packed).equals(expected)
    assert packed[-1]["seq"] == 9 and packed[4]["outcome"] == "http_error"


def test_spilled_batch_rows_go_to_parquet_and_read_back_as_the_same_rows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With a spill path the packed chunks are written to Parquet as they fill (memory holds
    at most one chunk), rows added as Arrow (``extend``) join them in order, and what the
    load reads (``spill_file``, one Parquet file) holds the rows an in-memory batch holds."""
    import pyarrow.parquet as pq

    monkeypatch.setattr(models, "BATCH_CHUNK_ROWS", 4)
    rows = [dict(run_id="r1", seq=i, unit="u", kind="list", url=f"https://x/{i}", status=200,
                 outcome="ok", fetched_at=datetime(2026, 1, 2, 3, i, tzinfo=UTC))
            for i in range(11)]
    kept, spilled = RunBatch("r1"), RunBatch("r1", spill_dir=tmp_path)
    for b in (kept, spilled):
        for r in rows[:6]:
            b.add("fetches", **r)
        b.tables["fetches"].extend(to_arrow("fetches", rows[6:9]))
        for r in rows[9:]:
            b.add("fetches", **r)
    path = tmp_path / "fetches.parquet"
    assert path.is_file() and not (tmp_path / "runs.parquet").exists()  # an empty table writes nothing
    assert sum(c.num_rows for c in spilled.tables["fetches"]._chunks) < 4  # the rest is on disk
    source = spilled.tables["fetches"].spill_file()
    assert source == path
    assert pq.read_table(source).equals(kept.tables["fetches"].to_arrow())
    assert [r["seq"] for r in pq.read_table(source).to_pylist()] == list(range(11))
    # asked again (a retried load), and read back whole: the same file, the same rows
    assert spilled.tables["fetches"].spill_file() == path
    assert spilled.tables["fetches"].to_arrow().equals(kept.tables["fetches"].to_arrow())
