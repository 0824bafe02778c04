"""Crawl throughput and nightly request cost against a large replica.

Builds a replica world of at least ``--min-items`` catalog rows (``build_world(scale)``)
and serves it from a child process (so client and server do not share one GIL), then:

1. baseline: a bare ``requests.Session`` fetching content pages, no politeness, no archive
   (what this server can do on this machine, measured in the same run);
2. a full crawl at ``min_interval_s = 0``: discovery, every sub-site from scratch (every
   list page, every content page, report attachments) and the portal report columns;
   prints items/s and requests/s, and requests/s as a share of the baseline;
3. an unchanged nightly run (``known`` = what the full crawl listed, validators kept):
   prints its requests (from the server's log), the budget
   ``sub-sites + leaf categories + report-column pages + robots.txt files``, and the ratio
   nightly / full.

    .venv/bin/python bench/crawl.py [--min-items 100000] [--keep DIR]

``--scenario faults`` instead harvests the default replica district (``build_world(1)``,
about 4,100 listed items on five sub-sites) through ``pipeline.crawl`` while the server
answers 30% of requests 502 (no URL more than twice in a row), limits clients to 20
requests/s (429 beyond it) and answers after 200 ms. The client runs at
``min_interval_s = 0.05``, so the ceiling is 20 requests/s; it prints requests/s achieved,
achieved / ceiling (goal >= 0.7), the wall time and the item recall (listed and detailed)::

    .venv/bin/python bench/crawl.py --scenario faults
"""

from __future__ import annotations

import argparse
import json
import logging
import multiprocessing as mp
import shutil
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import requests

from disclosure_etl import crawl
from disclosure_etl.archive import Archive
from disclosure_etl.config import Config, from_dict
from disclosure_etl.http import PoliteClient
from disclosure_etl.site.gkmlpt import parse_list_page

log = logging.getLogger("bench.crawl")
ROWS_PER_SCALE = 3_300  # build_world(30) holds about 99,300 rows


def _serve(scale: int, conn: Any, quirks: dict[str, Any] | None = None) -> None:
    """Child process: build the world, serve it, report the base URL, wait to be stopped."""
    from disclosure_etl.replica import ReplicaServer, build_world

    t0 = time.perf_counter()
    world = build_world(scale)
    rows = sum(world.counts().values())
    srv = ReplicaServer(world=world, quirks=quirks).start()
    listed = world.items(listed_only=True)
    conn.send({"base_url": srv.base_url, "rows": rows, "build_s": time.perf_counter() - t0,
               "content_paths": [it.content_path for it in world.items()[:3000] if it.content_path],
               "listed_ids": [it.id for it in listed],
               "normal_ids": [it.id for it in listed if it.type == "normal"]})
    conn.recv()  # any message: stop
    srv.stop()


def _config(base: str, data_dir: Path) -> Config:
    return from_dict(
        {
            "discover": [f"{base}/"],
            "report_columns": [f"{base}/zwgk/qzfxxgknb/zj/", f"{base}/zwgk/qzfxxgknb/bm/"],
            "http": {"min_interval_s": 0, "retries": 4, "backoff_base_s": 0.05, "timeout_s": 30},
            "data_dir": str(data_dir),
        }
    )


def _crawl(cfg: Config, archive: Archive, run_id: str, known: dict[str, dict[int, str]],
           known_urls: set[str], full: bool, workers: int) -> dict[str, Any]:
    """One run in this process: discovery, every site (``workers`` at a time, as parallel
    per-site tasks would; the per-host clock still serialises requests), the report columns."""

    def client(unit: str) -> PoliteClient:
        return PoliteClient(cfg.http, cfg.allowed_hosts, archive, run_id, unit)

    def one(ref: crawl.SiteRef) -> dict[str, Any]:
        with client(ref.agency_id) as c:
            return crawl.crawl_site(c, ref, known.get(ref.agency_id, {}), full_relist=full,
                                    max_attachment_bytes=50 * 1024 * 1024).to_json()

    with client("_discover") as c:
        sites = crawl.discover_sites(c, cfg.districts[0]).sites
    with ThreadPoolExecutor(max_workers=workers) as pool:
        outcomes = dict(zip([r.agency_id for r in sites], pool.map(one, sites), strict=True))
    with client("_portal") as c:
        portal = crawl.crawl_report_columns(c, cfg.districts[0], known_urls, full_relist=full).to_json()
    return {"sites": sites, "outcomes": outcomes, "portal": portal}


