"""The SQL check runner: one check per ``sql/checks/<id>.sql`` file.

A check file starts with header lines ``-- id:``, ``-- dimension:``, ``-- severity:``,
``-- tolerance:``, ``-- description:`` and holds one query returning one row per scope:
``agency_id, report_year, observed, expected, ok, message, sample``. ``ok`` TRUE stores
``pass``, FALSE the check's severity (``fail`` for error, ``warn`` for warn) and NULL
``skip`` (nothing comparable; the message says why). A query may add the columns
``severity`` and ``status`` to override them per row (``report.parse_health`` does).

A check whose query returns no row has checked nothing: it stores one ``error`` row saying
so, unless its header declares ``-- empty: pass`` followed by the reason (on the same or
the next comment line).

Besides the ``core`` tables, a query may read the temp tables :func:`run_checks` binds:
``check_params(run_id, today, ref_ts, parse_health_floor, copy_similarity)``, ``check_copies`` (see
:mod:`disclosure_etl.warehouse.similarity`) and those of ``sql/check_setup.sql``
(``check_figures``, ``check_t3``, ``check_t4``, ``check_primary_reports``).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import duckdb

from disclosure_etl.config import ChecksConfig
from disclosure_etl.warehouse.db import one, read_sql, sql_dir
from disclosure_etl.warehouse.similarity import COPY_CHECK, bind_copies

log = logging.getLogger(__name__)
SHANGHAI = ZoneInfo("Asia/Shanghai")
DIMENSIONS = ("reconciliation", "validity", "completeness", "freshness", "uniqueness")
SEVERITIES = ("warn", "error")
STATUSES = ("pass", "warn", "fail", "error", "skip")
_HEADER_KEYS = ("id", "dimension", "severity", "tolerance", "description", "empty")


@dataclass(frozen=True)
class Check:
    id: str
    dimension: str
    severity: str
    tolerance: str
    description: str
    sql: str
    path: Path
    empty_pass: str | None = None  # why zero rows is a pass (``-- empty: pass <reason>``)


def parse_check(path: Path) -> Check:
    """Read one check file and validate its header."""
    text = path.read_text(encoding="utf-8")
    head: dict[str, str] = {}
    last = ""
    for line in text.splitlines():
        s = line.strip()
        if not s.startswith("--"):
            if s:
                break
            continue
        key, sep, value = s[2:].strip().partition(":")
        if sep and key.strip() in _HEADER_KEYS:
            last = key.strip()
            head[last] = value.strip()
        elif last == "empty" and head["empty"] == "pass":  # the reason on the next line
            head["empty"] = f"pass {s[2:].strip()}"
            last = ""
    missing = {"id", "dimension", "severity", "tolerance", "description"} - set(head)
    if missing:
        raise ValueError(f"{path}: header lacks {sorted(missing)}")
    if head["dimension"] not in DIMENSIONS or head["severity"] not in SEVERITIES:
        raise ValueError(f"{path}: bad dimension or severity")
    if path.stem != head["id"]:
        raise ValueError(f"{path}: file name does not match id {head['id']}")
    empty = head.get("empty")
    if empty is not None and (not empty.startswith("pass") or not empty[4:].strip(" —-:;,.")):
        raise ValueError(f"{path}: '-- empty:' must read 'pass' followed by the reason")
    return Check(
        id=head["id"],
        dimension=head["dimension"],
        severity=head["severity"],
        tolerance=head["tolerance"],
        description=head["description"],
        sql=text.strip().rstrip(";"),
        path=path,
        empty_pass=empty[4:].strip(" —-:;,.") if empty else None,
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


_TEMP_TABLES = ("check_buffer", "check_figures", "ocr_uncertain_reports", "check_t3", "check_t4",
                "check_primary_reports", "check_copies")

_INSERT = """
INSERT INTO check_buffer
SELECT $run_id, $check_id, $dimension, {severity},
       COALESCE({status}, CASE WHEN q.ok IS NULL THEN 'skip' WHEN q.ok THEN 'pass'
                               WHEN {severity} = 'error' THEN 'fail' ELSE 'warn' END),
       CAST(q.agency_id AS VARCHAR), CAST(q.report_year AS INTEGER),
       CAST(q.observed AS DOUBLE), CAST(q.expected AS DOUBLE),
       COALESCE(NULLIF(CAST(q.message AS VARCHAR), ''), $description),
       CAST(q.sample AS JSON), $checked_at
