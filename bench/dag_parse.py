"""Parse time of each DAG file, as the dag-processor pays it (fresh interpreter per file).

Prints, per file in dags/: the time to import the file in a new Python process that has
already imported ``airflow.sdk`` (the baseline every DAG pays), and the ratio against a
baseline file that only declares an empty DAG, measured in the same run. Not asserted
anywhere: Airflow's default ``dagbag_import_timeout`` is 30 s; aim for well under 1 s.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
RUNS = 3
PROBE = """
import importlib.util, sys, time
import airflow.sdk  # the baseline every DAG file pays
t0 = time.perf_counter()
spec = importlib.util.spec_from_file_location("dag_under_test", sys.argv[1])
mod = importlib.util.module_from_spec(spec)
spec.loader.exec_module(mod)
print(time.perf_counter() - t0)
"""
BASELINE = """
from __future__ import annotations
import pendulum
from airflow.sdk import dag, task

@dag(schedule=None, start_date=pendulum.datetime(2026, 1, 1, tz="Asia/Shanghai"), catchup=False)
def baseline() -> None:
    @task
    def noop() -> None: ...
    noop()

baseline()
"""


def parse_seconds(path: Path) -> float:
    """Median import time of ``path`` over RUNS fresh interpreters."""
    env = {**os.environ, "AIRFLOW_HOME": tempfile.mkdtemp(prefix="dag-parse-")}
    times = []
    for _ in range(RUNS):
        out = subprocess.run(
            [sys.executable, "-c", PROBE, str(path)],
            capture_output=True, text=True, env=env, cwd=REPO, check=True, timeout=300,
        )  # fmt: skip
        times.append(float(out.stdout.strip().splitlines()[-1]))
    return statistics.median(times)


def main() -> int:
    with tempfile.TemporaryDirectory() as d:
        base_file = Path(d) / "baseline_dag.py"
        base_file.write_text(BASELINE, encoding="utf-8")
        base = parse_seconds(base_file)
    print(f"dag parse time (median of {RUNS} fresh processes, airflow.sdk pre-imported)")
    print(f"  {'baseline (empty DAG)':28} {base * 1000:8.1f} ms   1.0x")
    for path in sorted((REPO / "dags").glob("*.py")):
        t = parse_seconds(path)
        print(f"  {path.name:28} {t * 1000:8.1f} ms  {t / base:5.1f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
