"""
### disclosure_checks — check, publish the analysts' snapshot, notify, decide red or green

**When it runs.**
- Whenever `disclosure_reports` has loaded the working DuckDB (asset
  `disclosure://warehouse/loaded`): **every** SQL check runs for the latest loaded run.
- Daily on a time schedule (10:00 Asia/Shanghai; `DISCLOSURE_FRESHNESS_SCHEDULE`, `none` to
  turn it off): **only `crawl.freshness`** runs, under a run id `freshness-<UTC stamp>`. So a
  pipeline that stopped harvesting (crawl DAG paused, site unreachable for days) is flagged
  even though nothing new was loaded.
- A manual trigger runs every check.

**Tasks.**
1. `check` stores every result in `check_results` (findings are data, never a task failure).
2. `publish` copies the working database to the read-only snapshot analysts open
   (`data/published/warehouse.duckdb`, atomic rename; open analyst sessions are unaffected),
   then exports every analyst view as Parquet to `data/published/parquet/` with a
   `manifest.json` (swapped in whole; docs/warehouse.md "Parquet exports").
3. `notify` sends the **new error findings** (first seen in this run, not acknowledged) by
   e-mail and/or webhook, as configured (`notify:` in the config file or
   `DISCLOSURE_NOTIFY_*`; docs/operations.md). Nothing configured: it only logs them.
4. `findings` decides red or green by the DAG param **`fail_on`**:

| `fail_on` | red when |
|---|---|
| `never` | never for findings (only a crash of `check`/`publish`/`notify` is red) |
| `new_error` (default) | a check could not run (status `error`), or an error finding appears for the first time |
| `error` | any open error finding, or a check that could not run |

Acknowledged and resolved findings never make it red. An old discrepancy in an old report
is therefore red on one night only (default), and stays listed as `open` on the Disclosure
page and in `disclosure-etl findings` until it is resolved or acknowledged.

`check` and `publish` hold the one-slot pool `duckdb_writer`; `notify` and `findings` read
the published snapshot only.

**What a failure means.**
- red `findings` with "new error finding(s)": the government's data disagrees with itself
  (e.g. a report says 216 items were disclosed but 201 were posted) or a harvest looks broken
  (empty listing, stale site). Nothing in the pipeline is broken; the log lists each finding
  with its key.
- red `findings` with "check(s) could not run": a check's SQL failed or found nothing to
  check (e.g. every report failed to parse). That is breakage: read the message, fix the
  cause, or acknowledge it if it is expected.
- red `check` / `publish`: a pipeline error (disk full, …); the previous snapshot stays
  published. A red `publish` whose log says "the Parquet export failed" did publish the
  new snapshot; only `parquet/` still holds the previous export (its `manifest.json` names
  that run). Red `notify`: the mail server or webhook refused; the findings are stored all the
  same.

**What to do.** Review findings on the **Disclosure** page (Airflow menu) or with
`disclosure-etl findings --new`. A finding caused by our parser is fixed in the parser and
rolled out by re-parsing (docs/operations.md). A genuine discrepancy that needs no further
action: `disclosure-etl findings ack KEY --note "why"` (kept in `data/acknowledgements.jsonl`,
it survives rebuilds). To re-run the gate stricter, trigger with `{"fail_on": "error"}`.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pendulum
from airflow.sdk import (
    Asset,
    AssetOrTimeSchedule,
    CronTriggerTimetable,
    Param,
    dag,
    get_current_context,
    task,
)
from airflow.sdk.exceptions import AirflowFailException

from disclosure_etl.airflow_env import (
    ASSET_LOADED,
    TIMEZONE,
    WRITER_POOL,
    freshness_schedule,
    task_defaults,
)

MAX_LISTED = 50  # findings listed in a task log


def _schedule() -> Any:
    cron = freshness_schedule()
    if cron is None:
        return [Asset(ASSET_LOADED)]
    return AssetOrTimeSchedule(
        timetable=CronTriggerTimetable(cron, timezone=TIMEZONE), assets=[Asset(ASSET_LOADED)]
    )


@dag(
    dag_id="disclosure_checks",
    schedule=_schedule(),
    start_date=pendulum.datetime(2026, 1, 1, tz=TIMEZONE),
    catchup=False,
    max_active_runs=1,
    tags=["disclosure", "checks"],
    default_args=task_defaults(),
    params={
        "fail_on": Param(
            "new_error",
            enum=["never", "new_error", "error"],
            description="Red when: never | new_error (a new error finding or a check that "
            "could not run) | error (any open error finding).",
        )
    },
    doc_md=__doc__,
)
def disclosure_checks() -> None:
    @task(pool=WRITER_POOL, execution_timeout=timedelta(minutes=30))
    def check() -> dict[str, Any]:
        """Run the checks (all, or crawl.freshness alone on the time schedule) and store them."""
        from disclosure_etl import config, pipeline

        only = pipeline.checks_for(get_current_context()["dag_run"].run_type)
        result = pipeline.check(config.load(), only=only)
        print(f"checks of run {result['run_id']} ({'only ' + ', '.join(only) if only else 'all'}):"
              f" {result['counts']}")  # fmt: skip
        return {"run_id": result["run_id"], "only": list(only) if only else None}

    @task(pool=WRITER_POOL, execution_timeout=timedelta(minutes=30))
    def publish(summary: dict[str, Any]) -> str:
        """Publish the analysts' read-only snapshot (atomic rename)."""
        from disclosure_etl import config, pipeline

        path = pipeline.publish(config.load())
        print(f"published {path} (checks of run {summary['run_id']})")
        return str(path)

    @task(execution_timeout=timedelta(minutes=5))
    def notify(summary: dict[str, Any], published: str) -> list[str]:
        """Send the new error findings by e-mail / webhook (as configured)."""
        from disclosure_etl import config, pipeline

        only = tuple(summary["only"]) if summary["only"] else None
        sent = pipeline.notify_new_errors(config.load(), only)
        print(f"notified: {', '.join(sent)}" if sent else "nothing sent (nothing new, or no "
              "notify channel configured)")  # fmt: skip
        return sent

    @task(execution_timeout=timedelta(minutes=5), retries=0)
    def findings(summary: dict[str, Any], published: str) -> None:
        """Red or green by the `fail_on` param (see the DAG docs)."""
        from disclosure_etl import config, pipeline

        fail_on = get_current_context()["params"]["fail_on"]
        only = tuple(summary["only"]) if summary["only"] else None
        verdict = pipeline.findings_verdict(config.load(), fail_on, only)
        for f in verdict.findings[:MAX_LISTED]:
            where = " ".join(str(x) for x in (f.agency_id, f.report_year, f.scope) if x)
            print(f"  {f.status.upper():5} [{f.finding_key}] {f.check_id} {where}: {f.message}")
        if verdict.fail:
            raise AirflowFailException(
                f"run {summary['run_id']}: {verdict.reason}; results stored and published "
                f"({published}), see the Disclosure page"
            )
        print(f"run {summary['run_id']}: green — {verdict.reason}")

    summary = check()
    published = publish(summary)
    notify(summary, published)
    findings(summary, published)


disclosure_checks()
