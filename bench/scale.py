"""Province scale through the Celery deployment: a first full crawl, then an unchanged night.

The replica ``province`` scenario (one host per district, lazy worlds) is served from a child
process of its own; the DAGs run on the same deployment as ``make test-distributed``
(:class:`disclosure_etl.celery_stack.CeleryStack`: local Postgres + Redis, scheduler,
dag-processor, api-server, two Celery workers). Each phase triggers ``disclosure_crawl`` over
the REST API and follows the asset chain through ``disclosure_reports`` and
``disclosure_checks``. Printed per phase:

* requests (server side, total and per host), wall time of the crawl DAG run and of the whole
  chain, requests/host/s against ``1 / min_interval_s``;
* the politeness bounds: the busiest host's ``requests × min_interval_s`` and the sum over
  hosts, and the crawl wall time's ratio to each (goal: wall ≈ busiest host, far below sum);
* peak memory of each Celery worker's process tree (psutil, sampled every 0.5 s: PSS sum,
  RSS sum, largest process; goal < 1 GiB);
* the DuckDB file size, the ``parse`` task (parse + load; its build and load seconds as the
  task returned them) and ``check`` task times, and the full check suite re-run in this
  process afterwards (goal: load + checks < 60 s);
* the full crawl runs at ``--min-interval`` (0.01 s: as fast as 2 cores serve and crawl),
  the night at ``--nightly-interval`` (0.5 s; a real site's default is 1 s), so that the
  night's politeness bound is not lost in task overhead;
* nightly only: requests against the budget ``sub-sites + leaf categories + report-column
  pages + discovery pages + robots.txt (one per crawl unit)`` (nothing changed, so no
  content page is due).

    .venv/bin/python bench/scale.py --districts 3 --items 50000     # minutes
    .venv/bin/python bench/scale.py --keep /work/bench1m            # 21 districts, >= 1M items
    .venv/bin/python bench/scale.py --reparse /work/bench1m         # parse + checks again

``--reparse DIR`` crawls nothing: it removes the warehouse of a directory kept by ``--keep``
and runs ``disclosure_reports`` and ``disclosure_checks`` again through a fresh Celery
deployment, so a parse or load change is measured at full scale without the crawl.

Needs the local Postgres and Redis of ``make test-distributed``.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import multiprocessing as mp
import shutil
import sys
import tempfile
import threading
import time
import urllib.error
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any

import psutil
import yaml

from disclosure_etl import config, pipeline
from disclosure_etl.celery_stack import CeleryStack
from disclosure_etl.replica.province import Province, ProvinceParams

log = logging.getLogger("bench.scale")
GIB = 1024**3


def province_params(districts: int, items: int, sites: tuple[int, int]) -> ProvinceParams:
    """The full-scale shape (``ProvinceParams.full``) with ``districts`` districts and the
    item ranges scaled so the province holds about ``items`` items (at least that many)."""
    params = replace(ProvinceParams.full(districts), sites=sites)
    for _ in range(4):
        total = Province(params).total_items
        if total >= items and total < items * 1.1:
            break
        f = items / total * 1.02

        def scaled(r: tuple[int, int], f: float = f) -> tuple[int, int]:
            return max(1, round(r[0] * f)), max(1, round(r[1] * f))

        params = replace(params, root_items=scaled(params.root_items),
                         site_items=scaled(params.site_items))
    return params


def _serve(params: ProvinceParams, conn: Any) -> None:
    """Child process: serve the province; answer "counts" with the requests per district."""
    from disclosure_etl.replica.province import ProvinceServer

    with ProvinceServer(params=params, log_limit=0) as prov:
        conn.send({"config": prov.config_dict(),
                   "hosts": {d.id: d.base_url.split("//", 1)[1] for d in prov.districts}})
        while conn.recv() == "counts":
            conn.send(prov.request_counts())


@dataclass
class MemorySampler:
    """Peak memory of each Celery worker's whole process tree (the worker, its pool
    children, every task supervisor and task process), sampled in a thread: the sum of
    PSS (shared pages counted once, split between the processes sharing them), the sum of
    RSS (shared pages counted in every process: an upper bound) and the largest RSS of any
    one process of the tree."""

    procs: dict[str, int]  # worker name -> pid
    every_s: float = 0.5
    pss: dict[str, int] = field(default_factory=dict)
    rss: dict[str, int] = field(default_factory=dict)
    one: dict[str, int] = field(default_factory=dict)
    one_cmd: dict[str, str] = field(default_factory=dict)  # the largest process's command line
    _stop: threading.Event = field(default_factory=threading.Event)

    def _sample(self, name: str, pid: int) -> None:
        try:
            root = psutil.Process(pid)
            tree = [root, *root.children(recursive=True)]
        except psutil.NoSuchProcess:
            return
        pss = rss = 0
        for p in tree:
            with contextlib.suppress(psutil.NoSuchProcess, psutil.AccessDenied):
                m = p.memory_full_info()
                pss, rss = pss + m.pss, rss + m.rss
                if m.rss > self.one.get(name, 0):
                    self.one[name], self.one_cmd[name] = m.rss, " ".join(p.cmdline())
        self.pss[name] = max(self.pss.get(name, 0), pss)
        self.rss[name] = max(self.rss.get(name, 0), rss)

    def _run(self) -> None:
        while not self._stop.wait(self.every_s):
            for name, pid in self.procs.items():
                self._sample(name, pid)

    def __enter__(self) -> MemorySampler:
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def _seconds(ti_or_run: dict[str, Any]) -> float:
    start, end = ti_or_run.get("start_date"), ti_or_run.get("end_date")
    if not start or not end:
        return float("nan")
    return (datetime.fromisoformat(end) - datetime.fromisoformat(start)).total_seconds()


def _task_seconds(stack: CeleryStack, dag_id: str, run: dict[str, Any], task_id: str) -> float:
    """The longest try of ``task_id`` (of its map indexes) in ``run``."""
    tis = stack.api.task_instances(dag_id, run["dag_run_id"])
    return max((_seconds(t) for t in tis if t["task_id"] == task_id), default=float("nan"))


def _parse_result(stack: CeleryStack, run: dict[str, Any]) -> dict[str, Any]:
    """What the ``parse`` task returned (``pipeline.parse``: ``build_s``, ``load_s``, …)."""
    try:
        value = stack.api.task_result("disclosure_reports", run["dag_run_id"], "parse")
    except urllib.error.HTTPError as e:
        print(f"parse task result unavailable: {e}", file=sys.stderr)
        return {}
    return value if isinstance(value, dict) else {}


def _budget(cfg: config.Config, run_id: str) -> dict[str, int]:
    """What an unchanged night may cost, from the run's own manifest and unit outcomes."""
    archive = pipeline.archive_for(cfg)
    manifest = archive.read_run_manifest(run_id) or {}
    sites = manifest.get("sites", [])
    leaves = sum(len((archive.read_unit_outcome(run_id, s["agency_id"]) or {}).get("listings", []))
                 for s in sites)
    portals = sum(1 for d in cfg.districts if d.report_columns or d.discover)
    discovers = len(cfg.districts)
    return {"sub-sites": len(sites), "leaf categories": leaves,
            "report-column pages": sum(len(d.report_columns) for d in cfg.districts),
            # a district's discover pages are read by its discover and its portal unit
            "discovery pages": sum(len(d.discover) * 2 for d in cfg.districts),
            # robots.txt is read once per host by each crawl unit's client
            "robots.txt (one per crawl unit)": len(sites) + portals + discovers}


