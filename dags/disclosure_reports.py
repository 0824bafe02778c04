"""
### disclosure_reports — parse the raw archive into the working DuckDB

**What it does.** Runs whenever `disclosure_crawl` closes a run (asset
`disclosure://archive/crawled`). `parse` reads every crawled run the warehouse has not loaded
yet **from the raw archive only** (never the network), parses catalog items, content pages and
annual reports (HTML/PDF/DOCX/…), and loads each run in one DuckDB transaction into the working
database (`data/warehouse.duckdb`). It holds the one-slot pool `duckdb_writer`, so it never
overlaps another writer. Success emits `disclosure://warehouse/loaded`, which starts
**disclosure_checks**.

**What a failure means.** A parser or loader crashed on some archived run: the transaction
rolled back, so the warehouse still holds the previous state and analysts keep the last
published snapshot. The unloaded run stays unloaded and is picked up by the next parse.

**What to do.** Read the task log (it names the run and the URL/report that failed). After a
parser fix is deployed, just clear this task (or trigger the DAG): it reloads every unloaded
run. To re-parse everything with the fixed parser: `disclosure-etl parse --rebuild` on a worker
(holding no Airflow pool — pause the three DAGs first), then trigger `disclosure_checks`.
A report that parses badly is *not* a failure: it is loaded with `parse_status` partial/failed
and reported by the checks.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pendulum
from airflow.sdk import Asset, dag, task

from disclosure_etl.airflow_env import (
    ASSET_CRAWLED,
    ASSET_LOADED,
    TIMEZONE,
    WRITER_POOL,
    task_defaults,
)


@dag(
    dag_id="disclosure_reports",
    schedule=[Asset(ASSET_CRAWLED)],
    start_date=pendulum.datetime(2026, 1, 1, tz=TIMEZONE),
    catchup=False,
    max_active_runs=1,
    tags=["disclosure", "parse"],
    default_args=task_defaults(),
    doc_md=__doc__,
)
def disclosure_reports() -> None:
    @task(pool=WRITER_POOL, execution_timeout=timedelta(hours=2), outlets=[Asset(ASSET_LOADED)])
    def parse() -> dict[str, Any]:
        """Load every crawled, unloaded run from the archive into the working DuckDB."""
        from disclosure_etl import config, pipeline

        result = pipeline.parse(config.load())
        print(f"parse: {result}")
        return result

    parse()


disclosure_reports()
