"""Parser quality on hand-labelled REAL reports: precision and recall per template group.

Run: ``.venv/bin/python bench/real_reports.py [DIR]`` (default ``../shared/real_reports``).
Parses each labelled file in-process (no subprocess per file) and scores it with
``tests/reports/real_score.py``, the same rules as ``DIR/score.py``. Prints one line per
report, every wrong value (metric, wanted, got), the missing figures, the silent reports
(``parsed`` although a labelled figure is missing), the status of unlabelled files (e.g. an
attachment-only page) and a summary line. ``--json OUT`` writes the per-file scores.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tests.needs import shared_dir  # noqa: E402
from tests.reports.real_score import FileScore, groups, parse_unlabelled, score_folder  # noqa: E402


def _default_dir() -> Path:
    root = shared_dir()
    return (root or REPO.parent / "shared") / "real_reports"


def _print_file(s: FileScore) -> None:
    print(
        f"{s.file:40s} {s.template_actual!s:7s}->{s.template!s:7s} {s.exact:3d}/{s.labelled:3d} "
        f"wrong {s.wrong:2d} {s.parse_status}{'  SILENT' if s.silent else ''}"
    )


def _print_details(scores: list[FileScore], show_missing: bool) -> None:
    wrong = [(s.file, d) for s in scores for d in s.detail if d.kind == "WRONG"]
    print(f"\nwrong values ({len(wrong)}):")
    for file, d in wrong:
        print(f"  {file}: {d.metric} wanted {d.wanted:g} got {', '.join(f'{v:g}' for v in d.got or [])}")
    if show_missing:
        print("\nmissing figures:")
        for s in scores:
            gone = [d.metric for d in s.detail if d.kind == "MISS"]
            if gone:
                print(f"  {s.file} ({s.parse_status}): {', '.join(gone)}")
    silent = [s for s in scores if s.silent]
    print(f"\nsilent reports ({len(silent)}):")
    for s in silent:
        print(f"  {s.file}: {', '.join(d.metric for d in s.detail if d.kind == 'MISS')}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("dir", nargs="?", type=Path, default=None)
    ap.add_argument("--missing", action="store_true", help="also list every missing figure")
    ap.add_argument("--json", type=Path, help="write per-file scores as JSON")
    a = ap.parse_args()
    folder = a.dir or _default_dir()
    if not (folder / "labels.json").is_file():
        print(f"skipped: no labels.json in {folder}", file=sys.stderr)
        return 2 if a.dir else 0  # `make bench` without ../shared is not an error
    start = time.perf_counter()
    scores = score_folder(folder)
    elapsed = time.perf_counter() - start
    for s in scores:
        _print_file(s)
    for name, r in parse_unlabelled(folder).items():
        print(f"{name:40s} (no labels)        {r.parse_status}: {r.parse_note}")
    _print_details(scores, a.missing)
    g = groups(scores)
    tpl_ok = sum(s.template_right for s in scores)
    silent = sum(s.silent for s in scores)
    n = len(scores)
    if a.json:
        a.json.write_text(json.dumps([dataclasses.asdict(s) for s in scores], ensure_ascii=False, indent=1))
    print(
        f"\nreal reports: n={n} P={g['all'].precision:.3f} R={g['all'].recall:.3f} "
        f"legacy P/R={g['legacy'].precision:.3f}/{g['legacy'].recall:.3f} "
        f"template P/R={g['template'].precision:.3f}/{g['template'].recall:.3f} "
        f"templates {tpl_ok}/{n} silent {silent}/{n}  ({elapsed / max(n, 1):.2f} s/report)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
