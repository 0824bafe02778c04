"""Warehouse benchmark: load 10 million catalog items and 50,000 reports' figures, then run
the check suite.

Prints the set-based load rate (rows/s) against a row-by-row baseline (``executemany`` of
single-row INSERTs in autocommit, on a sample) measured in the same run, and the wall time
of reconciliation + the full check suite. Data is generated in DuckDB and handed over as
Arrow tables, one run at a time, so memory stays at one run's rows.

    .venv/bin/python bench/warehouse.py [--items 10000000] [--reports 50000] [--dir DIR]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import duckdb
import pyarrow as pa

from disclosure_etl import warehouse as wh
from disclosure_etl.config import Config, ReconcileConfig, load_category_map
from disclosure_etl.models import RUN_BATCH_COLUMNS, RunBatch

AGENCIES = 2_500
LEAVES = (("组织机构", 10), ("部门文件", 11), ("政务动态", 12), ("财政预决算", 13), ("其他", 14))
ITEM_RUNS = 4
T0 = datetime(2026, 1, 1, 18, 0, tzinfo=UTC)


def arrow(gen: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> pa.Table:
    return gen.sql(sql, params=params).to_arrow_table()


def list_rows_sql(run_id: str, seen_at: datetime, first: int, last: int, version: int) -> tuple[str, list]:
    cats = ", ".join(f"({cid}, '{name}')" for name, cid in LEAVES)
    return (
        f"""
        WITH c(cid, cname) AS (VALUES {cats})
        SELECT ? AS run_id, 'a' || lpad(CAST(i % {AGENCIES} AS VARCHAR), 4, '0') AS agency_id,
               i AS item_id, CAST(10 + (i // {AGENCIES}) % 5 AS BIGINT) AS category_id,
               c.cname AS category_name,
               '第' || i || '号 公开信息 v' || ? AS title,
               CASE WHEN i % 50 = 0 THEN 'url' ELSE 'normal' END AS item_type,
               'https://www.by.gov.cn/gkmlpt/content/' || (i // 1000000) || '/' || (i // 1000)
                   || '/post_' || i || '.html' AS url,
               NULL::VARCHAR AS post_url,
               TIMESTAMP '2006-01-01 08:00:00' + to_seconds(CAST(i AS BIGINT) * 63) AS published_at,
               NULL::DATE AS written_date, NULL::VARCHAR AS document_number,
               '007/' || i AS identifier, NULL::VARCHAR AS publisher, FALSE AS is_abolished,
               '[]' AS attachments, md5(i || '-' || ?) AS row_hash,
               ?::TIMESTAMPTZ AS seen_at
        FROM range(?, ?) r(i) JOIN c ON c.cid = 10 + (i // {AGENCIES}) % 5
        """,
        [run_id, version, version, seen_at, first, last],
    )


def item_run(gen: duckdb.DuckDBPyConnection, n: int, first: int, last: int, version: int,
             mode: str) -> RunBatch:
    run_id = f"bench{n:02d}"
    at = T0 + timedelta(days=n)
    batch = RunBatch(run_id=run_id)
    batch.add("runs", run_id=run_id, started_at=at, finished_at=at + timedelta(hours=1),
              status="complete", requests=0, pages_fetched=0, http_errors=0,
              full_relist=mode == "full")
    sql, params = list_rows_sql(run_id, at, first, last, version)
    rows = arrow(gen, sql, params)
    batch.tables["list_rows"] = rows
    gen.register("lr", rows)
    batch.tables["listings"] = arrow(gen, """
        SELECT ? AS run_id, agency_id, category_id, any_value(category_name) AS category_name,
               ? AS mode, 'complete' AS status, CAST(count(*) // 100 + 1 AS BIGINT) AS pages_read,
               count(*) AS rows_seen, CAST(? AS BIGINT) AS api_total, CAST(? AS BIGINT) AS post_count,
               min(published_at) AS oldest_published_at, NULL::VARCHAR AS error
        FROM lr GROUP BY ALL""", [run_id, mode, last // AGENCIES, last // AGENCIES])
    gen.unregister("lr")
    if n == 1:
        batch.tables["agencies"] = arrow(gen, f"""
            SELECT 'a' || lpad(CAST(i AS VARCHAR), 4, '0') AS agency_id,
                   '广州市白云区人民政府第' || i || '街道办事处' AS name,
                   'https://www.by.gov.cn/s' || i || '/gkmlpt/index' AS site_url,
                   's' || i AS sid, NULL::VARCHAR AS parent_agency_id, 'www.by.gov.cn' AS host,
                   's' || i AS prefix
            FROM range({AGENCIES}) r(i)""")
        cats = ", ".join(f"({cid}, '{name}')" for name, cid in LEAVES)
        batch.tables["categories"] = arrow(gen, f"""
            WITH c(cid, cname) AS (VALUES {cats})
            SELECT 'a' || lpad(CAST(i AS VARCHAR), 4, '0') AS agency_id, CAST(cid AS BIGINT) AS category_id,
                   cname AS name, NULL::BIGINT AS parent_id, cname AS path, TRUE AS is_leaf,
                   NULL::BIGINT AS post_count, NULL::VARCHAR AS jump_url
            FROM range({AGENCIES}) r(i), c""")
    return batch


def report_tables(gen: duckdb.DuckDBPyConnection, n_reports: int) -> tuple[pa.Table, pa.Table]:
    years = max(n_reports // AGENCIES, 1)
    reports = arrow(gen, f"""
        SELECT 'rep' || i AS report_id, 'a' || lpad(CAST(i % {AGENCIES} AS VARCHAR), 4, '0') AS agency_id,
               CAST(2025 - (i // {AGENCIES}) % {years} AS BIGINT) AS report_year,
               (2025 - (i // {AGENCIES}) % {years}) || '年政府信息公开工作年度报告' AS title,
               'https://www.by.gov.cn/r/' || i || '.html' AS url, []::VARCHAR[] AS copies,
               make_timestamp(2026 - (i // {AGENCIES}) % {years}, 1 + i % 3, 15, 10, 0, 0) AS published_at,
               '2021' AS template, 'html' AS source_format, 'parsed' AS parse_status,
               NULL::VARCHAR AS parse_note, NULL::DATE AS period_start, NULL::DATE AS period_end,
               NULL::BIGINT AS item_id, md5('rep' || i) AS sha256, NULL::VARCHAR AS publisher
        FROM range({n_reports}) r(i)""")
    metrics = (
        ["active.total", "active.category.组织机构", "active.category.部门文件",
         "active.category.动态", "active.category.其他", "application.received",
         "application.mode.letter", "application.mode.online", "review.total", "lawsuit.total"]
        + [f"t3.{r}.{c}" for r in ("new_received", "carried_over", "granted", "partial",
                                   "total_processed", "carried_forward")
           for c in ("natural_person", "commercial", "total")]
        + [f"t4.review.{x}" for x in ("upheld", "corrected", "other", "pending", "total")]
    )
    gen.register("reps", reports)
    figures = arrow(gen, """
        SELECT report_id, agency_id, report_year, metric,
               CAST(hash(report_id, metric) % 7 AS DOUBLE) AS value, '件' AS unit,
               FALSE AS is_blank, FALSE AS approx, metric AS source_excerpt
        FROM reps, unnest(?::VARCHAR[]) m(metric)""", [metrics])
    gen.unregister("reps")
    return reports, figures


def baseline_rows_per_s(path: Path, sample: pa.Table) -> float:
    """Row-by-row: executemany of single-row INSERTs in autocommit (the anti-pattern)."""
    con = duckdb.connect(str(path))
    cols = RUN_BATCH_COLUMNS["list_rows"]
    con.execute("CREATE TABLE rowwise AS SELECT * FROM sample LIMIT 0", )
    rows = [tuple(r[c] for c in cols) for r in sample.to_pylist()]
    t = time.perf_counter()
    con.executemany(f"INSERT INTO rowwise VALUES ({', '.join('?' * len(cols))})", rows)
    dt = time.perf_counter() - t
    con.close()
    return len(rows) / dt


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--items", type=int, default=10_000_000)
    ap.add_argument("--reports", type=int, default=50_000)
    ap.add_argument("--sample", type=int, default=5_000, help="rows for the row-by-row baseline")
    ap.add_argument("--dir", type=Path, default=None)
    ap.add_argument("--keep", type=Path, default=None, help="keep the warehouse at this path")
    args = ap.parse_args()
    tmp = tempfile.TemporaryDirectory(dir=args.dir)
    path = Path(tmp.name) / "bench.duckdb"
    print(f"warehouse bench: {args.items:,} items in {ITEM_RUNS} runs over {AGENCIES:,} sub-sites, "
          f"{args.reports:,} reports; duckdb {duckdb.__version__}, {os.cpu_count()} cpus")
    gen = duckdb.connect()
    con = wh.connect(path)
    per_run = args.items // ITEM_RUNS
    loaded_rows = 0
    load_s = 0.0
    sample: pa.Table | None = None
    for n in range(1, ITEM_RUNS + 1):
        batch = item_run(gen, n, (n - 1) * per_run, n * per_run, 1, "full" if n == 1 else "incremental")
        rows = batch.tables["list_rows"]
        if sample is None:
            sample = rows.slice(0, args.sample)
        t = time.perf_counter()
        out = wh.load_run(con, batch)
        dt = time.perf_counter() - t
        loaded_rows += rows.num_rows
        load_s += dt
        print(f"  run {n}: {rows.num_rows:>10,} list rows in {dt:6.2f} s "
              f"({rows.num_rows / dt:,.0f} rows/s), new {out['new']:,}")
        del batch, rows
    # a last run: the newest 5% of items re-listed with changed titles (an incremental run
    # reads the newest pages), plus every report's figures
    n = ITEM_RUNS + 1
    batch = item_run(gen, n, args.items - args.items // 20, args.items, 2, "incremental")
    reports, figures = report_tables(gen, args.reports)
    batch.tables["reports"] = reports
    batch.tables["report_figures"] = figures
    rows_n = batch.tables["list_rows"].num_rows + reports.num_rows + figures.num_rows
    t = time.perf_counter()
    out = wh.load_run(con, batch)
    dt = time.perf_counter() - t
    loaded_rows += rows_n
    load_s += dt
    print(f"  run {n}: {rows_n:>10,} rows (changed items, {reports.num_rows:,} reports, "
          f"{figures.num_rows:,} figures) in {dt:6.2f} s; changed {out['changed']:,}, "
          f"withdrawn {out['withdrawn']:,}")
    del batch, reports, figures
    set_rate = loaded_rows / load_s

    t, c = time.perf_counter(), time.process_time()
    wh.refresh_reconciliation(con, load_category_map(Config()), ReconcileConfig())
    recon_s, recon_cpu = time.perf_counter() - t, time.process_time() - c
    t, c = time.perf_counter(), time.process_time()
    res = wh.run_checks(con, f"bench{n:02d}", today=date(2026, 3, 1))
    checks_s, checks_cpu = time.perf_counter() - t, time.process_time() - c
    n_items = con.execute("SELECT count(*) FROM posted_items").fetchall()[0][0]
    n_results = con.execute("SELECT count(*) FROM check_results").fetchall()[0][0]
    con.close()

    assert sample is not None
    base_rate = baseline_rows_per_s(Path(tmp.name) / "rowwise.duckdb", sample)
    print(f"posted_items: {n_items:,}; check results: {n_results:,} "
          f"(pass {res['pass']}, warn {res['warn']}, fail {res['fail']}, error {res['error']})")
    print(f"load (set-based, Arrow + MERGE): {set_rate:12,.0f} rows/s over {loaded_rows:,} rows")
    print(f"row-by-row baseline (executemany): {base_rate:10,.0f} rows/s on a {sample.num_rows:,}-row sample")
    print(f"ratio: set-based load is {set_rate / base_rate:,.0f}x the row-by-row rate")
    print(f"reconciliation refresh: {recon_s:.2f} s; check suite ({len(wh.list_checks())} checks): "
          f"{checks_s:.2f} s; together {recon_s + checks_s:.2f} s wall (aim < 10 s)")
    print(f"  CPU time of those (all threads): {recon_cpu + checks_cpu:.2f} s; the load average "
          f"was {os.getloadavg()[0]:.1f} on {os.cpu_count()} cpus (wall time grows with other load)")
    if args.keep:
        os.replace(path, args.keep)
        print(f"warehouse kept at {args.keep}")
    tmp.cleanup()


if __name__ == "__main__":
    main()
