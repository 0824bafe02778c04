"""The generated regression corpus: parser output equals its labels exactly (+ precision/recall).

Documents and labels share one source (corpus/README.md): this guards against regressions and is
no evidence about real reports (that is tests/reports/test_real_reports.py).
"""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest

from disclosure_etl.models import ParsedReport
from disclosure_etl.reports import parse_report

CORPUS = Path(__file__).parent / "corpus"
LABELS = sorted(CORPUS.glob("*.label.json"))

T3_ROWS = {
    "2019": ["new_received", "carried_over", "granted", "partial", *[f"denied_{i}" for i in range(1, 9)],
             *[f"unable_{i}" for i in range(1, 4)], *[f"notproc_{i}" for i in range(1, 6)], "other",
             "total_processed", "carried_forward"],
    "2021": ["new_received", "carried_over", "granted", "partial", *[f"denied_{i}" for i in range(1, 9)],
             *[f"unable_{i}" for i in range(1, 4)], *[f"notproc_{i}" for i in range(1, 6)],
             *[f"other_{i}" for i in range(1, 4)], "total_processed", "carried_forward"],
}  # fmt: skip
T3_COLS = ["natural_person", "commercial", "research", "public_interest", "legal_service", "other_org", "total"]
T3_OUTCOME_ROWS = {"granted", "partial", "other", "total_processed"}
T2_CELLS = {
    "2021": [f"{r}.{c}" for r in ("regulation", "normative_doc") for c in ("issued", "abolished", "in_force")]
    + ["licensing.decisions", "penalty.decisions", "enforcement.decisions", "fee.amount"],
    "2019": [f"{r}.{c}" for r in ("regulation", "normative_doc") for c in ("new_made", "new_published", "total_published")]
    + [f"{r}.{c}" for r in ("licensing", "other_services", "penalty", "enforcement")
       for c in ("prev_year_items", "change", "decisions")]
    + ["fee.prev_year_items", "fee.change", "procurement.items", "procurement.amount"],
}  # fmt: skip
T4_RESULTS = ["upheld", "corrected", "other", "pending", "total"]


def expected_figures(label: dict[str, Any]) -> dict[str, float | None]:
    """Expand a label file's compact table notation into metric → value (None = blank cell)."""
    out: dict[str, float | None] = {k: float(v) for k, v in label["figures"].items()}
    if "t2" in label:
        cells = label["t2"]["cells"]
        for cell in T2_CELLS[label["t2"]["template"]]:
            out[f"t2.{cell}"] = float(cells.get(cell, 0))
    if "t3" in label:
        t3 = label["t3"]
        default = t3.get("default", 0)
        rows = t3["rows"]
        keys = T3_ROWS[t3["template"]] + [k for k in rows if k.endswith("_subtotal")]
        for key in keys:
            values = rows.get(key, [default] * 7)
            for col, v in zip(T3_COLS, values, strict=True):
                blank = t3.get("blank_total_on_outcomes") and col == "total" and (
                    key in T3_OUTCOME_ROWS or key.split("_")[0] in ("denied", "unable", "notproc")
                )
                out[f"t3.{key}.{col}"] = None if (v is None or blank) else float(v)
    if "t4" in label:
        for group, values in label["t4"].items():
            for res, v in zip(T4_RESULTS, values, strict=True):
                out[f"t4.{group}.{res}"] = None if v is None else float(v)
    return out


def _parse(path: Path) -> ParsedReport:
    return parse_report(path.read_bytes())


def _got(r: ParsedReport) -> dict[str, float | None]:
    return {f.metric: f.value for f in r.figures}


@pytest.mark.parametrize("label_path", LABELS, ids=lambda p: p.name.removesuffix(".label.json"))
def test_report_matches_its_label(label_path: Path) -> None:
    label = json.loads(label_path.read_text(encoding="utf-8"))
    doc = CORPUS / label_path.name.removesuffix(".label.json")
    r = _parse(doc)
    assert r.source_format == doc.suffix.lstrip(".")
    assert (r.template, r.report_year, r.parse_status) == (label["template"], label["report_year"], label["parse_status"])
    assert r.agency == label["agency"]
    if "note" in label:
        assert r.parse_note and label["note"] in r.parse_note
    if "period" in label:
        assert (r.period_start, r.period_end) == tuple(date.fromisoformat(d) for d in label["period"])
    if "published_at" in label:
        assert r.published_at == datetime.fromisoformat(label["published_at"])
    got, want = _got(r), expected_figures(label)
    missing = {k: v for k, v in want.items() if k not in got}
    extra = {k: v for k, v in got.items() if k not in want}
    wrong = {k: (got[k], v) for k, v in want.items() if k in got and got[k] != v}
    assert not (missing or extra or wrong), f"missing={missing} extra={extra} wrong={wrong}"
    for f in r.figures:
        assert f.is_blank == (f.value is None), f.metric
        assert f.source_excerpt, f.metric
        assert f.approx == (f.metric in label.get("approx", [])), f.metric


def test_corpus_precision_recall(capsys: pytest.CaptureFixture[str]) -> None:
    tp = n_got = n_want = 0
    for label_path in LABELS:
        label = json.loads(label_path.read_text(encoding="utf-8"))
        got = _got(_parse(CORPUS / label_path.name.removesuffix(".label.json")))
        want = expected_figures(label)
        tp += sum(1 for k, v in want.items() if k in got and got[k] == v)
        n_got += len(got)
        n_want += len(want)
    precision, recall = tp / max(n_got, 1), tp / max(n_want, 1)
    with capsys.disabled():
        print(f"\ncorpus: {len(LABELS)} reports, {n_want} labelled figures, "
              f"precision {precision:.4f}, recall {recall:.4f}")
    assert len(LABELS) >= 30
    assert precision == 1.0 and recall == 1.0


def test_corpus_covers_templates_and_formats() -> None:
    seen = set()
    for label_path in LABELS:
        label = json.loads(label_path.read_text(encoding="utf-8"))
        seen.add((label["template"], label_path.name.removesuffix(".label.json").rsplit(".", 1)[1]))
    for template in ("legacy", "2019", "2021"):
        for fmt in ("html", "pdf", "docx"):
            assert (template, fmt) in seen


UNITS = {"active": "条", "response": "次", "application": "件", "review": "件", "lawsuit": "件",
         "complaint": "件", "fee": "元", "t3": "件", "t4": "件"}  # fmt: skip


@pytest.mark.parametrize("label_path", LABELS, ids=lambda p: p.name.removesuffix(".label.json"))
def test_units_follow_figures_md(label_path: Path) -> None:
    r = _parse(CORPUS / label_path.name.removesuffix(".label.json"))
    for f in r.figures:
        if f.metric.endswith(".pct"):
            assert f.unit == "%", f.metric
        elif f.metric == "response.interpretations":
            assert f.unit == "篇"
        elif f.metric.startswith("t2."):
            assert f.unit == ("万元" if f.metric.endswith(".amount") else "件"), f.metric
        else:
            assert f.unit == UNITS[f.metric.split(".")[0]], f.metric
