"""
### disclosure_crawl — nightly harvest of the disclosure catalogs (02:00 Asia/Shanghai)

**What it does.** Opens a run in the raw archive (`start_run`), finds the district's gkmlpt
sub-sites (`discover`), crawls each sub-site in its own mapped task (`crawl_site`, one map
index per sub-site, labelled with the agency name; each holds its host's politeness pool
`site_<host>`), harvests the portal's annual-report columns (`crawl_report_columns`), then
closes the run manifest (`finish_crawl`). Closing the run emits the asset
`disclosure://archive/crawled`, which starts **disclosure_reports** (parse + load), which in
turn starts **disclosure_checks**. Nothing is parsed here; every response body is archived
before it is used.

**What a failure means.**
- a red `crawl_site [agency]`: that sub-site could not be harvested (blocked 412/521 challenge,
  robots.txt refusal, TLS failure, timeouts, an empty listing). What it did fetch is archived;
  `finish_crawl` still runs, records the failure in the run manifest and emits the asset, so the
  other sites' data still reaches the warehouse. The run is then marked failed by
  `harvest_complete`, so the failure stays visible.
- a red `start_run` / `discover`: nothing (or nothing new) was harvested; usually the portal is
  unreachable or its layout changed (0 sub-sites discovered is an error, not a quiet success).
- a red `harvest_complete` alone: read `finish_crawl`'s log, it names the failed sites.

**Killed tasks resume.** A `crawl_site` task killed mid-way (a lost worker, SIGKILL, a
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

from disclosure_etl import config as _config
from disclosure_etl.airflow_env import (
    ASSET_CRAWLED,
    TIMEZONE,
    crawl_schedule,
    group_sites_by_host,
    host_task_suffix,
    site_hosts,
    site_label,
    task_defaults,
)

CRAWLED = Asset(ASSET_CRAWLED)

# Reading the YAML config is cheap (no network, no DuckDB): the hosts decide the mapped crawl
# tasks, because a pool cannot differ between map indexes of one task.
HOSTS = site_hosts(_config.load())


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
        group_sites_by_host(sites, HOSTS)  # every site must be on a host this DAG has a pool for
        print(f"discovered {len(sites)} sub-sites: " + ", ".join(site_label(s) for s in sites))
        return sites

    @task(execution_timeout=timedelta(minutes=5))
    def sites_on_host(sites: list[dict[str, Any]], host: str) -> list[dict[str, Any]]:
        """The discovered sub-sites on one host (only when the config names several hosts)."""
        return group_sites_by_host(sites, HOSTS)[host]

    @task(
        map_index_template="{{ site_label }}",
        execution_timeout=timedelta(hours=3),
    )
    def crawl_site(crawl_run: str, site: dict[str, Any]) -> dict[str, Any]:
        """Harvest one sub-site: listings, new/changed content pages, attachments."""
        from disclosure_etl import config, pipeline

        get_current_context()["site_label"] = site_label(site)  # type: ignore[typeddict-unknown-key]
        return pipeline.crawl_site(config.load(), crawl_run, site)

    @task(execution_timeout=timedelta(hours=1), trigger_rule="all_done")
    def crawl_report_columns(crawl_run: str) -> dict[str, Any]:
        """Harvest the portal's annual-report columns (runs even when a sub-site failed)."""
        from disclosure_etl import config, pipeline

        return pipeline.crawl_report_columns(config.load(), crawl_run)

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
        for f in failed:
            print(f"  FAILED SITE: {f}")
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
    crawls = []
    for host in HOSTS:
        crawl = crawl_site.override(pool=_config.host_pool(host))
        if len(HOSTS) == 1:
            host_sites = discovered
        else:  # one mapped crawl task per host: a pool cannot differ between map indexes
            suffix = host_task_suffix(host)
            host_sites = sites_on_host.override(task_id=f"sites_on_{suffix}")(discovered, host)
            crawl = crawl_site.override(task_id=f"crawl_site_{suffix}", pool=_config.host_pool(host))
        crawls.append(crawl.partial(crawl_run=crawl_run).expand(site=host_sites))
    columns = crawl_report_columns(crawl_run)
    crawls >> columns  # type: ignore[operator]
    outcome = finish_crawl(crawl_run)
    [*crawls, columns] >> outcome  # type: ignore[operator]
    gate = harvest_complete(outcome)
    # The gate also waits on every stage, so a failed discover or crawl turns the run red.
    [discovered, *crawls, columns] >> gate  # type: ignore[operator]


disclosure_crawl()
