"""The stages of one run (contract.md §1), shared by the CLI and the Airflow tasks.

A run is opened in the raw archive (`start_run`), its sub-sites discovered (`discover`),
each sub-site and the portal report columns harvested as separate units
(`crawl_site`, `crawl_report_columns`), and closed (`finish_crawl`). `parse` loads every
crawled run the warehouse has not loaded yet, from the archive alone; `check` runs the SQL
checks; `publish` snapshots the working database for analysts. `run` does all of it.
Every stage can be re-run and is idempotent.
"""

from __future__ import annotations

import logging
import secrets
import tempfile
import time
from collections.abc import Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from disclosure_etl import crawl as crawl_mod
from disclosure_etl import warehouse as wh
from disclosure_etl.archive import Archive
from disclosure_etl.config import Config, ConfigError, DistrictConfig, load_category_map
from disclosure_etl.http import PoliteClient
from disclosure_etl.models import DistrictRun, UnitOutcome
from disclosure_etl.progress import progress
from disclosure_etl.warehouse import findings
from disclosure_etl.warehouse.db import reading

log = logging.getLogger(__name__)
SHANGHAI = ZoneInfo("Asia/Shanghai")
#: the checks a time-scheduled run executes: is the pipeline still harvesting?
FRESHNESS_ONLY = ("crawl.freshness",)
#: an unfinished crawl younger than this is resumed by the next run (its archived answers
#: are re-used); an older one is left unloaded and a new run starts
RESUME_WITHIN = timedelta(hours=20)


class PipelineError(Exception):
    """The pipeline failed (exit code 1): a site could not be harvested, a stage crashed."""


class SiteHarvestError(PipelineError):
    """One sub-site could not be harvested; what it yielded is archived all the same."""


def archive_for(cfg: Config) -> Archive:
    return Archive(Path(cfg.data_dir) / "archive")


def new_run_id(now: datetime | None = None) -> str:
    """A sortable, unique run id such as ``20261127T020000Z-3fa2c1``."""
    now = now or datetime.now(UTC)
    return now.strftime("%Y%m%dT%H%M%SZ") + "-" + secrets.token_hex(3)


def readable_warehouse(cfg: Config) -> Path:
    """The database to read without writing: the published snapshot, which no process ever
    holds open for writing, else (before the first publish) the working database. The
    summary and `status` read it; the crawl never does (it reads `crawl_state`)."""
    return cfg.published_path if cfg.published_path.is_file() else Path(cfg.warehouse)


def crawl_state(cfg: Config) -> wh.CrawlState:
    """What the working warehouse knows, from the state file the last `parse` wrote."""
    return wh.read_crawl_state(wh.state_path(Path(cfg.warehouse)))


def resumable_run(cfg: Config, now: datetime | None = None) -> str | None:
    """The latest run whose crawl never finished (killed, a lost worker), when it started
    less than ``RESUME_WITHIN`` ago: the next run carries it on instead of starting afresh."""
    archive = archive_for(cfg)
    now = now or datetime.now(UTC)
    for run_id in reversed(archive.runs()):
        m = archive.read_run_manifest(run_id)
        if m is None:
            continue
        if m.get("crawled"):
            return None
        started = datetime.fromisoformat(m["started_at"])
        return run_id if now - started < RESUME_WITHIN else None
    return None


def _client(district: DistrictConfig, archive: Archive, run_id: str, unit: str) -> PoliteClient:
    """The client of one crawl unit: its district's http settings and hosts."""
    return PoliteClient(district.http, district.allowed_hosts, archive, run_id, unit)


def _max_bytes(district: DistrictConfig) -> int:
    return int(district.http.max_response_mb * 1024 * 1024)


def district_of(cfg: Config, site: dict[str, Any]) -> DistrictConfig:
    """The configured district a discovered site dict belongs to (a manifest written before
    districts existed names none: the config's only district)."""
    did = site.get("district_id")
    if did is None and len(cfg.districts) == 1:
        return cfg.districts[0]
    try:
        return cfg.district(str(did))
    except ConfigError as e:
        raise PipelineError(f"{site.get('agency_id')}: {e}") from e