def run_phase(name: str, stack: CeleryStack, cfg: config.Config, conn: Any,
              hosts: dict[str, str], timeout: float) -> dict[str, Any]:
    """One nightly chain through Celery; prints and returns its figures."""
    conn.send("counts")
    before = conn.recv()
    pids = {n: p.pid for n, p in stack.procs.items() if n.startswith("worker-")}
    t0 = time.monotonic()
    with MemorySampler(pids) as mem:
        runs = stack.api.nightly(timeout)
    chain_s = time.monotonic() - t0
    conn.send("counts")
    after = conn.recv()
    per_host = {d: after[d] - before.get(d, 0) for d in after}
    crawl = runs["disclosure_crawl"]
    crawl_s = _seconds(crawl)
    lanes_s = _task_seconds(stack, "disclosure_crawl", crawl, "crawl_lane")
    interval = cfg.http.min_interval_s
    total = sum(per_host.values())
    busiest = max(per_host.values()) * interval
    summed = total * interval
    states = {d: r["state"] for d, r in runs.items()}
    print(f"\n== {name}: DAG runs {states}")
    print(f"{name}: {total:,} requests over {len(per_host)} hosts; per host: "
          + ", ".join(f"{d} {n:,}" for d, n in sorted(per_host.items())))
    print(f"{name}: crawl DAG wall {crawl_s:.1f}s (longest crawl_lane {lanes_s:.1f}s), "
          f"whole chain {chain_s:.1f}s")
    rate = max(per_host.values()) / crawl_s if crawl_s else float("nan")
    print(f"{name}: busiest host {rate:.1f} requests/s over the crawl wall vs 1/min_interval_s "
          f"= {1 / interval:.0f}/s ({rate * interval:.2f} of the ceiling)")
    print(f"{name}: politeness bound busiest host {busiest:.1f}s, sum over hosts {summed:.1f}s; "
          f"crawl wall / busiest {crawl_s / busiest:.2f} (longest lane / busiest "
          f"{lanes_s / busiest:.2f}), crawl wall / sum {crawl_s / summed:.3f}")
    print_memory_and_load(name, stack, cfg, runs, mem)
    return {"per_host": per_host, "total": total, "crawl_s": crawl_s, "runs": runs}


