"""Read what the Disclosure page shows from the published snapshot (read-only, short-lived)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

RUNS_SQL = """
SELECT run_id, started_at, finished_at, status, requests, pages_fetched, items_new,
       items_changed, items_withdrawn, reports_parsed, http_errors
FROM runs ORDER BY started_at DESC NULLS LAST LIMIT ?
"""
RECON_SQL = """
SELECT r.agency_id, coalesce(a.name, r.agency_id) AS name, r.report_year, r.reported,
       r.posted, r.difference, r.status, r.note, a.district_id
FROM reconciliation r LEFT JOIN agencies a USING (agency_id)
WHERE r.scope = 'total'
ORDER BY name, r.report_year
"""
FINDINGS_SQL = """
SELECT f.severity, f.check_id, c.dimension, f.agency_id, coalesce(a.name, f.agency_id),
       f.report_year, f.observed, f.expected, f.message, CAST(f.sample AS VARCHAR), f.status,
       a.site_url, f.finding_key, f.scope, f.state, f.is_new, f.first_seen_run,
       f.acknowledged_by, f.acknowledged_at, f.ack_note, a.district_id
FROM findings f LEFT JOIN agencies a USING (agency_id)
LEFT JOIN (SELECT check_id, any_value(dimension) AS dimension FROM check_results GROUP BY 1) c
     USING (check_id)
WHERE f.state IN ('open', 'acknowledged')
ORDER BY f.severity = 'error' DESC,
         CASE WHEN f.check_id LIKE 'reconcile.%' THEN 0 WHEN f.check_id LIKE 'report.%' THEN 1 ELSE 2 END,
         f.check_id, 5, f.report_year, f.scope
"""


def scorecard_sql(criteria: tuple[str, ...]) -> str:
    """The agency_scorecard rows the ranking shows, each criterion with its note."""
    return f"""
SELECT agency_id, coalesce(agency_name, agency_id), district_id, coalesce(district_name, district_id),
       report_year, report_id, total_score, max_score, criteria_unknown, rank_in_year,
       rank_in_district, {", ".join(f"{c}, {c}_note" for c in criteria)}
FROM agency_scorecard
ORDER BY report_year DESC, total_score DESC, 2
"""


REPORTS_SQL = "SELECT agency_id, report_year, url, title FROM annual_reports WHERE url IS NOT NULL"
COUNTS_SQL = {
    "agencies": "SELECT count(*) FROM agencies",
    "posted_items": "SELECT count(*) FROM posted_items WHERE withdrawn_at IS NULL",
    "withdrawn_items": "SELECT count(*) FROM posted_items WHERE withdrawn_at IS NOT NULL",
    "annual_reports": "SELECT count(*) FROM annual_reports",
    "report_figures": "SELECT count(*) FROM report_figures",
}


@dataclass
class Finding:
    severity: str
    check_id: str
    dimension: str | None
    agency_id: str | None
    agency: str | None
    report_year: int | None
    observed: float | None
    expected: float | None
    message: str
    status: str
    links: list[str] = field(default_factory=list)
    finding_key: str = ""
    scope: str = ""
    state: str = "open"  # open | acknowledged (resolved ones are not shown)
    is_new: bool = False  # first seen in the latest run of its check
    first_seen_run: str | None = None
    acknowledged_by: str | None = None
    acknowledged_at: datetime | None = None
    ack_note: str | None = None
    district_id: str | None = None


@dataclass(frozen=True)
class Verdict:
    """One scorecard criterion: TRUE, FALSE or None (cannot tell), and why."""

    criterion: str
    value: bool | None
    note: str


@dataclass
class ScoreRow:
    """One agency_scorecard row (agency × report year)."""

    agency_id: str
    agency: str
    district_id: str | None
    district: str | None
    report_year: int
    report_id: str | None
    total_score: int
    max_score: int
    criteria_unknown: int
    rank_in_year: int
    rank_in_district: int
    verdicts: list[Verdict] = field(default_factory=list)


@dataclass
class Snapshot:
    path: Path
    exists: bool
    published_at: datetime | None = None
    runs: list[dict[str, Any]] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    reconciliation: list[dict[str, Any]] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)  # open and acknowledged
    scorecard: list[ScoreRow] = field(default_factory=list)
    error: str | None = None

    def districts(self) -> list[tuple[str, str]]:
        """(district_id, name) of every district the scorecard names, sorted by name."""
        seen = {r.district_id: r.district or r.district_id for r in self.scorecard if r.district_id}
        return sorted(seen.items(), key=lambda kv: (kv[1], kv[0]))

    def years(self) -> list[int]:
        """Report years of the scorecard, latest first."""
        return sorted({r.report_year for r in self.scorecard}, reverse=True)

    def ranking(self, year: int, district: str | None = None) -> list[ScoreRow]:
        """Scorecard rows of ``year`` (of one district, if given) ranked by total score
        (ties share a rank; within a tie, by agency name)."""
        rows = [
            r
            for r in self.scorecard
            if r.report_year == year and (district is None or r.district_id == district)
        ]
        rank = (lambda r: r.rank_in_district) if district else (lambda r: r.rank_in_year)
        return sorted(rows, key=lambda r: (rank(r), r.agency, r.agency_id))

    def by_state(self, state: str) -> list[Finding]:
        """Findings in ``state``: ``new`` (open, first seen in the latest run), ``open`` or
        ``acknowledged``."""
        if state == "new":
            return [f for f in self.findings if f.state == "open" and f.is_new]
        return [f for f in self.findings if f.state == state]


def published_path() -> Path:
    """The analysts' snapshot, as the pipeline config locates it (env overrides honoured)."""
    from disclosure_etl import config

    return config.load().published_path


