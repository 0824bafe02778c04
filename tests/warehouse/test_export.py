"""Parquet exports at publish time and `disclosure-etl export`, against real DuckDB files."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import subprocess
import sys
import textwrap
import time
from datetime import date, datetime
from pathlib import Path
from typing import Any

import duckdb
import pyarrow.parquet as pq
import pytest
from whfix import DISTRICT, DISTRICT_NAME, HL, Run, ts

from disclosure_etl import warehouse as wh
from disclosure_etl.config import Config, ReconcileConfig, load_category_map
from disclosure_etl.warehouse.export import parquet_link
from tests.test_cli import assert_one_line_error, cli

FIGS = {"active.total": 3.0, "application.total": 2.0, "review.total": None}


def build(work: Path, n: int = 1, extra_items: int = 0) -> None:
    """A warehouse with two agencies, reports of 2017–2019, reconciliation and checks;
    run ``n`` lists ``extra_items`` more items."""
    r = Run(n).agency().agency(DISTRICT, DISTRICT_NAME)
    r.listed(11, [(i, ts(2017 + i % 3)) for i in range(1, 10 + extra_items)])
    r.listed(2, [(100 + i, ts(2018)) for i in range(4)], agency_id=DISTRICT)
    for year in (2017, 2018, 2019):
        r.report(f"hl{year}", year, FIGS)
    r.report("root2018", 2018, {"active.total": 4.0}, agency_id=DISTRICT)
    con = wh.connect(work)
    try:
        wh.load_run(con, r.batch)
        wh.refresh_reconciliation(con, load_category_map(Config()), ReconcileConfig())
        wh.run_checks(con, r.batch.run_id, today=date(2026, 1, 5))
    finally:
        con.close()


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One published warehouse that the tests below only read."""
    tmp = tmp_path_factory.mktemp("published")
    work, pub = tmp / "work.duckdb", tmp / "published" / "warehouse.duckdb"
    build(work)
    assert wh.publish(work, pub, keep=1) == pub
    return pub


def q(path: Path | None, sql: str, params: Any = None) -> list[tuple[Any, ...]]:
    """Rows of ``sql`` on the warehouse ``path`` (read-only), or in memory when None."""
    con = duckdb.connect(str(path), read_only=True) if path else duckdb.connect()
    try:
        return con.execute(sql, params).fetchall()
    finally:
        con.close()


def parquet_sql(folder: Path, entry: dict[str, Any]) -> str:
    files = ", ".join(f"'{folder / f['path']}'" for f in entry["files"])
    return f"read_parquet([{files}], hive_partitioning = true)"


def views_of(path: Path) -> list[str]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return wh.analyst_views(con)
    finally:
        con.close()


def test_every_view_round_trips_with_the_same_rows(published: Path) -> None:
    folder, manifest = parquet_link(published), wh.read_manifest(published)
    views = views_of(published)
    assert set(manifest["views"]) == set(views)  # type: ignore[arg-type]
    counts = {}
    for view in views:
        entry = manifest["views"][view]  # type: ignore[index]
        n_view = q(published, f'SELECT count(*) FROM "{view}"')[0][0]
        cols = ", ".join(f'"{r[0]}"' for r in q(published, f'DESCRIBE "{view}"'))
        con = duckdb.connect(str(published), read_only=True)
        try:
            n_file = con.execute(f"SELECT count(*) FROM {parquet_sql(folder, entry)}").fetchall()
            diff = con.execute(
                f'SELECT count(*) FROM ((SELECT {cols} FROM "{view}" EXCEPT ALL SELECT {cols} '
                f"FROM {parquet_sql(folder, entry)}) UNION ALL (SELECT {cols} FROM "
                f'{parquet_sql(folder, entry)} EXCEPT ALL SELECT {cols} FROM "{view}"))'
            ).fetchall()[0][0] if entry["files"] else 0
        finally:
            con.close()
        assert n_file[0][0] == n_view == entry["rows"], view
        assert diff == 0, view  # the same rows, column for column
        counts[view] = n_view
    # the fixture is not empty where it matters: these views carry rows
    for view in ("agencies", "posted_items", "annual_reports", "report_figures",
                 "reconciliation", "check_results", "runs"):
        assert counts[view] > 0, view


def test_manifest_names_the_run_and_the_sha256_of_every_file(published: Path) -> None:
    folder, manifest = parquet_link(published), wh.read_manifest(published)
    assert manifest["run_id"] == "run001"
    assert datetime.fromisoformat(str(manifest["generated_at"])).tzinfo is not None
    listed = set()
    for entry in manifest["views"].values():  # type: ignore[attr-defined]
        assert entry["files"]  # every view is exported, even an empty one
        for f in entry["files"]:
            data = (folder / f["path"]).read_bytes()
            assert hashlib.sha256(data).hexdigest() == f["sha256"]
            assert len(data) == f["bytes"]
            assert pq.ParquetFile(folder / f["path"]).metadata.num_rows == f["rows"]
            listed.add(f["path"])
    on_disk = {p.relative_to(folder.resolve()).as_posix()
               for p in folder.resolve().rglob("*") if p.is_file()}
    assert on_disk == listed | {"manifest.json"}  # nothing unlisted, nothing missing


