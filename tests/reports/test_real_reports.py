"""Floors on the hand-labelled REAL reports of ``../shared/real_reports`` (issue 9).

Scored by ``tests/reports/real_score.py`` — the rules of that folder's ``score.py``. The set is
read from shared at run time (never copied into the repo); without it these tests skip, under
``CI`` they fail. Numbers per report: ``.venv/bin/python bench/real_reports.py --missing``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.needs import shared_path
from tests.reports.real_score import FileScore, groups, parse_unlabelled, score_folder

MIN_PRECISION = 0.98
MIN_RECALL = 0.90


@pytest.fixture(scope="module")
def folder() -> Path:
    return shared_path("real_reports", "labels.json").parent


@pytest.fixture(scope="module")
def scores(folder: Path) -> list[FileScore]:
    return score_folder(folder)


def _wrong(scores: list[FileScore], group: str) -> list[str]:
    return [f"{s.file}: {d.metric} wanted {d.wanted:g} got {d.got}" for s in scores if s.group == group
            for d in s.detail if d.kind == "WRONG"]


@pytest.mark.parametrize("group", ["legacy", "template"])
def test_precision_floor(scores: list[FileScore], group: str) -> None:
    g = groups(scores)[group]
    assert g.labelled, f"no {group} reports in the set"
    assert g.precision >= MIN_PRECISION, f"{group} precision {g.precision:.3f}: {_wrong(scores, group)}"


@pytest.mark.parametrize("group", ["legacy", "template"])
def test_recall_floor(scores: list[FileScore], group: str) -> None:
    g = groups(scores)[group]
    assert g.labelled, f"no {group} reports in the set"
    assert g.recall >= MIN_RECALL, f"{group} recall {g.recall:.3f} ({g.exact}/{g.labelled})"


def test_no_silent_reports(scores: list[FileScore]) -> None:
    silent = {s.file: [d.metric for d in s.detail if d.kind == "MISS"] for s in scores if s.silent}
    assert not silent, f"parsed although labelled figures are missing: {silent}"


def test_every_template_right(scores: list[FileScore]) -> None:
    wrong = {s.file: (s.template_actual, s.template) for s in scores
             if s.template_actual in ("legacy", "2019", "2021") and not s.template_right}
    assert not wrong, f"(actual, detected): {wrong}"


def test_pages_without_labels_are_not_parsed(folder: Path, scores: list[FileScore]) -> None:
    """Pages with no figures to label (README: a body that only links to its .doc) are not parsed."""
    status = {s.file: (s.parse_status, s.parse_note) for s in scores if not s.labelled}
    status.update({name: (r.parse_status, r.parse_note) for name, r in parse_unlabelled(folder).items()})
    assert status, "the set has no page without labels (README names one)"
    assert all(st != "parsed" for st, _ in status.values()), status


def test_scorer_agrees_with_the_folders_score_py(folder: Path) -> None:
    """real_score.score_figures gives score.py's counts on every file (score.py read from shared)."""
    import importlib.util
    import json

    from disclosure_etl.reports import parse_report
    from tests.reports.real_score import score_figures

    spec = importlib.util.spec_from_file_location("shared_score", folder / "score.py")
    assert spec and spec.loader
    shared = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(shared)
    labels = json.loads((folder / "labels.json").read_text(encoding="utf-8"))
    for name, lab in labels.items():
        got = json.loads(json.dumps(parse_report((folder / name).read_bytes()).as_dict(), default=str))
        want = shared.score(lab, got)
        exact, wrong, missing, _ = score_figures(lab, got["figures"])
        assert (exact, wrong, missing) == (want["exact"], want["wrong"], want["missing"]), name
