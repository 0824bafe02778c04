"""Scoring the parser on hand-labelled real reports, exactly as ``../shared/real_reports/score.py``.

One implementation, used by ``bench/real_reports.py`` and ``tests/reports/test_real_reports.py``.
The rules (from score.py): a label matches when the emitted figure with that key has that value;
``active.category.*`` labels match by value against the emitted category values (a multiset,
``.pct`` excluded); ``active.total`` falls back to ``active.channel.website``. A labelled key
emitted with another value is *wrong*, one not emitted is *missing*. Only figures with a value
count. A report is *silent* when it says ``parsed`` although a labelled figure is missing.
Groups: ``legacy`` when sources.json says ``template_actual == "legacy"``, else ``template``.
"""

from __future__ import annotations

import collections
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from disclosure_etl.models import ParsedReport
from disclosure_etl.reports import parse_report

EPS = 1e-6


@dataclass
class Miss:
    kind: str  # MISS | WRONG
    metric: str
    wanted: float
    got: list[float] | None


@dataclass
class FileScore:
    """One report against its labels."""

    file: str
    group: str  # legacy | template
    template_actual: str | None
    template: str | None
    parse_status: str
    parse_note: str | None
    labelled: int = 0
    exact: int = 0
    wrong: int = 0
    missing: int = 0
    detail: list[Miss] = field(default_factory=list)

    @property
    def template_right(self) -> bool:
        return self.template_actual is None or self.template == self.template_actual

    @property
    def silent(self) -> bool:
        return bool(self.missing) and self.parse_status == "parsed"


@dataclass
class GroupScore:
    labelled: int = 0
    exact: int = 0
    wrong: int = 0
    missing: int = 0

    def add(self, s: FileScore) -> None:
        self.labelled += s.labelled
        self.exact += s.exact
        self.wrong += s.wrong
        self.missing += s.missing

    @property
    def precision(self) -> float:
        return self.exact / (self.exact + self.wrong) if self.exact + self.wrong else 0.0

    @property
    def recall(self) -> float:
        return self.exact / self.labelled if self.labelled else 0.0


def score_figures(labels: dict[str, float], figures: list[dict[str, Any]]) -> tuple[int, int, int, list[Miss]]:
    """(exact, wrong, missing, detail) of emitted ``figures`` (report --json shape) against labels."""
    by_key: dict[str, list[float]] = collections.defaultdict(list)
    for f in figures:
        if f.get("value") is not None:
            by_key[f["metric"]].append(float(f["value"]))
    cats = collections.Counter(
        round(v, 6)
        for k, vs in by_key.items()
        if k.startswith("active.category.") and not k.endswith(".pct")
        for v in vs
    )
    exact = wrong = missing = 0
    detail: list[Miss] = []
    for key, raw in labels.items():
        want = float(raw)
        if key.startswith("active.category."):
            if cats[round(want, 6)] > 0:
                cats[round(want, 6)] -= 1
                exact += 1
            else:
                missing += 1
                detail.append(Miss("MISS", key, want, None))
            continue
        vs = by_key.get(key)
        if not vs and key == "active.total":
            vs = by_key.get("active.channel.website")
        if not vs:
            missing += 1
            detail.append(Miss("MISS", key, want, None))
        elif any(abs(v - want) < EPS for v in vs):
            exact += 1
        else:
            wrong += 1
            detail.append(Miss("WRONG", key, want, vs[:3]))
    return exact, wrong, missing, detail


def score_report(file: str, labels: dict[str, float], got: ParsedReport, template_actual: str | None) -> FileScore:
    """One parsed report against its labels."""
    exact, wrong, missing, detail = score_figures(labels, got.as_dict()["figures"])
    return FileScore(
        file=file,
        group="legacy" if template_actual == "legacy" else "template",
        template_actual=template_actual,
        template=got.template,
        parse_status=got.parse_status,
        parse_note=got.parse_note,
        labelled=len(labels),
        exact=exact,
        wrong=wrong,
        missing=missing,
        detail=detail,
    )


def sources(folder: Path) -> dict[str, dict[str, Any]]:
    """sources.json by file name (a list, or ``{"files": [...]}``); empty when absent."""
    path = folder / "sources.json"
    if not path.exists():
        return {}
    data = json.loads(path.read_text(encoding="utf-8"))
    entries = data if isinstance(data, list) else data.get("files", [])
    return {e["file"]: e for e in entries}


def score_folder(folder: Path) -> list[FileScore]:
    """Parse every labelled file of ``folder`` (in-process) and score it, in file-name order."""
    labels = json.loads((folder / "labels.json").read_text(encoding="utf-8"))
    srcs = sources(folder)
    out = []
    for name, lab in sorted(labels.items()):
        path = folder / name
        if not path.exists():
            continue
        got = parse_report(path.read_bytes())  # as `disclosure-etl report FILE` calls it
        out.append(score_report(name, lab, got, (srcs.get(name) or {}).get("template_actual")))
    return out


def parse_unlabelled(folder: Path) -> dict[str, ParsedReport]:
    """Files of ``folder`` that sources.json lists but labels.json does not (negative cases)."""
    labels = json.loads((folder / "labels.json").read_text(encoding="utf-8"))
    return {
        name: parse_report((folder / name).read_bytes())
        for name in sorted(sources(folder))
        if name not in labels and (folder / name).exists()
    }


def groups(scores: list[FileScore]) -> dict[str, GroupScore]:
    """Totals per group (``legacy``, ``template``) and ``all``."""
    out = {"legacy": GroupScore(), "template": GroupScore(), "all": GroupScore()}
    for s in scores:
        out[s.group].add(s)
        out["all"].add(s)
    return out
