"""Report parser throughput on one core: reports/s for HTML and PDF, plus peak memory.

Run: ``.venv/bin/python bench/reports.py``. Uses the committed corpus (tests/reports/corpus);
the seed report parsed as text is the baseline measured in the same run, and the 50 MB body
shows the cost of the input limits.
"""

from __future__ import annotations

import resource
import time
import tracemalloc
from collections.abc import Callable
from functools import partial
from pathlib import Path

from disclosure_etl.reports import parse_report

CORPUS = Path(__file__).resolve().parent.parent / "tests" / "reports" / "corpus"
MIN_SECONDS = 2.0


def rate(docs: list[bytes]) -> tuple[float, int]:
    """Parse the documents round-robin for at least MIN_SECONDS; (reports per second, count)."""
    n = 0
    start = time.perf_counter()
    while True:
        for data in docs:
            parse_report(data)
            n += 1
        elapsed = time.perf_counter() - start
        if elapsed >= MIN_SECONDS:
            return n / elapsed, n


def peak_kib(fn: Callable[[], object]) -> int:
    tracemalloc.start()
    fn()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak // 1024


def main() -> None:
    groups = {
        "txt (baseline)": [(CORPUS / "seed.txt").read_bytes()],
        "html": [p.read_bytes() for p in sorted(CORPUS.glob("*.html"))],
        "pdf": [p.read_bytes() for p in sorted(CORPUS.glob("*.pdf"))],
        "docx": [p.read_bytes() for p in sorted(CORPUS.glob("*.docx"))],
    }
    base, _ = rate(groups["txt (baseline)"])
    print(f"{'format':16} {'docs':>4} {'reports/s':>10} {'x baseline':>10} {'peak KiB/doc':>13}")
    for name, docs in groups.items():
        per_s, _ = rate(docs) if name != "txt (baseline)" else (base, 0)
        peak = max(peak_kib(partial(parse_report, d)) for d in docs)
        print(f"{name:16} {len(docs):>4} {per_s:>10.1f} {per_s / base:>10.3f} {peak:>13}")
    seed = (CORPUS / "seed.txt").read_bytes()
    para = b"<p>" + seed.replace(b"\n", b"</p><p>") + b"</p>"
    big = b"<html><body>" + para * (50_000_000 // len(para) + 1) + b"</body></html>"
    start = time.perf_counter()
    r = parse_report(big)
    print(f"50 MB html body: {time.perf_counter() - start:.2f} s, status {r.parse_status} ({r.parse_note})")
    print(f"max RSS of this process: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024} MiB")


if __name__ == "__main__":
    main()