def _manifest(cfg: Config, run_id: str) -> dict[str, Any]:
    m = archive_for(cfg).read_run_manifest(run_id)
    if m is None:
        raise PipelineError(f"run {run_id} was never started (no manifest in the archive)")
    return m


def start_run(cfg: Config, run_id: str | None = None, now: datetime | None = None) -> str:
    """Open a run in the archive and decide whether it is a full relist; or carry on the
    unfinished run a killed crawl left (`resumable_run`)."""
    now = now or datetime.now(UTC)
    if run_id is None and (resumed := resumable_run(cfg, now)) is not None:
        log.info("run %s: its crawl never finished; resuming it", resumed)
        return resumed
    run_id = run_id or new_run_id(now)
    archive = archive_for(cfg)
    existing = archive.read_run_manifest(run_id)
    if existing is not None:
        return run_id
    last_full = crawl_state(cfg).last_full_relist
    full = last_full is None or now - last_full >= timedelta(days=cfg.full_relist_every_days)
    archive.write_run_manifest(
        run_id,
        {
            "run_id": run_id,
            "started_at": now.isoformat(),
            "full_relist": bool(full),
            "status": "crawling",
            "config": cfg.source,
            "sites": [],
        },
    )
    log.info("run %s started (%s)", run_id, "full relist" if full else "incremental")
    return run_id


def discover(cfg: Config, run_id: str) -> list[dict[str, Any]]:
    """The sub-sites to harvest, district by district (unit ``DistrictConfig.discover_unit``):
    configured sites plus those linked from the discover pages, each carrying its
    ``district_id``/``district_name``. A district whose discovery fails (a discover page
    unreadable, or no sub-site at all) is recorded in the manifest (``districts``) and the
    others go on; PipelineError only when no district yields a sub-site."""
    archive = archive_for(cfg)
    manifest = _manifest(cfg, run_id)
    refs: dict[tuple[str, str], crawl_mod.SiteRef] = {}
    runs = [_discover_district(archive, run_id, d, refs) for d in cfg.districts]
    sites = [asdict(r) for r in refs.values()]
    manifest["sites"] = sites
    manifest["districts"] = [asdict(r) for r in runs]
    archive.write_run_manifest(run_id, manifest)
    if not refs:
        why = "; ".join(f"{r.id}: {r.discover_error}" for r in runs)
        raise PipelineError(f"no sub-site found: check `sites` and `discover` in the config ({why})")
    log.info("discovered %d sub-sites in %d districts", len(sites), len(runs))
    return sites


def _discover_district(
    archive: Archive, run_id: str, d: DistrictConfig, refs: dict[tuple[str, str], crawl_mod.SiteRef]
) -> DistrictRun:
    """Discover one district's sub-sites into ``refs`` (keyed by host and prefix: a site
    another district already claimed stays that district's). An agency id another
    district's site already has becomes ``<district id>.<agency id>`` (logged)."""
    run = _district_run(d)
    errors: list[str] = []
    try:
        with _client(d, archive, run_id, d.discover_unit) as client:
            found = crawl_mod.discover_sites(client, d)
        errors += found.page_errors
    except Exception as e:  # one district's broken portal must not stop the others
        log.exception("district %s: discovery crashed", d.id)
        found, errors = crawl_mod.Discovery([]), [f"discovery crashed: {e}"]
    taken = {r.agency_id for r in refs.values()}
    for ref in found.sites:
        key = (ref.host, ref.prefix)
        if key in refs:
            log.info("district %s: %s is already a site of district %s", d.id, ref.index_url,
                     refs[key].district_id)
            continue
        if ref.agency_id in taken:
            log.warning("district %s: agency id %s is taken by another district; using %s.%s",
                        d.id, ref.agency_id, d.id, ref.agency_id)
            ref.agency_id = f"{d.id}.{ref.agency_id}"
        refs[key] = ref
        taken.add(ref.agency_id)
        run.sites += 1
    if not run.sites:
        errors.append("no sub-site found: check its `sites` and `discover`")
    run.discover_error = "; ".join(errors) or None
    if run.discover_error:
        log.error("district %s: discovery failed: %s", d.id, run.discover_error)
    return run