def _known(archive: Archive, outcomes: dict[str, dict[str, Any]]) -> dict[str, dict[int, str]]:
    out: dict[str, dict[int, str]] = {}
    for agency_id, o in outcomes.items():
        k = out.setdefault(agency_id, {})
        for lst in o["listings"]:
            for sha in lst["page_sha256s"]:
                for row in parse_list_page(archive.get(sha), lst["category_id"]).rows:
                    k[row.item_id] = row.row_hash
    return out


def _server_log(base: str) -> list[dict[str, Any]]:
    return json.loads(requests.get(f"{base}/__replica__/log", timeout=60).content)


FAULTS = {"fail_rate": 0.3, "rate_limit_rps": 20.0, "latency_s": 0.2}
FAULTS_CEILING_RPS = 20.0


def faults(keep: Path | None) -> int:
    """The faults scenario (see the module docstring)."""
    from disclosure_etl import pipeline

    parent, child = mp.Pipe()
    proc = mp.get_context("fork").Process(target=_serve, args=(1, child, FAULTS), daemon=True)
    proc.start()
    info = parent.recv()
    base = info["base_url"]
    data_dir = keep or Path(tempfile.mkdtemp(prefix="bench-faults-"))
    try:
        cfg = from_dict({
            "discover": [f"{base}/"],
            "report_columns": [f"{base}/zwgk/qzfxxgknb/zj/", f"{base}/zwgk/qzfxxgknb/bm/"],
            "http": {"min_interval_s": 1 / FAULTS_CEILING_RPS, "retries": 4, "concurrency": 8,
                     "backoff_base_s": 0.5, "backoff_max_s": 10, "timeout_s": 10},
            "data_dir": str(data_dir),
        })
        requests.post(f"{base}/__replica__/clear", timeout=10)
        t0 = time.perf_counter()
        result = pipeline.crawl(cfg)
        wall = time.perf_counter() - t0
        srv_log = _server_log(base)
        archive = Archive(data_dir / "archive")
        run_id = result["run_id"]
        listed: set[int] = set()
        detailed: set[int] = set()
        for unit in archive.units(run_id):
            o = archive.read_unit_outcome(run_id, unit) or {}
            for lst in o.get("listings", []):
                for sha in lst["page_sha256s"]:
                    listed |= {r.item_id for r in parse_list_page(archive.get(sha), lst["category_id"]).rows}
            detailed |= {c["item_id"] for c in o.get("contents", []) if c["sha256"]}
        statuses: dict[int, int] = {}
        for r in srv_log:
            statuses[r["status"]] = statuses.get(r["status"], 0) + 1
        rps = len(srv_log) / wall
        want_listed, want_normal = set(info["listed_ids"]), set(info["normal_ids"])
        print(f"faults: {FAULTS}; client min_interval_s {1 / FAULTS_CEILING_RPS:.3f}, "
              f"concurrency 8; run status {result['status']}")
        print(f"faults: {len(srv_log):,} requests in {wall:.1f}s, statuses {dict(sorted(statuses.items()))}")
        print(f"faults: {rps:.1f} requests/s achieved / {FAULTS_CEILING_RPS:.0f} ceiling "
              f"= {rps / FAULTS_CEILING_RPS:.2f} (goal >= 0.7)")
        print(f"faults: item recall listed {len(listed & want_listed) / len(want_listed):.3f} "
              f"({len(listed & want_listed)}/{len(want_listed)}), content pages "
              f"{len(detailed & want_normal) / len(want_normal):.3f} "
              f"({len(detailed & want_normal)}/{len(want_normal)}); wall {wall:.0f}s (bar: 600s)")
    finally:
        parent.send("stop")
        proc.join(timeout=10)
        if keep is None:
            shutil.rmtree(data_dir, ignore_errors=True)
    return 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--min-items", type=int, default=100_000, help="catalog rows in the world")
    ap.add_argument("--keep", type=Path, help="keep the data directory here")
    ap.add_argument("--workers", type=int, default=2, help="sub-sites crawled at a time")
    ap.add_argument("--scenario", choices=("throughput", "faults"), default="throughput")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s",
                        stream=sys.stderr)
    logging.getLogger("disclosure_etl.crawl").setLevel(logging.WARNING)
    logging.getLogger("disclosure_etl.http").setLevel(logging.WARNING)
    if args.scenario == "faults":
        return faults(args.keep)
    t_start = time.perf_counter()
    scale = max(1, -(-args.min_items // ROWS_PER_SCALE))
    while True:
        parent, child = mp.Pipe()
        proc = mp.get_context("fork").Process(target=_serve, args=(scale, child), daemon=True)
        proc.start()
        info = parent.recv()
        if info["rows"] >= args.min_items:
            break
        parent.send("stop")
        proc.join()
        scale += 1
    base = info["base_url"]
    data_dir = args.keep or Path(tempfile.mkdtemp(prefix="bench-crawl-"))
    data_dir.mkdir(parents=True, exist_ok=True)
    try:
        log.info("world served after %.1fs", time.perf_counter() - t_start)
        print(f"world: build_world({scale}) = {info['rows']:,} catalog rows "
              f"(built in {info['build_s']:.1f}s), served at {base}")

        # 1. baseline: bare requests.Session, no politeness, no archive, no log
        paths = info["content_paths"][:2000]
        s = requests.Session()
        t0 = time.perf_counter()
        for p in paths:
            s.get(base + p, timeout=30).content  # noqa: B018
        base_rps = len(paths) / (time.perf_counter() - t0)
        print(f"baseline: bare requests.Session on {len(paths)} content pages: {base_rps:,.0f} requests/s")

        # 2. full crawl
        cfg = _config(base, data_dir)
        archive = Archive(data_dir / "archive")
        requests.post(f"{base}/__replica__/clear", timeout=10)
        t0 = time.perf_counter()
        full = _crawl(cfg, archive, "full", {}, set(), full=True, workers=args.workers)
        full_s = time.perf_counter() - t0
        outcomes = full["outcomes"]
        rows = sum(lst["rows_seen"] for o in outcomes.values() for lst in o["listings"])
        contents = sum(len(o["contents"]) for o in outcomes.values())
        full_requests = len(_server_log(base))
        log.info("server log read")
        print(f"full crawl ({args.workers} sub-sites at a time): {len(full['sites'])} sub-sites, {rows:,} list rows, {contents:,} content "
              f"pages, {full_requests:,} requests in {full_s:.1f}s")
        print(f"full crawl: {rows / full_s:,.0f} items/s, {full_requests / full_s:,.0f} requests/s "
              f"({full_requests / full_s / base_rps:.2f} × the bare baseline)")

        # 3. unchanged nightly run
        log.info("full crawl done; reading what it listed")
        known = _known(archive, outcomes)
        log.info("known items read")
        known_urls = {a["url"] for a in full["portal"]["articles"]}
        requests.post(f"{base}/__replica__/clear", timeout=10)
        t0 = time.perf_counter()
        nightly = _crawl(cfg, archive, "nightly", known, known_urls, full=False,
                         workers=args.workers)
        nightly_s = time.perf_counter() - t0
        srv_log = _server_log(base)
        n_sites = len(nightly["sites"])
        n_leaves = sum(len(o["listings"]) for o in nightly["outcomes"].values())
        n_columns = len(nightly["portal"]["columns"])
        n_robots = sum(1 for r in srv_log if r["path"] == "/robots.txt")
        n_discover = sum(1 for r in srv_log if r["path"] == "/")
        budget = n_sites + n_leaves + n_columns + n_robots
        crawl_requests = len(srv_log) - n_discover
        not_modified = sum(1 for r in srv_log if r["status"] == 304)
        details = sum(len(o["contents"]) for o in nightly["outcomes"].values())
        print(f"nightly (unchanged): {len(srv_log)} requests in {nightly_s:.2f}s "
              f"({n_discover} discovery page, {not_modified} answered 304), {details} content pages")
        print(f"nightly budget: {n_sites} sub-sites + {n_leaves} leaf categories + {n_columns} "
              f"report-column pages + {n_robots} robots.txt = {budget}; crawl requests "
              f"{crawl_requests} ({'within' if crawl_requests <= budget else 'OVER'} budget)")
        print(f"ratio nightly / full requests: {len(srv_log) / full_requests:.5f} "
              f"(1 : {full_requests / len(srv_log):,.0f})")
    finally:
        parent.send("stop")
        proc.join(timeout=10)
        log.info("server stopped")
        if args.keep is None:
            shutil.rmtree(data_dir, ignore_errors=True)
            log.info("data directory removed")
    print(f"bench total: {time.perf_counter() - t_start:.0f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
