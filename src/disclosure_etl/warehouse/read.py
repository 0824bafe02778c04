"""Read helpers for the crawl, the CLI and the demo; each opens the file read-only briefly."""

from __future__ import annotations

import unicodedata
from datetime import datetime
from pathlib import Path
from typing import Any

from disclosure_etl.warehouse.db import one, reading


def _has_schema(con: Any) -> bool:
    row = one(
        con,
        "SELECT count(*) FROM duckdb_tables() WHERE schema_name = 'core' AND table_name = 'items'",
    )
    return bool(row[0])


def known_items(path: Path, agency_id: str) -> dict[int, str]:
    """``item_id -> row_hash`` of the agency's items that are listed and not withdrawn."""
    if not Path(path).exists():
        return {}
    with reading(path) as con:
        if not _has_schema(con):
            return {}
        rows = con.execute(
            "SELECT item_id, row_hash FROM core.items "
            "WHERE agency_id = ? AND withdrawn_at IS NULL",
            [agency_id],
        ).fetchall()
    return {int(i): h for i, h in rows}


def known_report_urls(path: Path) -> set[str]:
    """URLs of every loaded report, copies included."""
    if not Path(path).exists():
        return set()
    with reading(path) as con:
        if not _has_schema(con):
            return set()
        rows = con.execute(
            "SELECT url FROM core.reports WHERE url IS NOT NULL "
            "UNION SELECT unnest(copies) FROM core.reports"
        ).fetchall()
    return {r[0] for r in rows if r[0]}


def last_full_relist(path: Path) -> datetime | None:
    """``finished_at`` of the last loaded run with ``full_relist`` true, else None."""
    if not Path(path).exists():
        return None
    with reading(path) as con:
        if not _has_schema(con):
            return None
        row = one(con, "SELECT max(finished_at) FROM core.runs WHERE full_relist")
    return row[0] if row else None


def _width(text: str) -> int:
    """Display width on a terminal: CJK characters take two columns."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


def _table(rows: list[tuple[Any, ...]], header: tuple[str, ...]) -> list[str]:
    cells = [tuple("" if v is None else str(v) for v in r) for r in [header, *rows]]
    widths = [max(_width(r[i]) for r in cells) for i in range(len(header))]
    return ["  ".join(_pad(c, w) for c, w in zip(r, widths, strict=True)).rstrip() for r in cells]


#: a check_results row about one district: its agency's, or a run-level row computed per
#: district (its sample names the district); bound parameter: the district id
DISTRICT_ROW = ("(agency_id IN (SELECT agency_id FROM core.agencies WHERE district_id = $district)"
                " OR json_extract_string(sample, '$.district_id') = $district)")


def status_text(path: Path, district: str | None = None) -> str:
    """``disclosure-etl status``: last runs, items per site, open findings; with
    ``district``, the sites and findings of that district only."""
    if not Path(path).exists():
        return f"no warehouse at {path}"
    with reading(path) as con:
        if not _has_schema(con):
            return f"{path}: empty warehouse (no run loaded)"
        p: dict[str, Any] = {"district": district} if district else {}
        in_district = f"AND {DISTRICT_ROW}" if district else ""
        out = [f"warehouse: {path}"] + ([f"district: {district}"] if district else []) + ["", "last runs:"]
        runs = con.execute(
            "SELECT run_id, status, strftime(started_at AT TIME ZONE 'UTC', '%Y-%m-%d %H:%M'),"
            " requests, http_errors, items_new, items_changed, items_withdrawn, reports_parsed "
            "FROM runs ORDER BY started_at DESC NULLS LAST, run_id DESC LIMIT 5"
        ).fetchall()
        out += ["  " + s for s in _table(runs, ("run", "status", "started (UTC)", "requests",
                                                "http_errors", "new", "changed", "withdrawn",
                                                "reports"))] if runs else ["  (none)"]
        sites = con.execute(
            "SELECT a.agency_id, a.name, count(i.item_id), count(i.item_id) FILTER "
            "(WHERE i.withdrawn_at IS NULL), count(i.item_id) FILTER (WHERE i.withdrawn_at "
            "IS NOT NULL) FROM core.agencies a LEFT JOIN core.items i USING (agency_id) "
            + ("WHERE a.district_id = $district " if district else "")
            + "GROUP BY ALL ORDER BY a.agency_id", p
        ).fetchall()
        out += ["", "items per site:"]
        out += ["  " + s for s in _table(sites, ("agency", "name", "items", "listed",
                                                 "withdrawn"))] if sites else ["  (none)"]
        counts = con.execute(
            f"SELECT run_id, status, count(*) FROM latest_check_results WHERE TRUE {in_district} "
            "GROUP BY ALL ORDER BY 2", p
        ).fetchall()
        findings = con.execute(
            "SELECT status, check_id, agency_id, report_year, message FROM latest_check_results "
            f"WHERE status NOT IN ('pass', 'skip') {in_district} ORDER BY CASE status WHEN 'error' "
            "THEN 0 WHEN 'fail' THEN 1 ELSE 2 END, check_id, agency_id, report_year LIMIT 30", p
        ).fetchall()
        n_open = sum(n for _, s, n in counts if s != "pass")
        run = counts[0][0] if counts else None
        out += ["", f"open findings ({n_open}, checks of run {run}): "
                + ", ".join(f"{s} {n}" for _, s, n in counts) if counts else "",]
        if not counts:
            out[-1] = "open findings: no checks have run"
        out += ["  " + s for s in _table(findings, ("status", "check", "agency", "year",
                                                    "message"))] if findings else []
        if n_open > len(findings):
            out.append(f"  … and {n_open - len(findings)} more (SELECT * FROM latest_check_results)")
    return "\n".join(out)


def short_name(name: str) -> str:
    """``广州市白云区人民政府鹤龙街道办事处`` -> ``鹤龙街道办事处``; other names unchanged."""
    head, sep, tail = name.rpartition("人民政府")
    return tail if sep and tail else name


def summary_lines(path: Path) -> list[str]:
    """One line per agency and report year: name, year, reported, posted, difference, status."""
    if not Path(path).exists():
        return []
    with reading(path) as con:
        if not _has_schema(con):
            return []
        rows = con.execute(
            "SELECT COALESCE(a.name, r.agency_id), r.report_year, r.reported, r.posted, "
            "r.difference, r.status FROM reconciliation r LEFT JOIN agencies a USING (agency_id) "
            "WHERE r.scope = 'total' ORDER BY a.name, r.agency_id, r.report_year"
        ).fetchall()
    rows = [(short_name(r[0]), *r[1:]) for r in rows]
    width = max((_width(r[0]) for r in rows), default=0)

    def num(v: Any) -> str:
        return "-" if v is None else str(v)

    return [
        f"{_pad(name, width)}  {year}  reported {num(rep)}  posted {num(pos)}  diff {num(diff)}  {status}"
        for name, year, rep, pos, diff, status in rows
    ]
