"""Publish with and without the Parquet exports, on a large warehouse.

Builds a warehouse the way ``bench/warehouse.py`` does (``--items`` catalog items over 2,500
sub-sites, ``--reports`` reports with their figures, reconciliation and checks), or takes
one (``--warehouse PATH``, e.g. kept by ``bench/warehouse.py --keep``), then publishes it:

1. baseline: the snapshot alone (``publish(parquet=False)``: checkpoint, copy, fsync, rename);
2. the snapshot with the Parquet export of every analyst view (what each publish does);

and prints both wall times, the export's share, the file sizes, and the round trip: rows of
every view against rows read back from its Parquet files.

    .venv/bin/python bench/export.py [--items 1000000] [--reports 5000] [--warehouse PATH]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import duckdb

sys.path.insert(0, str(Path(__file__).parent))

from disclosure_etl import warehouse as wh  # noqa: E402
from disclosure_etl.config import Config, ReconcileConfig, load_category_map  # noqa: E402
from disclosure_etl.warehouse.export import parquet_link  # noqa: E402
from warehouse import ITEM_RUNS, item_run, report_tables  # noqa: E402  (bench/warehouse.py)


def build(path: Path, items: int, reports: int) -> None:
    gen, con = duckdb.connect(), wh.connect(path)
    per_run = items // ITEM_RUNS
    for n in range(1, ITEM_RUNS + 1):
        batch = item_run(gen, n, (n - 1) * per_run, n * per_run, 1, "full" if n == 1 else "incremental")
        if n == ITEM_RUNS:
            batch.tables["reports"], batch.tables["report_figures"] = report_tables(gen, reports)
        wh.load_run(con, batch)
    wh.refresh_reconciliation(con, load_category_map(Config()), ReconcileConfig())
    wh.run_checks(con, f"bench{ITEM_RUNS:02d}", today=date(2026, 3, 1))
    con.close()


def du(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--items", type=int, default=1_000_000)
    ap.add_argument("--reports", type=int, default=5_000)
    ap.add_argument("--warehouse", type=Path, default=None)
    args = ap.parse_args()
    tmp = tempfile.TemporaryDirectory()
    work = args.warehouse or Path(tmp.name) / "work.duckdb"
    if args.warehouse is None:
        t = time.perf_counter()
        build(work, args.items, args.reports)
        print(f"built {work.stat().st_size / 1e6:,.0f} MB warehouse in {time.perf_counter() - t:.1f} s")
    pub = Path(tmp.name) / "published" / "warehouse.duckdb"
    t = time.perf_counter()
    wh.publish(work, pub, keep=0, parquet=False)
    base = time.perf_counter() - t
    t = time.perf_counter()
    wh.publish(work, pub, keep=0)
    full = time.perf_counter() - t
    manifest = wh.read_manifest(pub)
    folder = parquet_link(pub)
    print(f"publish, snapshot only (baseline): {base:6.2f} s")
    print(f"publish with Parquet export:       {full:6.2f} s  (export {full - base:.2f} s, "
          f"{full / base:.1f}x the baseline; manifest says {manifest['seconds']} s)")
    print(f"sizes: snapshot {pub.stat().st_size / 1e6:,.1f} MB, Parquet set {du(folder.resolve()) / 1e6:,.1f} MB")
    con = duckdb.connect(str(pub), read_only=True)
    bad = 0
    for view, entry in manifest["views"].items():  # type: ignore[attr-defined]
        n_view = con.execute(f'SELECT count(*) FROM "{view}"').fetchall()[0][0]
        files = [str(folder / f["path"]) for f in entry["files"]]
        n_file = con.execute("SELECT count(*) FROM read_parquet(?, hive_partitioning = true)",
                             [files]).fetchall()[0][0] if files else 0
        bad += n_view != n_file
        print(f"  {view:<22} view {n_view:>10,}  parquet {n_file:>10,}  files {len(files):>3}"
              f"  {'ok' if n_view == n_file else 'MISMATCH'}")
    con.close()
    print(f"round trip: {len(manifest['views']) - bad}/{len(manifest['views'])} views "  # type: ignore[arg-type]
          "with the same row count")
    tmp.cleanup()
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
