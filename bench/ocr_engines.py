"""RapidOCR against Tesseract on the same rendered table images: cell accuracy, s/image, memory.

Run: ``.venv/bin/python bench/ocr_engines.py [N]``. Renders the tables of the first N HTML
reports of the corpus (tests/reports/corpus) at two resolutions, finds their grid once, then
reads every cell with each engine: RapidOCR (the engine the parser uses, models inside the
rapidocr wheel) and Tesseract 5 with chi_sim (Debian tesseract-ocr, tesseract-ocr-chi-sim),
one ``--psm 7`` line per cell line, batched by stacking the lines into one page. Cell accuracy
is measured against the same tables read from the HTML by the same table mapper. Each engine runs in its
own child process so that peak memory (max RSS) is its own.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))


def tesseract_lines(images: list[Any]) -> list[tuple[str, float]]:
    """Recognise single-line images with the tesseract CLI (chi_sim), one call per batch."""
    import cv2
    import numpy as np

    if not images:
        return []
    width = max(i.shape[1] for i in images) + 40
    gap = 30
    rows, spans, y = [], [], 0
    for img in images:
        canvas = np.full((img.shape[0] + gap, width), 255, dtype=np.uint8)
        canvas[gap // 2 : gap // 2 + img.shape[0], 20 : 20 + img.shape[1]] = img
        rows.append(canvas)
        spans.append((y, y + canvas.shape[0]))
        y += canvas.shape[0]
    page = np.vstack(rows)
    ok, png = cv2.imencode(".png", page)
    out = subprocess.run(
        ["tesseract", "stdin", "stdout", "-l", "chi_sim", "--psm", "6", "tsv"],
        input=png.tobytes(), capture_output=True, check=True,
    ).stdout.decode("utf-8", "replace")
    words: list[list[tuple[int, str, float]]] = [[] for _ in images]
    for line in out.splitlines()[1:]:
        f = line.split("\t")
        if len(f) < 12 or not f[11].strip() or float(f[10]) < 0:
            continue
        cy = int(f[7]) + int(f[9]) // 2
        for k, (a, b) in enumerate(spans):
            if a <= cy < b:
                words[k].append((int(f[6]), f[11], float(f[10]) / 100))
    result = []
    for ws in words:
        ws.sort()
        result.append(("".join(w for _, w, _ in ws), min((c for _, _, c in ws), default=0.0)))
    return result


def run_engine(engine: str, n: int) -> dict[str, Any]:
    from tests.reports.table_png import cell_scores, tables_to_images

    from disclosure_etl.reports import tables
    from disclosure_etl.reports.extract import read_document
    from disclosure_etl.reports.image_tables import decode_image, find_cells, read_grid
    from disclosure_etl.reports.ocr import recognise_lines

    recognise = recognise_lines if engine == "rapidocr" else tesseract_lines
    files = sorted((REPO / "tests" / "reports" / "corpus").glob("*.html"))
    right = ref_n = got_n = images = reports = 0
    seconds = 0.0
    for p in files:
        data = p.read_bytes()

        class Ref:  # the HTML tables alone, read by the same mapper
            figures = tables.read_tables(read_document(data, "html").tables, []).figures

        reference = Ref
        if reports >= n or not reference.figures:
            continue
        reports += 1
        for scale in (1.0, 2.0):
            _, imgs = tables_to_images(data, scale)
            grids = []
            for blob in imgs.values():
                gray = decode_image(blob)
                cells = find_cells(gray)
                start = time.perf_counter()
                grids.append(read_grid(gray, cells, recognise))
                seconds += time.perf_counter() - start
                images += 1
            got = tables.read_tables(grids, [])

            class R:  # the shape cell_scores reads
                figures = got.figures

            a, b, c = cell_scores(reference, R)
            right, ref_n, got_n = right + a, ref_n + b, got_n + c
    return {
        "engine": engine, "images": images, "s_per_image": seconds / max(images, 1),
        "recall": right / max(ref_n, 1), "precision": right / max(got_n, 1),
        "max_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024,
    }


def main() -> None:
    if len(sys.argv) > 2 and sys.argv[1] == "--child":
        print(json.dumps(run_engine(sys.argv[2], int(sys.argv[3]))))
        return
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 6
    print(f"{'engine':10} {'images':>6} {'s/image':>8} {'recall':>7} {'precision':>9} {'max RSS MiB':>11}")
    base = None
    for engine in ("tesseract", "rapidocr"):
        out = subprocess.run([sys.executable, __file__, "--child", engine, str(n)],
                             capture_output=True, text=True, check=True).stdout
        r = json.loads(out.strip().splitlines()[-1])
        base = base or r["s_per_image"] or 1.0
        print(f"{r['engine']:10} {r['images']:>6} {r['s_per_image']:>8.2f} {r['recall']:>7.3f} "
              f"{r['precision']:>9.3f} {r['max_rss_mib']:>11}  ({r['s_per_image'] / base:.2f}x tesseract time)")


if __name__ == "__main__":
    main()