def crawl_site(cfg: Config, run_id: str, site: dict[str, Any]) -> dict[str, Any]:
    """Harvest one sub-site into the archive. Raises SiteHarvestError when it failed."""
    archive = archive_for(cfg)
    manifest = _manifest(cfg, run_id)
    ref = crawl_mod.SiteRef(**site)
    district = district_of(cfg, site)
    known = crawl_state(cfg).known_items(ref.agency_id)
    try:
        with _client(district, archive, run_id, ref.agency_id) as client:
            outcome = crawl_mod.crawl_site(
                client,
                ref,
                known,
                full_relist=bool(manifest.get("full_relist")),
                max_attachment_bytes=_max_bytes(district),
            )
    except crawl_mod.SiteHarvestError as e:
        raise SiteHarvestError(f"{ref.agency_id}: {e}") from e
    return _unit_summary(ref.agency_id, outcome)


def crawl_report_columns(cfg: Config, run_id: str, district_id: str | None = None) -> dict[str, Any]:
    """Harvest the portal annual-report columns of one district (its unit
    ``DistrictConfig.portal_unit``), or of every district in turn when ``district_id`` is
    None; then the summary lists each district's unit under ``units``."""
    manifest = _manifest(cfg, run_id)
    known_urls = set(crawl_state(cfg).report_urls)
    districts = [cfg.district(district_id)] if district_id else list(cfg.districts)
    summaries = [_crawl_portal(cfg, run_id, d, known_urls, manifest) for d in districts]
    if len(summaries) == 1:
        return summaries[0]
    worst = next((s for s in ("error", "partial") if any(u["status"] == s for u in summaries)), "ok")
    return {"unit": "_portal.*", "status": worst, "requests": sum(u["requests"] for u in summaries),
            "errors": [e for u in summaries for e in u["errors"]], "units": summaries}


def _crawl_portal(
    cfg: Config, run_id: str, d: DistrictConfig, known_urls: set[str], manifest: dict[str, Any]
) -> dict[str, Any]:
    with _client(d, archive_for(cfg), run_id, d.portal_unit) as client:
        outcome = crawl_mod.crawl_report_columns(
            client, d, known_urls, full_relist=bool(manifest.get("full_relist"))
        )
    return _unit_summary(d.portal_unit, outcome)


def _unit_summary(unit: str, outcome: UnitOutcome) -> dict[str, Any]:
    """What a crawl task returns (JSON, an Airflow XCom): status, requests, errors."""
    doc = outcome.to_json()
    return {"unit": unit, **{k: doc[k] for k in ("status", "requests", "errors")}}


def district_runs(cfg: Config, manifest: dict[str, Any]) -> list[DistrictRun]:
    """The districts of a run: as its manifest recorded them at discovery, else (a run
    discovered before districts existed) the config's."""
    if manifest.get("districts"):
        return [DistrictRun.from_json(d) for d in manifest["districts"]]
    return [_district_run(d) for d in cfg.districts]


def _district_run(d: DistrictConfig) -> DistrictRun:
    return DistrictRun(d.id, d.name, d.discover_unit, d.portal_unit, bool(d.report_columns),
                       d.implicit)


def finish_crawl(cfg: Config, run_id: str, now: datetime | None = None) -> dict[str, Any]:
    """Close the run: record which units succeeded, per district (``failed_by_district``).
    Failed units are listed, not hidden: a district's failed discovery, its failed sites,
    its failed portal unit (when it configures report columns). The run is ``failed`` when
    no sub-site was harvested, ``partial`` when some unit failed."""
    archive = archive_for(cfg)
    manifest = _manifest(cfg, run_id)
    districts = district_runs(cfg, manifest)

    def ok(unit: str) -> bool:
        outcome = archive.read_unit_outcome(run_id, unit)
        return outcome is not None and outcome.get("status") in ("ok", "partial")

    by_district: dict[str, list[str]] = {d.id: [] for d in districts}
    sites = manifest.get("sites", [])
    failed_sites = [s["agency_id"] for s in sites if not ok(s["agency_id"])]
    for d in districts:
        own = [s["agency_id"] for s in sites
               if (s.get("district_id") or districts[0].id) == d.id and s["agency_id"] in failed_sites]
        by_district[d.id] = ([d.discover_unit] if d.discover_error else []) + own + (
            [d.portal_unit] if d.has_report_columns and not ok(d.portal_unit) else [])
    failed = [u for units in by_district.values() for u in units]
    manifest["finished_at"] = (now or datetime.now(UTC)).isoformat()
    manifest["failed_units"] = failed
    manifest["failed_by_district"] = by_district
    manifest["status"] = (
        "success" if not failed else ("failed" if len(failed_sites) >= len(sites) else "partial")
    )
    manifest["crawled"] = True
    archive.write_run_manifest(run_id, manifest)
    log.info("run %s crawled: %s (%d failed units)", run_id, manifest["status"], len(failed))
    return {"run_id": run_id, "status": manifest["status"], "failed_sites": failed,
            "failed_by_district": {k: v for k, v in by_district.items() if v}}