def test_report_figures_is_partitioned_by_year(published: Path) -> None:
    folder = parquet_link(published)
    parts = sorted(p.name for p in (folder / "report_figures").iterdir())
    assert parts == ["report_year=2017", "report_year=2018", "report_year=2019"]
    by_year = q(None, f"SELECT report_year, count(*) FROM read_parquet("
                f"'{folder}/report_figures/**/*.parquet', hive_partitioning = true) "
                "GROUP BY ALL ORDER BY 1")
    expected = q(published, "SELECT report_year, count(*) FROM report_figures GROUP BY ALL ORDER BY 1")
    assert by_year == expected and len(expected) == 3
    assert q(published, "SELECT count(*) FROM report_figures WHERE report_year = 2018")[0][0] == 4


def test_a_new_view_is_exported_without_a_code_change(tmp_path: Path) -> None:
    work, pub = tmp_path / "work.duckdb", tmp_path / "pub" / "warehouse.duckdb"
    build(work)
    con = duckdb.connect(str(work))
    con.execute("CREATE VIEW zz_new_view AS SELECT agency_id FROM agencies")
    con.close()
    wh.publish(work, pub, keep=0)
    entry = wh.read_manifest(pub)["views"]["zz_new_view"]  # type: ignore[index]
    assert entry["rows"] == 2
    assert (parquet_link(pub) / "zz_new_view.parquet").is_file()


def test_publish_while_a_reader_holds_an_old_parquet_file_open(tmp_path: Path) -> None:
    work, pub = tmp_path / "work.duckdb", tmp_path / "pub" / "warehouse.duckdb"
    build(work)
    wh.publish(work, pub, keep=0)
    old_manifest = wh.read_manifest(pub)
    old_sha = old_manifest["views"]["posted_items"]["files"][0]["sha256"]  # type: ignore[index]
    held = open(parquet_link(pub) / "posted_items.parquet", "rb")  # noqa: SIM115
    try:
        build(work, n=2, extra_items=5)  # a second run lists five more items
        assert wh.publish(work, pub, keep=0) == pub
        # the reader's open file is still the old, complete file
        assert hashlib.sha256(held.read()).hexdigest() == old_sha
    finally:
        held.close()
    assert wh.read_manifest(pub)["run_id"] == "run002"
    assert q(None, f"SELECT count(*) FROM '{parquet_link(pub)}/posted_items.parquet'") == \
        q(pub, "SELECT count(*) FROM posted_items")
    # the previous set is kept one publish longer, then dropped; no temp folders remain
    sets = sorted(p.name for p in pub.parent.glob("parquet-*"))
    assert len(sets) == 2 and os.readlink(parquet_link(pub)) == sets[-1]
    wh.publish(work, pub, keep=0)
    assert len(list(pub.parent.glob("parquet-*"))) == 2
    assert not list(pub.parent.glob(".parquet*"))


READER = textwrap.dedent("""
    import json, os, sys, time
    from pathlib import Path
    import pyarrow.parquet as pq
    link, stop = Path(sys.argv[1]), Path(sys.argv[2])
    sets = bad = 0
    runs, msgs = set(), []
    while not stop.exists():
        try:
            folder = Path(os.path.realpath(link))  # one set, resolved once
            manifest = json.loads((folder / "manifest.json").read_text())
            for entry in manifest["views"].values():
                for f in entry["files"]:
                    if pq.ParquetFile(folder / f["path"]).metadata.num_rows != f["rows"]:
                        bad += 1
            pq.ParquetFile(link / "posted_items.parquet").metadata  # through the link
            runs.add(manifest["run_id"])
            sets += 1
        except Exception as e:
            bad += 1
            msgs.append(repr(e)[:200])
        time.sleep(0.01)
    print(json.dumps({"sets": sets, "bad": bad, "runs": sorted(runs), "msgs": msgs[:3]}))
""")


@pytest.mark.slow
def test_a_reader_never_sees_a_partial_or_missing_set(tmp_path: Path) -> None:
    work, pub = tmp_path / "work.duckdb", tmp_path / "pub" / "warehouse.duckdb"
    build(work)
    wh.publish(work, pub, keep=0)
    stop = tmp_path / "stop"
    reader = subprocess.Popen([sys.executable, "-c", READER, str(parquet_link(pub)), str(stop)],
                              stdout=subprocess.PIPE, text=True)
    time.sleep(1.0)
    for n in (2, 3, 4):
        build(work, n=n, extra_items=n)
        wh.publish(work, pub, keep=0)
    time.sleep(0.5)
    stop.touch()
    out, _ = reader.communicate(timeout=60)
    result = json.loads(out)
    assert result["bad"] == 0, result["msgs"]
    assert result["sets"] > 5 and result["runs"][-1] == "run004"


