"""The real free-text reports in ../shared/real_reports: no figure contradicts the hand labels.

Each real legacy report is parsed; every labelled figure that the parser emits must have
the labelled value (a wrong value is worse than a missing one), and the wrongly taken counts
the issue lists (service-window cases, procurement notices, catalogue counts) must not come
back. Recall over the whole set is measured by ``score.py`` / ``bench/real_reports.py``.
"""

from __future__ import annotations

import json

import pytest

from disclosure_etl.reports import parse_report
from tests.needs import shared_path

LEGACY = [
    "pingtan_2011_syq.txt",
    "pingtan_2012_county.txt",
    "pingtan_2015_syq.txt",
    "shaoguan_longgui_2016.txt",
    "zoucheng_tangcun_2010.txt",
]


@pytest.mark.parametrize("name", LEGACY)
def test_figures_of_a_real_legacy_report_agree_with_its_labels(name: str) -> None:
    labels = json.loads(shared_path("real_reports", "labels.json").read_text(encoding="utf-8"))[name]
    report = parse_report(shared_path("real_reports", name).read_bytes(), source_format="txt")
    got: dict[str, list[float]] = {}
    for f in report.figures:
        if f.value is not None:
            got.setdefault(f.metric, []).append(f.value)
    wrong = {
        k: (v, got[k])
        for k, v in labels.items()
        if not k.startswith("active.category.") and k in got and float(v) not in got[k]
    }
    assert not wrong
    categories = sorted(v for k, vs in got.items() if k.startswith("active.category.") and not k.endswith(".pct")
                        for v in vs)  # fmt: skip
    wanted = sorted(float(v) for k, v in labels.items() if k.startswith("active.category."))
    assert categories == wanted, "the category list is read whole, and nothing else is a category"
