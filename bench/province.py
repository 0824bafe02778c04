"""Serve rate of the replica ``province`` scenario at full scale vs the default replica.

A child process (its own GIL, as a benchmark of the crawler should run it) builds the full
province (``ProvinceParams.full()``: 21 districts on 21 ports, 630 sub-sites, ~1.5 million
items, all lazy) next to the default replica district, and serves both. The parent then
fetches a seeded random sample of list pages (``api/all`` of a leaf at a random page) and
content pages from each, one keep-alive session per host, and prints requests/s per kind,
the province / default ratio, the same with 8 client threads over 8 districts, and the
child's build time, traced peak of the build and peak RSS.

    .venv/bin/python bench/province.py [--requests 300] [--districts 21]
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import random
import resource
import time
import tracemalloc
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import requests

UA = "Mozilla/5.0 (bench province)"


def _sample(world: Any, base: str, rng: random.Random, n: int) -> dict[str, list[str]]:
    """``n`` list-page and ``n`` content-page URLs of one world (non-empty leaves, normal rows)."""
    lists: list[str] = []
    contents: list[str] = []
    cats = [(a, leaf) for a in world.agencies for leaf in a.leaves() if len(world.listing(a.prefix, leaf.id).rows)]
    while len(lists) < n:
        ag, leaf = rng.choice(cats)
        pages = -(-world.listing(ag.prefix, leaf.id).window // 100)  # the default has a listing window
        lists.append(f"{base}{ag.prefix}/gkmlpt/api/all/{leaf.id}?page={rng.randint(1, pages)}&sid={ag.sid}")
    while len(contents) < n:
        ag, leaf = rng.choice(cats)
        rows = world.listing(ag.prefix, leaf.id).rows
        it = rows[rng.randrange(len(rows))]
        if it.type == "normal":
            contents.append(base + it.content_path)
    return {"list": lists, "content": contents}


def _rss_mib() -> float:
    """This process's resident set now (Linux /proc)."""
    for line in Path("/proc/self/status").read_text("ascii").splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _serve(conn: Any, n: int, districts: int) -> None:
    """Child: build and serve both; send samples and figures; stop when told."""
    from disclosure_etl.replica import ReplicaServer
    from disclosure_etl.replica.province import ProvinceParams, ProvinceServer

    tracemalloc.start()
    t0 = time.perf_counter()
    prov = ProvinceServer(params=ProvinceParams.full(districts), log_limit=100).start()
    build_s = time.perf_counter() - t0
    build_peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    default = ReplicaServer(log_limit=100).start()
    rng = random.Random(13)
    per = max(1, n // len(prov.districts))
    samples = {"default": _sample(default.world, default.base_url, rng, n), "province": {"list": [], "content": []},
               "by_district": []}
    for d in prov.districts:
        got = _sample(d.world, d.base_url, rng, per)
        samples["by_district"].append(got)
        for kind in ("list", "content"):
            samples["province"][kind] += got[kind]
    conn.send({"samples": samples, "build_s": build_s, "build_peak": build_peak, "rss": _rss_mib(),
               "items": prov.province.total_items, "sites": prov.province.total_sites})
    conn.recv()  # done
    conn.send({"maxrss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, "rss": _rss_mib(),
               "served": sum(prov.request_counts().values())})
    prov.stop()
    default.stop()


def _rate(urls: list[str]) -> float:
    """Requests/s fetching ``urls`` in order, one keep-alive session per host."""
    sessions: dict[str, requests.Session] = {}
    t0 = time.perf_counter()
    for url in urls:
        host = url.split("/")[2]
        s = sessions.setdefault(host, requests.Session())
        r = s.get(url, headers={"User-Agent": UA}, timeout=30)
        assert r.status_code == 200, (url, r.status_code)
    return len(urls) / (time.perf_counter() - t0)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--requests", type=int, default=300, help="requests per kind and scenario")
    ap.add_argument("--districts", type=int, default=21)
    args = ap.parse_args()
    parent, child = mp.Pipe()
    proc = mp.get_context("spawn").Process(target=_serve, args=(child, args.requests, args.districts), daemon=True)
    proc.start()
    info = parent.recv()
    s = info["samples"]
    print(f"province: {args.districts} districts, {info['sites']} gkmlpt sites, {info['items']:,} items; "
          f"built in {info['build_s']:.2f} s, traced peak {info['build_peak'] / 2**20:.1f} MiB")
    for kind in ("list", "content"):
        _rate(s["default"][kind][:10] + s["province"][kind][:10])  # warm-up
        base = _rate(s["default"][kind])
        prov = _rate(s["province"][kind])
        print(f"{kind:8s} pages: default {base:7.1f} req/s, province {prov:7.1f} req/s "
              f"(province / default = {prov / base:.2f})")
    groups = s["by_district"][:8]
    for kind in ("list", "content"):
        t0 = time.perf_counter()
        with ThreadPoolExecutor(len(groups)) as pool:
            list(pool.map(_rate, [g[kind] for g in groups]))
        n = sum(len(g[kind]) for g in groups)
        print(f"{kind:8s} pages: province, {len(groups)} client threads on {len(groups)} hosts: "
              f"{n / (time.perf_counter() - t0):7.1f} req/s in total")
    parent.send("done")
    end = parent.recv()
    print(f"server process (province + default replica): RSS {info['rss']:.0f} MiB before serving, "
          f"{end['rss']:.0f} MiB after {end['served']} province requests (peak {end['maxrss_kib'] / 1024:.0f} MiB)")
    proc.join(timeout=10)


if __name__ == "__main__":
    main()