@dataclass
class SitesOutcome:
    """What crawling a group of sub-sites gave: one summary per harvested site, and one
    message per site that could not be harvested (``agency_id: reason``)."""

    harvested: list[dict[str, Any]] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {"harvested": self.harvested, "failed": self.failed}


def sites_by_host(sites: Iterable[Mapping[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """The discovered sub-sites grouped by host (``host[:port]``), in discovery order."""
    groups: dict[str, list[dict[str, Any]]] = {}
    for site in sites:
        groups.setdefault(str(site["host"]).lower(), []).append(dict(site))
    return groups


def crawl_lanes(sites: Iterable[Mapping[str, Any]], lanes: int) -> list[list[dict[str, Any]]]:
    """Split the sub-sites into at most ``lanes`` groups that keep each host whole (so one
    process holds a host's politeness clock), balanced by sub-site count (largest host first
    onto the lightest lane). Each lane is one crawl task of the Airflow DAG."""
    hosts = sorted(sites_by_host(sites).values(), key=len, reverse=True)
    out: list[list[dict[str, Any]]] = [[] for _ in range(max(1, min(lanes, len(hosts))))]
    for group in hosts:
        min(out, key=len).extend(group)
    return [lane for lane in out if lane]


def crawl_sites(cfg: Config, run_id: str, sites: Iterable[Mapping[str, Any]]) -> SitesOutcome:
    """Harvest sub-sites: one thread per host, each crawling its host's sub-sites in turn, so
    the hosts proceed in parallel and every host sees one polite request stream. A failed
    sub-site is logged and listed; the others go on."""
    result = SitesOutcome()

    def one_host(host_sites: list[dict[str, Any]]) -> None:
        for site in host_sites:
            try:
                result.harvested.append(crawl_site(cfg, run_id, site))
            except SiteHarvestError as e:
                log.error("FAILED SITE %s", e)
                result.failed.append(str(e))

    groups = list(sites_by_host(sites).values())
    with ThreadPoolExecutor(max_workers=max(1, len(groups)), thread_name_prefix="host") as pool:
        for future in [pool.submit(one_host, g) for g in groups]:
            future.result()  # re-raise a crash that is not a site failure
    return result


def crawl_portals(cfg: Config, run_id: str) -> list[dict[str, Any]]:
    """Harvest every district's portal report columns (`crawl_report_columns`), one thread
    per district: the portals are on the districts' own hosts, so they proceed in parallel
    while the per-host clock keeps each host polite. Only districts that name report
    columns or discover pages (which may link report columns) have a portal unit."""
    ids = [d.id for d in cfg.districts if d.report_columns or d.discover]
    with ThreadPoolExecutor(max_workers=max(1, len(ids)), thread_name_prefix="portal") as pool:
        return list(pool.map(lambda did: crawl_report_columns(cfg, run_id, did), ids))


def crawl(cfg: Config, run_id: str | None = None) -> dict[str, Any]:
    """Every crawl unit of one run, in this process (hosts in parallel, see `crawl_sites`
    and `crawl_portals`). Failed sites and failed districts do not stop the others."""
    run_id = start_run(cfg, run_id)
    crawl_sites(cfg, run_id, discover(cfg, run_id))
    crawl_portals(cfg, run_id)
    return finish_crawl(cfg, run_id)


def parse(cfg: Config, rebuild: bool = False) -> dict[str, Any]:
    """Load every crawled, not yet loaded run from the archive into the working warehouse.

    With ``rebuild`` the derived tables are emptied and every archived run replayed in
    order: the network is never used. A large run is read in ``parse_workers`` processes
    and its rows spill to a temporary directory beside the warehouse until they are loaded
    (`parse.build_batch`). ``build_s``/``load_s`` (per run and in total) are the
    seconds spent reading the archive into rows and loading the rows into DuckDB.
    """
    from disclosure_etl.parse import build_batch

    archive = archive_for(cfg)
    spill_root = Path(cfg.warehouse).parent
    spill_root.mkdir(parents=True, exist_ok=True)
    con = wh.connect(Path(cfg.warehouse))
    loaded: list[dict[str, Any]] = []
    build_s = load_s = 0.0
    try:
        if rebuild:
            wh.reset_derived(con)
        todo = [r for r in archive.runs() if not wh.is_loaded(con, r)]
        with progress("parse: archived runs", total=len(todo)) as bar:
            for run_id in todo:
                bar.advance()
                manifest = archive.read_run_manifest(run_id) or {}
                if not manifest.get("crawled"):
                    log.warning(
                        "run %s: its crawl never finished (no finish_crawl); not loaded yet"
                        " (the next crawl resumes it if it is recent)", run_id
                    )
                    continue
                t0 = time.perf_counter()
                # the batch spills to Parquet beside the warehouse: memory stays flat
                with tempfile.TemporaryDirectory(prefix=".parse-", dir=spill_root) as spill:
                    batch = build_batch(archive, run_id, con, workers=cfg.parse_workers,
                                        spill_dir=Path(spill))
                    t1 = time.perf_counter()
                    result = wh.load_run(con, batch)
                    del batch  # the next run's batch is built without this one in memory
                times = {"build_s": round(t1 - t0, 2), "load_s": round(time.perf_counter() - t1, 2)}
                build_s += times["build_s"]
                load_s += times["load_s"]
                loaded.append({"run_id": run_id, **result, **times})
                log.info("loaded run %s (build %.1f s: archive → rows, load %.1f s: rows → "
                         "DuckDB): %s", run_id, times["build_s"], times["load_s"], result)
        wh.refresh_reconciliation(con, load_category_map(cfg), cfg.reconcile,
                                  {d.id: load_category_map(d) for d in cfg.districts})
        findings.load_acknowledgements(con, acknowledgements_path(cfg))
        wh.write_crawl_state(con, wh.state_path(Path(cfg.warehouse)))
    finally:
        con.close()
    return {"loaded": loaded, "build_s": round(build_s, 2), "load_s": round(load_s, 2)}


def today_shanghai(now: datetime | None = None) -> date:
    return (now or datetime.now(UTC)).astimezone(SHANGHAI).date()


def check(
    cfg: Config,
    today: date | None = None,
    only: tuple[str, ...] | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """Run every SQL check for the latest loaded run and store the results.

    With ``only`` (e.g. ``FRESHNESS_ONLY``) just those checks run, under a run id of their
    own (``freshness-<UTC stamp>``): a check run on a time schedule, with no new crawl, is a
    run of that check and leaves the other checks' latest results alone."""
    con = wh.connect(Path(cfg.warehouse))
    try:
        rows = con.execute("SELECT run_id FROM runs ORDER BY started_at DESC LIMIT 1").fetchall()
        run_id = rows[0][0] if rows else None
        if run_id is None:
            raise PipelineError("nothing to check: no run has been loaded (run `parse` first)")
        at = (now or datetime.now(UTC)).astimezone(UTC)
        if only is not None:
            kind = "freshness" if tuple(only) == FRESHNESS_ONLY else "checks"
            run_id = f"{kind}-{new_run_id(at)}"
        findings.load_acknowledgements(con, acknowledgements_path(cfg))
        result = wh.run_checks(
            con, run_id, today=today or today_shanghai(at), now=now, config=cfg.checks, only=only
        )
        warnings = _findings(con, run_id, "warn")
    finally:
        con.close()
    counts = {k: result.get(k, 0) for k in ("pass", "warn", "fail", "error", "skip")}
    # what makes the run red: failed error-severity checks and checks that could not run
    errors = result.get("failed", []) + result.get("errors", [])
    return {"run_id": run_id, "counts": counts, "errors": errors, "warnings": warnings}


def run_freshness(cfg: Config, now: datetime | None = None) -> dict[str, Any]:
    """Run ``crawl.freshness`` alone, without a crawl or load, and store its rows.

    For a time schedule: a pipeline that stopped loading is flagged all the same. The rows
    go under their own run id ``freshness-<UTC time>`` (no ``runs`` row, so
    ``latest_check_results`` keeps showing the latest loaded run's checks)."""
    return check(cfg, only=FRESHNESS_ONLY, now=now)


def checks_for(run_type: object) -> tuple[str, ...] | None:
    """The checks an Airflow run of the checks DAG executes: a time-scheduled run checks
    freshness only (is the pipeline still harvesting?); asset-triggered and manual runs
    check everything (None)."""
    value = getattr(run_type, "value", run_type)  # Airflow's DagRunType is a str Enum
    return FRESHNESS_ONLY if value == "scheduled" else None


def acknowledgements_path(cfg: Config) -> Path:
    """The append-only acknowledgements file of the data dir."""
    return findings.acknowledgements_path(cfg.data_dir)


def findings_verdict(
    cfg: Config,
    fail_on: str,
    check_ids: tuple[str, ...] | None = None,
    path: Path | None = None,
) -> findings.Verdict:
    """Red or green for the latest checks, read from ``path`` (default: the published
    snapshot, which takes no lock)."""
    with reading(path or readable_warehouse(cfg)) as con:
        return findings.verdict(con, fail_on, check_ids)


def notify_new_errors(cfg: Config, check_ids: tuple[str, ...] | None = None) -> list[str]:
    """Send the new error findings of the latest checks to the configured channels;
    returns where they went (empty when nothing was new or no channel is configured)."""
    from disclosure_etl import notify

    with reading(readable_warehouse(cfg)) as con:
        new = findings.new_error_findings(con, check_ids)
    return notify.send(notify.load_config(cfg), new)


def _findings(con: Any, run_id: str, status: str) -> list[dict[str, Any]]:
    cols = ("check_id", "severity", "status", "agency_id", "report_year", "message")
    rows = con.execute(
        f"SELECT {', '.join(cols)} FROM check_results WHERE run_id = ? AND status = ? "
        "ORDER BY check_id, agency_id, report_year",
        [run_id, status],
    ).fetchall()
    return [dict(zip(cols, r, strict=True)) for r in rows]


def publish(cfg: Config) -> str:
    """Snapshot the working warehouse for analysts (atomic rename), with the Parquet export
    of every analyst view beside it. A failed export raises PipelineError after the snapshot
    itself was published (the previous Parquet set stays in place)."""
    working = Path(cfg.warehouse)
    if not working.is_file():
        raise PipelineError(f"nothing to publish: {working} does not exist")
    try:
        return str(wh.publish(working, cfg.published_path, cfg.publish.keep_snapshots))
    except wh.ExportError as e:
        raise PipelineError(str(e)) from e


def summary_lines(cfg: Config) -> list[str]:
    """Reported vs posted, one line per agency and report year (from the published file)."""
    return wh.summary_lines(readable_warehouse(cfg))


def unloaded_runs(cfg: Config) -> list[str]:
    """Runs whose crawl finished but that the warehouse has not loaded (per the crawl state):
    e.g. a `run` killed during its parse."""
    archive = archive_for(cfg)
    loaded = crawl_state(cfg).loaded_runs
    return [r for r in archive.runs()
            if r not in loaded and (archive.read_run_manifest(r) or {}).get("crawled")]


def run(cfg: Config) -> dict[str, Any]:
    """The whole run of contract.md §1. Raises PipelineError after publishing when a site failed.

    Archived work a previous run never loaded (killed during its parse) is loaded first, so
    this run's crawl knows it and fetches none of it again."""
    if pending := unloaded_runs(cfg):
        log.info("loading %d crawled run(s) not yet in the warehouse first: %s",
                 len(pending), ", ".join(pending))
        parse(cfg)
    crawled = crawl(cfg)
    parsed = parse(cfg)
    checked = check(cfg)
    published = publish(cfg)
    result = {"crawl": crawled, "parse": parsed, "check": checked, "published": published}
    if crawled["failed_sites"]:
        raise PipelineError(
            "could not harvest: " + ", ".join(crawled["failed_sites"]) + " (the rest was loaded)"
        )
    return result