def _urls(value: Any) -> list[str]:
    """Every http(s) URL inside a JSON sample (strings, lists, dicts), in order."""
    out: list[str] = []
    if isinstance(value, str):
        if value.startswith(("http://", "https://")):
            out.append(value)
    elif isinstance(value, dict):
        for v in value.values():
            out.extend(_urls(v))
    elif isinstance(value, list):
        for v in value:
            out.extend(_urls(v))
    return out


def read_snapshot(path: Path | None = None, *, max_runs: int = 10) -> Snapshot:
    """Load runs, counts, total reconciliation and open findings from ``path`` read-only."""
    import duckdb

    from disclosure_etl.warehouse.read import SCORECARD_CRITERIA

    path = path or published_path()
    if not path.is_file():
        return Snapshot(path=path, exists=False)
    snap = Snapshot(
        path=path,
        exists=True,
        published_at=datetime.fromtimestamp(path.stat().st_mtime, tz=UTC),
    )
    try:
        con = duckdb.connect(str(path), read_only=True)
    except duckdb.Error as e:  # e.g. a DuckDB older than the file
        snap.error = f"cannot open {path}: {e}"
        return snap
    try:
        cols = [
            "run_id", "started_at", "finished_at", "status", "requests", "pages_fetched",
            "items_new", "items_changed", "items_withdrawn", "reports_parsed", "http_errors",
        ]  # fmt: skip
        snap.runs = [
            dict(zip(cols, r, strict=True)) for r in con.execute(RUNS_SQL, [max_runs]).fetchall()
        ]
        for key, sql in COUNTS_SQL.items():
            row = con.execute(sql).fetchone()
            snap.counts[key] = int(row[0]) if row else 0
        rcols = [
            "agency_id",
            "name",
            "report_year",
            "reported",
            "posted",
            "difference",
            "status",
            "note",
            "district_id",
        ]
        snap.reconciliation = [
            dict(zip(rcols, r, strict=True)) for r in con.execute(RECON_SQL).fetchall()
        ]
        reports: dict[tuple[str, int], list[str]] = {}
        for agency_id, year, url, _title in con.execute(REPORTS_SQL).fetchall():
            reports.setdefault((agency_id, year), []).append(url)
        for row in con.execute(FINDINGS_SQL).fetchall():
            sev, check_id, dim, agency_id, agency, year, obs, exp, msg, sample, status, site = row[
                :12
            ]
            key, scope, state, is_new, first_seen, ack_by, ack_at, ack_note, district = row[12:]
            try:
                sample_urls = _urls(json.loads(sample)) if sample else []
            except ValueError:
                sample_urls = []
            links = list(dict.fromkeys(sample_urls + reports.get((agency_id, year), [])))
            if not links and site:
                links = [site]
            snap.findings.append(
                Finding(
                    sev,
                    check_id,
                    dim,
                    agency_id,
                    agency,
                    year,
                    obs,
                    exp,
                    msg or "",
                    status,
                    links[:5],
                    key,
                    scope,
                    state,
                    bool(is_new),
                    first_seen,
                    ack_by,
                    ack_at,
                    ack_note,
                    district,
                )  # fmt: skip
            )
        crit = SCORECARD_CRITERIA
        snap.scorecard = [_score_row(r, crit) for r in con.execute(scorecard_sql(crit)).fetchall()]
    except duckdb.Error as e:
        snap.error = f"{path} is not a disclosure warehouse snapshot: {e}"
    finally:
        con.close()
    return snap


def _score_row(row: tuple[Any, ...], criteria: tuple[str, ...]) -> ScoreRow:
    """A ScoreRow from one scorecard_sql() row."""
    agency_id, agency, district_id, district, year, report_id = row[:6]
    total, top, unknown, rank_year, rank_district = (int(v) for v in row[6:11])
    rest = row[11:]
    verdicts = [Verdict(c, rest[2 * i], rest[2 * i + 1] or "") for i, c in enumerate(criteria)]
    return ScoreRow(
        agency_id,
        agency,
        district_id,
        district,
        int(year),
        report_id,
        total,
        top,
        unknown,
        rank_year,
        rank_district,
        verdicts,
    )