def print_memory_and_load(name: str, stack: CeleryStack, cfg: config.Config,
                          runs: dict[str, dict[str, Any]], mem: MemorySampler) -> None:
    """Peak memory per worker, the DuckDB file, and the parse (build, load) and check tasks
    of a phase's DAG runs."""
    tasks = {t["id"]: t["task_id"] for dag_id, r in runs.items()
             for t in stack.api.task_instances(dag_id, r["dag_run_id"])}
    for w in sorted(mem.pss):
        cmd = mem.one_cmd.get(w, "")
        what = next((f"task {tasks[ti]}" for ti in tasks if ti in cmd), cmd[:60])
        print(f"{name}: {w} peak memory (process tree): PSS {mem.pss[w] / 2**20:,.0f} MiB "
              f"({'<' if mem.pss[w] < GIB else 'OVER'} 1 GiB), RSS sum {mem.rss[w] / 2**20:,.0f} "
              f"MiB, largest process RSS {mem.one[w] / 2**20:,.0f} MiB ({what})")
    parse_s = _task_seconds(stack, "disclosure_reports", runs["disclosure_reports"], "parse")
    check_s = _task_seconds(stack, "disclosure_checks", runs["disclosure_checks"], "check")
    size = Path(cfg.warehouse).stat().st_size
    parsed = _parse_result(stack, runs["disclosure_reports"])
    print(f"{name}: DuckDB {size / 2**20:,.1f} MiB; parse task (parse + load) {parse_s:.1f}s "
          f"(build: archive → rows {parsed.get('build_s', float('nan')):.1f}s, load: rows → "
          f"DuckDB {parsed.get('load_s', float('nan')):.1f}s), check task {check_s:.1f}s")


def reparse_phase(stack: CeleryStack, cfg: config.Config, timeout: float) -> None:
    """``disclosure_reports`` then ``disclosure_checks`` on a kept bench directory whose
    warehouse was removed: every archived run (the full crawl, then the night) is parsed and
    loaded again by the code of this checkout, through the Celery deployment."""
    pids = {n: p.pid for n, p in stack.procs.items() if n.startswith("worker-")}
    t0 = time.monotonic()
    with MemorySampler(pids) as mem:
        reports = stack.api.wait_run("disclosure_reports", stack.api.trigger("disclosure_reports"),
                                     timeout)
        checks = stack.api.wait_run_after("disclosure_checks", reports["start_date"], timeout)
    runs = {"disclosure_reports": reports, "disclosure_checks": checks}
    print(f"\n== reparse: DAG runs { {d: r['state'] for d, r in runs.items()} }, "
          f"whole chain {time.monotonic() - t0:.1f}s")
    for run in _parse_result(stack, reports).get("loaded", []):
        print(f"reparse: run {run.get('run_id')}: build {run.get('build_s')}s, "
              f"load {run.get('load_s')}s ({run.get('new')} new items, {run.get('reports')} reports)")
    print_memory_and_load("reparse", stack, cfg, runs, mem)


def reparse(root: Path, args: argparse.Namespace) -> int:
    """``--reparse DIR``: the parse and check phases again on a kept directory (no crawl)."""
    cfg_path = root / "province.yaml"
    cfg = config.load(cfg_path)
    for p in Path(cfg.warehouse).parent.glob(Path(cfg.warehouse).name + "*"):
        shutil.rmtree(p) if p.is_dir() else p.unlink()
    # its own metadata database and Redis db: a full bench may be running beside it
    stack = CeleryStack(root / "airflow", cfg_path, db_name="disclosure_airflow_reparse",
                        redis_db=9, concurrency=args.concurrency, crawl_lanes=args.lanes)
    with stack:
        reparse_phase(stack, cfg, args.timeout)
    checks_s = checks_in_process(cfg)
    print(f"checks: full suite in this process {checks_s:.1f}s (goal: parse-load + checks < 60s)")
    return 0


