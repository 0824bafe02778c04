"""Floors on the hand-written variant reports of ``tests/reports/variants`` (a red team, not evidence).

The texts and labels were written by hand (see that folder's README), in wordings other than the
real reports': run-on pages, other heading styles, 万/余 totals, a district-wide sum as the only
total, modes without 申请, off-topic counts (采购, 招聘, 12345热线). Scored with the rules of
``real_score.py``. Numbers per file: ``.venv/bin/python bench/real_reports.py tests/reports/variants --missing``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.reports.real_score import FileScore, groups, score_folder

FOLDER = Path(__file__).parent / "variants"


@pytest.fixture(scope="module")
def scores() -> list[FileScore]:
    return score_folder(FOLDER)


def test_precision_and_recall_floors(scores: list[FileScore]) -> None:
    g = groups(scores)["all"]
    wrong = [f"{s.file}: {d.metric} wanted {d.wanted:g} got {d.got}" for s in scores for d in s.detail if d.kind == "WRONG"]
    missing = [f"{s.file}: {d.metric}" for s in scores for d in s.detail if d.kind == "MISS"]
    assert g.precision >= 0.99, wrong
    assert g.recall >= 0.97, missing


def test_no_variant_is_silent_and_every_template_is_right(scores: list[FileScore]) -> None:
    assert not [s.file for s in scores if s.silent]
    assert all(s.template_right for s in scores), [(s.file, s.template_actual, s.template) for s in scores]


def test_off_topic_counts_do_not_make_a_report_partial(scores: list[FileScore]) -> None:
    """采购/招聘 counts, 12345热线 and 审批 counts are refused on purpose: no unread note for them."""
    notes = {s.file: s.parse_note or "" for s in scores}
    assert "采购" not in notes["v03_2015_street_yishi.txt"] and "招聘" not in notes["v03_2015_street_yishi.txt"]
    assert all(s.parse_status == "parsed" for s in scores if s.file.startswith(("v02", "v03", "v04", "v05"))), notes