def test_a_failed_export_publishes_the_snapshot_and_raises(tmp_path: Path) -> None:
    work, pub = tmp_path / "work.duckdb", tmp_path / "pub" / "warehouse.duckdb"
    build(work)
    wh.publish(work, pub, keep=0)
    before = wh.read_manifest(pub)
    con = duckdb.connect(str(work))
    con.execute("CREATE VIEW broken AS SELECT error('planted failure') AS x")
    con.close()
    with pytest.raises(wh.ExportError, match="planted failure"):
        wh.publish(work, pub, keep=0)
    assert "broken" in views_of(pub)  # the snapshot itself was published
    assert wh.read_manifest(pub) == before  # the previous export stays, whole
    assert not list(pub.parent.glob(".parquet*"))


def test_cli_publish_exits_1_when_the_export_fails(tmp_path: Path) -> None:
    work = tmp_path / "work.duckdb"
    build(work)
    con = duckdb.connect(str(work))
    con.execute("CREATE VIEW broken AS SELECT error('planted failure') AS x")
    con.close()
    p = cli("publish", "--warehouse", str(work), "--data-dir", str(tmp_path / "data"))
    assert_one_line_error(p, 1)
    assert "Parquet export failed" in p.stderr and "planted failure" in p.stderr
    assert (tmp_path / "data" / "published" / "warehouse.duckdb").is_file()


# ------------------------------------------------------------------ disclosure-etl export


def test_export_csv_to_stdout_has_every_row_and_column(published: Path) -> None:
    p = cli("export", "report_figures", "--format", "csv", "--warehouse", str(published))
    assert p.returncode == 0, p.stderr
    rows = list(csv.reader(io.StringIO(p.stdout)))
    assert rows[0] == [r[0] for r in q(published, "DESCRIBE report_figures")]
    assert len(rows) - 1 == q(published, "SELECT count(*) FROM report_figures")[0][0] == 10


def test_export_csv_with_where(published: Path) -> None:
    p = cli("export", "report_figures", "--format", "csv", "--where",
            "report_year = 2018 AND agency_id = 'root'", "--warehouse", str(published))
    assert p.returncode == 0, p.stderr
    rows = list(csv.DictReader(io.StringIO(p.stdout)))
    assert [(r["agency_id"], r["metric"], r["value"]) for r in rows] == [
        ("root", "active.total", "4.0")]


@pytest.mark.parametrize("where", [None, f"agency_id = '{HL}'"])
def test_export_parquet_to_a_file(published: Path, tmp_path: Path, where: str | None) -> None:
    out = tmp_path / "out" / "items.parquet"
    args = ["--where", where] if where else []
    p = cli("export", "posted_items", "--format", "parquet", "--out", str(out),
            "--warehouse", str(published), *args)
    assert p.returncode == 0, p.stderr
    cond = f"WHERE {where}" if where else ""
    n = q(published, f"SELECT count(*) FROM posted_items {cond}")[0][0]
    assert pq.ParquetFile(out).metadata.num_rows == n
    assert n == (9 if where else 13)
    assert f"exported {n} rows" in p.stderr


def test_export_reads_the_published_snapshot_by_default(published: Path) -> None:
    data_dir = published.parent.parent
    p = cli("export", "agencies", "--format", "csv", cwd=data_dir,
            env={"DISCLOSURE_DATA_DIR": str(data_dir)})
    assert p.returncode == 0, p.stderr
    assert len(p.stdout.strip().splitlines()) == 3


def test_export_unknown_view_exits_2_and_lists_the_views(published: Path) -> None:
    p = cli("export", "no_such_view", "--format", "csv", "--warehouse", str(published))
    assert_one_line_error(p, 2)
    assert "no_such_view" in p.stderr
    assert all(v in p.stderr for v in views_of(published))


@pytest.mark.parametrize("where", ["no_such_column = 1", "report_year = = 2"])
def test_export_bad_where_exits_2(published: Path, where: str) -> None:
    p = cli("export", "report_figures", "--format", "csv", "--where", where,
            "--warehouse", str(published))
    assert_one_line_error(p, 2)
    assert "--where" in p.stderr and p.stdout == ""


def test_export_parquet_needs_out_and_a_warehouse(tmp_path: Path) -> None:
    assert_one_line_error(cli("export", "agencies", "--format", "parquet"), 2)
    p = cli("export", "agencies", "--format", "csv", "--warehouse", str(tmp_path / "none.duckdb"))
    assert_one_line_error(p, 2)
    assert "none.duckdb" in p.stderr
