"""Peak memory and time of ``parse --rebuild`` (archive → rows → DuckDB), build and load apart.

The archive is the one of a config given with ``--config`` (its ``data_dir/archive`` is
copied to a temporary directory first: the original is never written), or else one generated
here: a replica ``province`` (``ProvinceServer``, ``--districts`` × ``--sites`` sub-sites)
crawled once by ``pipeline.crawl``. The parse runs in a child process of its own, twice:

* ``floor``: the child imports the package and opens the warehouse, nothing more;
* ``parse``: ``pipeline.parse(cfg, rebuild=True)``.

Printed: each child's peak RSS (``ru_maxrss``), the parse's build (archive → rows) and load
(rows → DuckDB) seconds as ``pipeline.parse`` returns them, the rows loaded, and the ratio of
the parse's peak to the floor (goal, issue #13: well under 1 GiB at province scale).

    .venv/bin/python bench/parse_memory.py                         # small generated province
    .venv/bin/python bench/parse_memory.py --districts 6 --sites 20 30
    .venv/bin/python bench/parse_memory.py --config /tmp/scale_b21/province.yaml  # 21 districts
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml

_CHILD = """
import json, resource, sys
from pathlib import Path
from disclosure_etl import config, pipeline, warehouse as wh
cfg = config.from_dict(json.loads(sys.argv[2]))
if sys.argv[1] == "floor":
    wh.connect(Path(cfg.warehouse)).close()
    out = {}
else:
    out = pipeline.parse(cfg, rebuild=True)
    con = wh.connect(Path(cfg.warehouse))
    out["rows"] = {t: con.execute(f"SELECT count(*) FROM core.{t}").fetchone()[0]
                   for t in ("fetches", "items", "item_details", "reports", "report_figures")}
    con.close()
out["maxrss_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({k: v for k, v in out.items() if k != "loaded"}))
"""


def _child(mode: str, doc: dict[str, Any]) -> dict[str, Any]:
    t0 = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", _CHILD, mode, json.dumps(doc)],
                          capture_output=True, text=True, check=False)
    if done.returncode:
        raise SystemExit(f"{mode} child failed:\n{done.stderr[-3000:]}")
    out: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    out["wall_s"] = time.perf_counter() - t0
    return out


def _generate(data: Path, districts: int, sites: tuple[int, int]) -> dict[str, Any]:
    """Crawl a replica province once into ``data``; the config of its archive."""
    from disclosure_etl import config, pipeline
    from disclosure_etl.replica.province import ProvinceServer

    with ProvinceServer(districts=districts, sites=sites) as prov:
        doc = prov.config_dict(min_interval_s=0.0)
        doc.update(data_dir=str(data), warehouse=str(data / "warehouse.duckdb"))
        t0 = time.perf_counter()
        pipeline.crawl(config.from_dict(doc))
        print(f"crawled {prov.province.total_sites} sub-sites, {prov.province.total_items:,} "
              f"items of {districts} districts in {time.perf_counter() - t0:.0f}s")
    return doc


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--config", type=Path, help="a config whose data_dir/archive is parsed (copied)")
    ap.add_argument("--districts", type=int, default=3)
    ap.add_argument("--sites", type=int, nargs=2, default=(3, 5), metavar=("MIN", "MAX"))
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-parse-") as tmp:
        data = Path(tmp) / "data"
        if args.config:
            doc: dict[str, Any] = yaml.safe_load(args.config.read_text(encoding="utf-8"))
            shutil.copytree(Path(doc["data_dir"]) / "archive", data / "archive")
            doc.update(data_dir=str(data), warehouse=str(data / "warehouse.duckdb"))
        else:
            doc = _generate(data, args.districts, tuple(args.sites))
        floor = _child("floor", doc)
        parsed = _child("parse", doc)
    rows = ", ".join(f"{t} {n:,}" for t, n in parsed["rows"].items())
    print(f"parse --rebuild: {rows}")
    print(f"parse --rebuild: wall {parsed['wall_s']:.1f}s; build (archive → rows) "
          f"{parsed['build_s']:.1f}s, load (rows → DuckDB) {parsed['load_s']:.1f}s")
    print(f"peak RSS: parse {parsed['maxrss_mib']:,.0f} MiB, floor (import + open) "
          f"{floor['maxrss_mib']:,.0f} MiB, parse / floor {parsed['maxrss_mib'] / floor['maxrss_mib']:.1f}×, "
          f"{'under' if parsed['maxrss_mib'] < 1024 else 'OVER'} 1 GiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
