"""The SQL check runner: one check per ``sql/checks/<id>.sql`` file.

A check file starts with header lines ``-- id:``, ``-- dimension:``, ``-- severity:``,
``-- tolerance:``, ``-- description:`` and holds one query returning one row per scope:
``agency_id, report_year, observed, expected, ok, message, sample``. Besides the ``core``
tables, a query may read the temp tables :func:`run_checks` binds: ``check_params(run_id,
today, ref_ts)`` and those of ``sql/check_setup.sql`` (``check_figures``, ``check_t3``,
``check_t4``, ``check_primary_reports``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import duckdb

from disclosure_etl.warehouse.db import one, read_sql, sql_dir

SHANGHAI = ZoneInfo("Asia/Shanghai")
DIMENSIONS = ("reconciliation", "validity", "completeness", "freshness", "uniqueness")
SEVERITIES = ("warn", "error")


@dataclass(frozen=True)
class Check:
    id: str
    dimension: str
    severity: str
    tolerance: str
    description: str
    sql: str
    path: Path


def parse_check(path: Path) -> Check:
    """Read one check file and validate its header."""
    text = path.read_text(encoding="utf-8")
    head: dict[str, str] = {}
    for line in text.splitlines():
        s = line.strip()
        if not s.startswith("--"):
            if s:
                break
            continue
        key, sep, value = s[2:].strip().partition(":")
        if sep and key.strip() in ("id", "dimension", "severity", "tolerance", "description"):
            head[key.strip()] = value.strip()
    missing = {"id", "dimension", "severity", "tolerance", "description"} - set(head)
    if missing:
        raise ValueError(f"{path}: header lacks {sorted(missing)}")
    if head["dimension"] not in DIMENSIONS or head["severity"] not in SEVERITIES:
        raise ValueError(f"{path}: bad dimension or severity")
    if path.stem != head["id"]:
        raise ValueError(f"{path}: file name does not match id {head['id']}")
    return Check(
        id=head["id"],
        dimension=head["dimension"],
        severity=head["severity"],
        tolerance=head["tolerance"],
        description=head["description"],
        sql=text.strip().rstrip(";"),
        path=path,
    )


def list_checks(directory: Path | None = None) -> list[Check]:
    """Every check in ``sql/checks/``, sorted by id."""
    d = directory or sql_dir() / "checks"
    return sorted((parse_check(p) for p in d.glob("*.sql")), key=lambda c: c.id)


def _reference_time(today: date, now: datetime | None) -> datetime:
    if now is not None:
        return now if now.tzinfo else now.replace(tzinfo=UTC)
    current = datetime.now(UTC)
    if current.astimezone(SHANGHAI).date() == today:
        return current
    # a run dated another day: the end of that day in Asia/Shanghai
    return datetime.combine(today + timedelta(days=1), time(0), SHANGHAI) - timedelta(seconds=1)


_TEMP_TABLES = ("check_buffer", "check_figures", "ocr_uncertain_reports", "check_t3", "check_t4", "check_primary_reports")

_INSERT = """
INSERT INTO check_buffer
SELECT $run_id, $check_id, $dimension, $severity,
       CASE WHEN q.ok THEN 'pass' WHEN $severity = 'error' THEN 'fail' ELSE 'warn' END,
       CAST(q.agency_id AS VARCHAR), CAST(q.report_year AS INTEGER),
       CAST(q.observed AS DOUBLE), CAST(q.expected AS DOUBLE),
       COALESCE(NULLIF(CAST(q.message AS VARCHAR), ''), $description),
       CAST(q.sample AS JSON), $checked_at
FROM ({sql}) q
"""


def run_checks(
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    *,
    today: date,
    now: datetime | None = None,
) -> dict[str, Any]:
    """Run every check for ``run_id``; replaces that run's earlier results.

    Returns ``{"pass": n, "warn": n, "fail": n, "error": n, "failed": [...], "errors": [...]}``
    where ``failed`` lists the failing error-severity findings and ``errors`` the checks
    that could not run. ``now`` (default: the current time, or the end of ``today`` in
    Asia/Shanghai when ``today`` is another day) is the reference for freshness.

    Each check writes to an in-memory buffer (a check whose SQL raises leaves one
    ``error`` row and the others still run); the run's rows are then replaced in one
    transaction.
    """
    checked_at = datetime.now(UTC)
    con.execute(
        "CREATE OR REPLACE TEMP TABLE check_params AS "
        "SELECT ?::VARCHAR AS run_id, ?::DATE AS today, ?::TIMESTAMPTZ AS ref_ts",
        [run_id, today, _reference_time(today, now)],
    )
    con.execute(read_sql("check_setup.sql"))
    con.execute(
        "CREATE OR REPLACE TEMP TABLE check_buffer AS SELECT * FROM core.check_results LIMIT 0"
    )
    for check in list_checks():
        params = {
            "run_id": run_id,
            "check_id": check.id,
            "dimension": check.dimension,
            "severity": check.severity,
            "description": check.description,
            "checked_at": checked_at,
        }
        row: list[Any] = [run_id, check.id, check.dimension, check.severity]
        try:
            con.execute(_INSERT.format(sql=check.sql), params)
            n = one(con, "SELECT count(*) FROM check_buffer WHERE check_id = ?", [check.id])
            if n[0] == 0:
                what = f"{check.description[0].lower()}{check.description[1:]}"
                row += ["pass", f"Nothing to check: {what}"]
            else:
                continue
        except duckdb.Error as e:
            row += ["error", f"The check could not run: {str(e).splitlines()[0]}"]
        con.execute(
            "INSERT INTO check_buffer VALUES (?, ?, ?, ?, ?, NULL, NULL, NULL, NULL, ?, NULL, ?)",
            [*row, checked_at],
        )
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute("DELETE FROM core.check_results WHERE run_id = ?", [run_id])
        con.execute("INSERT INTO core.check_results SELECT * FROM check_buffer")
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    finally:
        for t in _TEMP_TABLES:
            con.execute(f"DROP TABLE IF EXISTS {t}")
    return summarize(con, run_id)


def summarize(con: duckdb.DuckDBPyConnection, run_id: str) -> dict[str, Any]:
    """Counts by status and the failing error-severity findings of one run's checks."""
    out: dict[str, Any] = {"pass": 0, "warn": 0, "fail": 0, "error": 0}
    for status, n in con.execute(
        "SELECT status, count(*) FROM core.check_results WHERE run_id = ? GROUP BY status",
        [run_id],
    ).fetchall():
        out[status] = n
    cols = ["check_id", "severity", "status", "agency_id", "report_year", "observed",
            "expected", "message", "sample"]
    rows = con.execute(
        f"SELECT {', '.join(cols)} FROM core.check_results WHERE run_id = ? "
        "AND status IN ('fail', 'error') ORDER BY check_id, agency_id, report_year",
        [run_id],
    ).fetchall()
    findings = [dict(zip(cols, r, strict=True)) for r in rows]  # sample: JSON text
    out["failed"] = [f for f in findings if f["status"] == "fail"]
    out["errors"] = [f for f in findings if f["status"] == "error"]
    return out