FROM ({sql}) q
"""


def _insert_sql(con: duckdb.DuckDBPyConnection, check: Check) -> str:
    """The INSERT for one check, using its per-row ``severity``/``status`` columns if any."""
    cols = {d[0] for d in con.execute(f"SELECT * FROM ({check.sql}) q LIMIT 0").description}
    severity = "COALESCE(CAST(q.severity AS VARCHAR), $severity)" if "severity" in cols else "$severity"
    status = "CAST(q.status AS VARCHAR)" if "status" in cols else "NULL"
    return _INSERT.format(sql=check.sql, severity=severity, status=status)


def run_checks(
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    *,
    today: date,
    now: datetime | None = None,
    config: ChecksConfig | None = None,
    only: Iterable[str] | None = None,
) -> dict[str, Any]:
    """Run every check (or the ids in ``only``) for ``run_id``; replaces those earlier results.

    Returns ``{"pass": n, "warn": n, "fail": n, "error": n, "skip": n, "failed": [...],
    "errors": [...]}`` where ``failed`` lists the failing error-severity findings and
    ``errors`` the rows with status ``error`` (a check that could not run or checked
    nothing, a report that could not be parsed). ``now`` (default: the current time, or the
    end of ``today`` in Asia/Shanghai when ``today`` is another day) is the reference for
    freshness; ``config`` holds the thresholds (``checks:`` in the config file).

    Each check writes to an in-memory buffer (a check whose SQL raises leaves one
    ``error`` row and the others still run); the run's rows are then replaced in one
    transaction.
    """
    cfg = config or ChecksConfig()
    checks = list_checks()
    if only is not None:
        wanted = set(only)
        checks = [c for c in checks if c.id in wanted]
    checked_at = datetime.now(UTC)
    con.execute(
        "CREATE OR REPLACE TEMP TABLE check_params AS "
        "SELECT ?::VARCHAR AS run_id, ?::DATE AS today, ?::TIMESTAMPTZ AS ref_ts, "
        "?::DOUBLE AS parse_health_floor, ?::DOUBLE AS copy_similarity",
        [run_id, today, _reference_time(today, now), float(cfg.parse_health_floor),
         float(cfg.copy_similarity)],
    )
    try:
        con.execute(read_sql("check_setup.sql"))
        try:
            bind_copies(con, cfg, enabled=any(c.id == COPY_CHECK for c in checks))
        except duckdb.Error as e:  # the copy check then reports that it could not run
            log.error("report texts could not be compared: %s", e)
            con.execute("DROP TABLE IF EXISTS check_copies")
        con.execute(
            "CREATE OR REPLACE TEMP TABLE check_buffer AS SELECT * FROM core.check_results LIMIT 0"
        )
        for check in checks:
            _run_one(con, check, run_id, checked_at)
        _store(con, run_id)
    finally:
        for t in _TEMP_TABLES:
            con.execute(f"DROP TABLE IF EXISTS {t}")
    return summarize(con, run_id)


def _store(con: duckdb.DuckDBPyConnection, run_id: str) -> None:
    """Replace the run's rows of the checks in the buffer with the buffer (one transaction)."""
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute(
            "DELETE FROM core.check_results WHERE run_id = ? AND check_id IN "
            "(SELECT DISTINCT check_id FROM check_buffer)",
            [run_id],
        )
        con.execute("INSERT INTO core.check_results SELECT * FROM check_buffer")
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise


def _run_one(con: duckdb.DuckDBPyConnection, check: Check, run_id: str, checked_at: datetime) -> None:
    """Buffer one check's rows; an ``error`` row when it crashes or checks nothing."""
    params = {
        "run_id": run_id,
        "check_id": check.id,
        "dimension": check.dimension,
        "severity": check.severity,
        "description": check.description,
        "checked_at": checked_at,
    }
    row: list[Any] = [run_id, check.id, check.dimension, check.severity]
    what = f"{check.description[0].lower()}{check.description[1:]}"
    try:
        con.execute(_insert_sql(con, check), params)
        n = one(con, "SELECT count(*) FROM check_buffer WHERE check_id = ?", [check.id])
        if n[0] > 0:
            return
        if check.empty_pass:
            row += ["pass", f"Nothing to check, which is a pass here ({check.empty_pass}): {what}"]
        else:
            row += ["error", f"Nothing was checked (the check found no rows to look at): {what}"]
    except duckdb.Error as e:
        row += ["error", f"The check could not run: {str(e).splitlines()[0]}"]
    con.execute(
        "INSERT INTO check_buffer VALUES (?, ?, ?, ?, ?, NULL, NULL, NULL, NULL, ?, NULL, ?)",
        [*row, checked_at],
    )


def summarize(con: duckdb.DuckDBPyConnection, run_id: str) -> dict[str, Any]:
    """Counts by status and the failing error-severity findings of one run's checks."""
    out: dict[str, Any] = {"pass": 0, "warn": 0, "fail": 0, "error": 0, "skip": 0}
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
