"""Report parser throughput on one core: reports/s for HTML and PDF, plus peak memory.

Run: ``.venv/bin/python bench/reports.py``. Uses the committed corpus (tests/reports/corpus);
the seed report parsed as text is the baseline measured in the same run, and the 50 MB body
shows the cost of the input limits. The OCR rows draw the tables of two corpus reports as
images at 1x and 2x and parse them back (OCR reports/s, max RSS), against the same reports
read from their HTML tables.
"""

from __future__ import annotations

import resource
import sys
import time
import tracemalloc
from collections.abc import Callable
from functools import partial
from pathlib import Path

from disclosure_etl.reports import parse_report

REPO = Path(__file__).resolve().parent.parent
CORPUS = REPO / "tests" / "reports" / "corpus"
#: Reports whose tables are drawn as images (tests/reports/table_png.py) for the OCR rows.
OCR_REPORTS = ("m01_2021_std.html", "n01_2019_std.html")
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
    ocr_rows()


def ocr_rows() -> None:
    """Tables published as images: the same reports with their tables drawn as PNG (1x and 2x)
    and read back by OCR, against the same reports read from their HTML tables."""
    sys.path.insert(0, str(REPO))
    from tests.reports.table_png import font_available, tables_to_images

    from disclosure_etl.reports.ocr import ocr_available

    if not (ocr_available() and font_available()):
        print("OCR: skipped (needs rapidocr + onnxruntime and fonts-noto-cjk)")
        return
    html = [(CORPUS / n).read_bytes() for n in OCR_REPORTS]
    base, _ = rate(html)
    for scale in (1.0, 2.0):
        pages = [tables_to_images(d, scale) for d in html]
        rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        start = time.perf_counter()
        for page, images in pages:
            parse_report(page, source_format="html", images=images)
        per_s = len(pages) / (time.perf_counter() - start)
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        n_img = sum(len(i) for _, i in pages)
        print(f"OCR {scale:.0f}x tables: {len(pages)} reports ({n_img} images), {per_s:.3f} OCR reports/s "
              f"({per_s / base:.5f}x the same reports as HTML tables), max RSS {rss // 1024} MiB "
              f"(+{(rss - rss0) // 1024} MiB)")


if __name__ == "__main__":
    main()
