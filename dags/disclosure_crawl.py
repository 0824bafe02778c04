"""
### disclosure_crawl — nightly harvest of the disclosure catalogs (02:00 Asia/Shanghai)

**What it does.** Opens a run in the raw archive (`start_run`), finds every district's gkmlpt
sub-sites (`discover`), splits them into crawl lanes (`plan_lanes`: whole hosts per lane, at
most `DISCLOSURE_CRAWL_LANES` lanes, default 2), crawls each lane in one mapped task
(`crawl_lane`, labelled with its hosts; pool `crawl`), harvests every district's portal
annual-report columns (`crawl_report_columns`, districts in parallel), then closes the run
manifest (`finish_crawl`). Inside a lane every host has its own thread that crawls the host's
sub-sites one after the other, so hosts run in parallel and each host sees a single polite
request stream (`min_interval_s`) without a pool per host; the hosts are found at run time,
so a new district needs no DAG change. Closing the run emits the asset
`disclosure://archive/crawled`, which starts **disclosure_reports** (parse + load), which in
turn starts **disclosure_checks**. Nothing is parsed here; every response body is archived
before it is used.

**What a failure means.**
- a red `crawl_lane [hosts]`: at least one sub-site of those hosts could not be harvested
  (blocked 412/521 challenge, robots.txt refusal, TLS failure, timeouts, an empty listing);
  its log has one `FAILED SITE agency_id: reason` line per such sub-site, and the lane's other
  sub-sites were still crawled. What it did fetch is archived; `finish_crawl` still runs,
  records the failure in the run manifest and emits the asset, so the
  other sites' data still reaches the warehouse. The run is then marked failed by
  `harvest_complete`, so the failure stays visible.
- a red `start_run` / `discover`: nothing (or nothing new) was harvested; usually the portal is
  unreachable or its layout changed (0 sub-sites discovered is an error, not a quiet success).
- a red `harvest_complete` alone: read `finish_crawl`'s log, it names the failed sites (and a
  district whose discovery or portal columns failed), each with its district.

**Killed tasks resume.** A `crawl_lane` task killed mid-way (a lost worker, SIGKILL, a
timeout) and retried carries on the same run: every answer it had archived is re-used, not
fetched again. A new DAG run after a failed one resumes the unfinished run when it is less
than 20 hours old (`start_run` returns it). The crawl reads the warehouse's knowledge from the
crawl state file that `parse` writes, never the published snapshot, so an analyst's open
session cannot fail it.

**What to do.** Open the failed task's log: the last lines name the URL, HTTP status and the
outcome (`blocked`, `robots_disallowed`, `network_error`, …). Transient errors: clear the task
(each request already retried with exponential backoff, and a 429 / Retry-After paused the
host); it resumes where it stopped. Blocked or TLS: see *docs/operations.md*
("a site is blocked"). The next nightly run catches up incrementally; no backfill is needed
(this DAG never uses the logical date, `catchup` is off).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pendulum
from airflow.sdk import Asset, dag, get_current_context, task
from airflow.sdk.exceptions import AirflowFailException

from disclosure_etl.airflow_env import (
    ASSET_CRAWLED,
    CRAWL_POOL,
    TIMEZONE,
    crawl_lanes_setting,
    crawl_schedule,
    lane_label,
    site_label,
    task_defaults,
)

CRAWLED = Asset(ASSET_CRAWLED)


@dag(
    dag_id="disclosure_crawl",
    schedule=crawl_schedule(),  # 02:00 Asia/Shanghai unless DISCLOSURE_CRAWL_SCHEDULE
    start_date=pendulum.datetime(2026, 1, 1, tz=TIMEZONE),
    catchup=False,
    max_active_runs=1,
    tags=["disclosure", "crawl"],
    default_args=task_defaults(),
    doc_md=__doc__,
    dagrun_timeout=timedelta(hours=8),
)
def disclosure_crawl() -> None:
    @task(execution_timeout=timedelta(minutes=5))
    def start_run() -> str:
        """Open a run in the raw archive (or resume a recent unfinished one); full relist or not."""
        from disclosure_etl import config, pipeline

        return pipeline.start_run(config.load())

    @task(execution_timeout=timedelta(minutes=30))
    def discover(crawl_run: str) -> list[dict[str, Any]]:
        """Find the gkmlpt sub-sites (configured + linked from the portal)."""
        from disclosure_etl import config, pipeline

        sites = pipeline.discover(config.load(), crawl_run)
        if not sites:
            raise AirflowFailException(
                "discovery found 0 sub-sites: the portal layout may have changed"
            )
        print(f"discovered {len(sites)} sub-sites: " + ", ".join(site_label(s) for s in sites))
        return sites

    @task(execution_timeout=timedelta(minutes=5))
    def plan_lanes(sites: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
        """Whole hosts per lane, at most DISCLOSURE_CRAWL_LANES lanes, balanced by sub-sites."""
        from disclosure_etl import pipeline

        lanes = pipeline.crawl_lanes(sites, crawl_lanes_setting())
        for lane in lanes:
            print(f"lane {lane_label(lane)}: " + ", ".join(site_label(s) for s in lane))
        return lanes

    @task(
        pool=CRAWL_POOL,
        map_index_template="{{ lane_label }}",
        execution_timeout=timedelta(hours=6),
    )
    def crawl_lane(crawl_run: str, sites: list[dict[str, Any]]) -> dict[str, Any]:
        """Harvest a lane's sub-sites (hosts in parallel, each host's sites in turn)."""
        from disclosure_etl import config, pipeline

        get_current_context()["lane_label"] = lane_label(sites)  # type: ignore[typeddict-unknown-key]
        outcome = pipeline.crawl_sites(config.load(), crawl_run, sites)
        for done in outcome.harvested:
            print(f"harvested {done['unit']}: {done['status']}, {done['requests']} requests")
        if outcome.failed:  # raised after every other sub-site of the lane was crawled
            raise pipeline.SiteHarvestError(
                f"{len(outcome.failed)} of {len(sites)} sub-site(s) failed: "
                + "; ".join(outcome.failed)
            )
        return outcome.to_json()

    @task(execution_timeout=timedelta(hours=1), trigger_rule="all_done")
    def crawl_report_columns(crawl_run: str) -> list[dict[str, Any]]:
        """Harvest every district's portal report columns, districts in parallel (runs even
        when a sub-site failed)."""
        from disclosure_etl import config, pipeline

        units = pipeline.crawl_portals(config.load(), crawl_run)
        for u in units:
            print(f"{u['unit']}: {u['status']}, {u['requests']} requests, {len(u['errors'])} errors")
        return units

    @task(execution_timeout=timedelta(minutes=10), trigger_rule="all_done", outlets=[CRAWLED])
    def finish_crawl(crawl_run: str) -> dict[str, Any]:
        """Close the run manifest (always runs) and emit disclosure://archive/crawled."""
        from disclosure_etl import config, pipeline

        outcome = pipeline.finish_crawl(config.load(), crawl_run)
        failed = outcome.get("failed_sites") or []
        print(
            f"run {outcome.get('run_id')} closed: status={outcome.get('status')}, "
            f"{len(failed)} failed site(s)"
        )
        for district, units in (outcome.get("failed_by_district") or {}).items():
            for unit in units:
                print(f"  FAILED SITE: {unit} (district {district})")
        return outcome

    @task(execution_timeout=timedelta(minutes=5), retries=0, trigger_rule="none_failed")
    def harvest_complete(outcome: dict[str, Any]) -> None:
        """Fail the DAG run when a sub-site could not be harvested (after it was recorded)."""
        failed = outcome.get("failed_sites") or []
        if failed:
            raise AirflowFailException(
                f"{len(failed)} sub-site(s) could not be harvested in run {outcome.get('run_id')}: "
                + "; ".join(str(f) for f in failed)
            )
        print(f"run {outcome.get('run_id')}: every sub-site harvested")

    crawl_run = start_run()  # our archive run id (never Airflow's logical date)
    discovered = discover(crawl_run)
    crawls = crawl_lane.partial(crawl_run=crawl_run).expand(sites=plan_lanes(discovered))
    columns = crawl_report_columns(crawl_run)
    crawls >> columns  # the portals share hosts with the sub-sites: after the crawl
    outcome = finish_crawl(crawl_run)
    [crawls, columns] >> outcome  # type: ignore[operator]
    gate = harvest_complete(outcome)
    # The gate also waits on every stage, so a failed discover or crawl turns the run red.
    [discovered, crawls, columns] >> gate  # type: ignore[operator]


disclosure_crawl()
