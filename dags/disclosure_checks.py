"""
### disclosure_checks — reconcile, publish the analysts' snapshot, show the findings

**What it does.** Runs whenever `disclosure_reports` has loaded the working DuckDB (asset
`disclosure://warehouse/loaded`).
1. `check` runs every SQL check (reconciliation of reported vs posted counts, report
   arithmetic, coverage, freshness, …) and stores every result in `check_results`.
2. `publish` copies the working database to the read-only snapshot analysts open
   (`data/published/warehouse.duckdb`, atomic rename; open analyst sessions are unaffected),
   then exports every analyst view as Parquet to `data/published/parquet/` with a
   `manifest.json` (swapped in whole; docs/warehouse.md "Parquet exports").
3. `findings` turns the run **red when an error-severity finding is open** — after the
   results were stored and published, so analysts still get the data. Warn-level findings are
   listed in its log and never fail the run.

`check` and `publish` hold the one-slot pool `duckdb_writer`.

**What a failure means.**
- red `findings`: the government's data disagrees with itself (e.g. a report says 216 items
  were disclosed but 201 were posted) or a harvest looks broken (empty listing, stale site).
  Nothing in the pipeline is broken. The log lists each finding with agency, year and message;
  the **Disclosure** page in the Airflow menu shows them with links to the source pages.
- red `check` / `publish`: a pipeline error (a check's SQL failed, disk full, …); the
  previous snapshot stays published. A red `publish` whose log says "the Parquet export
  failed" did publish the new snapshot; only `parquet/` still holds the previous export
  (its `manifest.json` names that run), and `findings` does not run until it is cleared.

**What to do.** For findings: review them on the Disclosure page; a finding caused by our
parser (a figure read wrong) is fixed in the parser and rolled out by re-parsing
(docs/operations.md). A genuine discrepancy needs no action in Airflow. For a red
`check`/`publish`: read the log, fix, clear the task.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pendulum
from airflow.sdk import Asset, dag, task
from airflow.sdk.exceptions import AirflowFailException

from disclosure_etl.airflow_env import ASSET_LOADED, TIMEZONE, WRITER_POOL, task_defaults

MAX_LISTED = 50  # findings listed per severity in a task log


def _describe(finding: dict[str, Any]) -> str:
    where = " ".join(
        str(finding[k]) for k in ("agency_id", "report_year") if finding.get(k) is not None
    )
    return f"[{finding.get('check_id')}] {where}: {finding.get('message')}".replace(" : ", ": ")


@dag(
    dag_id="disclosure_checks",
    schedule=[Asset(ASSET_LOADED)],
    start_date=pendulum.datetime(2026, 1, 1, tz=TIMEZONE),
    catchup=False,
    max_active_runs=1,
    tags=["disclosure", "checks"],
    default_args=task_defaults(),
    doc_md=__doc__,
)
def disclosure_checks() -> None:
    @task(pool=WRITER_POOL, execution_timeout=timedelta(minutes=30))
    def check() -> dict[str, Any]:
        """Run every check and store the results (findings are data, not task failures)."""
        from disclosure_etl import config, pipeline

        result = pipeline.check(config.load())
        errors = [_describe(f) for f in result.get("errors") or []]
        warnings = [_describe(f) for f in result.get("warnings") or []]
        print(f"checks of run {result.get('run_id')}: {result.get('counts')}")
        print(f"{len(errors)} error finding(s), {len(warnings)} warning(s)")
        # a compact summary for the findings gate (XCom stays small)
        return {
            "run_id": result.get("run_id"),
            "counts": result.get("counts") or {},
            "errors": errors[:MAX_LISTED],
            "n_errors": len(errors),
            "warnings": warnings[:MAX_LISTED],
            "n_warnings": len(warnings),
        }

    @task(pool=WRITER_POOL, execution_timeout=timedelta(minutes=30))
    def publish() -> str:
        """Publish the analysts' read-only snapshot (atomic rename)."""
        from disclosure_etl import config, pipeline

        path = pipeline.publish(config.load())
        print(f"published {path}")
        return str(path)

    @task(execution_timeout=timedelta(minutes=5), retries=0)
    def findings(summary: dict[str, Any], published: str) -> None:
        """Summarise warnings; fail (red) when error-severity findings are open."""
        print(f"snapshot: {published}")
        if summary["n_warnings"]:
            print(f"{summary['n_warnings']} warn-level finding(s) (do not fail the run):")
            for line in summary["warnings"]:
                print(f"  WARN  {line}")
            if summary["n_warnings"] > len(summary["warnings"]):
                print(f"  … and {summary['n_warnings'] - len(summary['warnings'])} more")
        if summary["n_errors"]:
            for line in summary["errors"]:
                print(f"  ERROR {line}")
            raise AirflowFailException(
                f"{summary['n_errors']} error-severity finding(s) open in run {summary['run_id']} "
                "(results stored and published; see the Disclosure page)"
            )
        print(f"run {summary['run_id']}: no error-severity findings")

    summary = check()
    published = publish()
    summary >> published
    findings(summary, published)


disclosure_checks()