def checks_in_process(cfg: config.Config) -> float:
    """The full check suite once more, in this process, on the working DuckDB (workers idle)."""
    t0 = time.perf_counter()
    pipeline.check(cfg)
    return time.perf_counter() - t0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--districts", type=int, default=21, help="districts = hosts (default 21)")
    ap.add_argument("--items", type=int, default=1_000_000, help="items in the province")
    ap.add_argument("--sites", type=int, nargs=2, default=(20, 40), metavar=("LO", "HI"),
                    help="sub-sites per district (inclusive range)")
    ap.add_argument("--min-interval", type=float, default=0.01,
                    help="http.min_interval_s of the full crawl (default 0.01: CPU-bound here)")
    ap.add_argument("--nightly-interval", type=float, default=0.5,
                    help="http.min_interval_s of the nightly run (default 0.5; a real site's "
                         "default is 1.0): at 0.01 s the night is all task overhead")
    ap.add_argument("--lanes", type=int, default=2, help="crawl lanes (crawl pool slots)")
    ap.add_argument("--concurrency", type=int, default=2, help="slots per Celery worker")
    ap.add_argument("--timeout", type=float, default=6 * 3600, help="per DAG run, seconds")
    ap.add_argument("--keep", type=Path, help="keep the data and Airflow home here")
    ap.add_argument("--reparse", type=Path, metavar="DIR",
                    help="no crawl: parse and check again, through Celery, the archive of a "
                         "directory kept by --keep (its warehouse is removed first)")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if args.reparse:
        return reparse(args.reparse, args)
    t_start = time.perf_counter()
    params = province_params(args.districts, args.items, tuple(args.sites))
    prov = Province(params)
    print(f"province: {params.districts} districts (hosts), {prov.total_sites} sub-sites, "
          f"{prov.total_items:,} items; min_interval_s {args.min_interval}, "
          f"(nightly {args.nightly_interval}), {args.lanes} crawl lanes, 2 workers × "
          f"{args.concurrency} slots")
    root = args.keep or Path(tempfile.mkdtemp(prefix="bench-scale-"))
    root.mkdir(parents=True, exist_ok=True)
    parent, child = mp.Pipe()
    server = mp.get_context("spawn").Process(target=_serve, args=(params, child), daemon=True)
    server.start()
    try:
        info = parent.recv()
        doc = info["config"]
        doc["http"].update({"min_interval_s": args.min_interval, "timeout_s": 60, "retries": 4})
        doc.update({"data_dir": str(root / "data"), "warehouse": str(root / "data" / "warehouse.duckdb")})
        cfg_path = root / "province.yaml"
        cfg = _write_config(cfg_path, doc)
        stack = CeleryStack(root / "airflow", cfg_path, db_name="disclosure_airflow_bench",
                            redis_db=8, concurrency=args.concurrency, crawl_lanes=args.lanes)
        with stack:
            full = run_phase("full", stack, cfg, parent, info["hosts"], args.timeout)
            # every task reads the config file when it starts: the night is politer
            doc["http"]["min_interval_s"] = args.nightly_interval
            cfg = _write_config(cfg_path, doc)
            nightly = run_phase("nightly", stack, cfg, parent, info["hosts"], args.timeout)
        report_budget(cfg, full, nightly)
        checks_s = checks_in_process(cfg)
        print(f"checks: full suite in this process {checks_s:.1f}s (goal: parse-load + checks < 60s)")
    finally:
        parent.send("stop")
        server.join(timeout=30)
        if args.keep is None:
            shutil.rmtree(root, ignore_errors=True)
    print(f"bench total: {time.perf_counter() - t_start:.0f}s")
    return 0


def _write_config(path: Path, doc: dict[str, Any]) -> config.Config:
    path.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return config.load(path)


def report_budget(cfg: config.Config, full: dict[str, Any], nightly: dict[str, Any]) -> None:
    """The nightly request budget against what the nightly run asked for."""
    runs = pipeline.archive_for(cfg).runs()
    budget = _budget(cfg, runs[-1])
    allowed = sum(budget.values())
    print(f"\nnightly budget: {' + '.join(f'{v:,} {k}' for k, v in budget.items())} = {allowed:,}; "
          f"nightly requests {nightly['total']:,} "
          f"({'within' if nightly['total'] <= allowed else 'OVER'} budget); "
          f"full/nightly {full['total'] / max(1, nightly['total']):,.0f}×")


if __name__ == "__main__":
    sys.exit(main())
