"""Findings with a life: the ``findings`` view (sql/findings.sql), acknowledgements and the
decision whether a run of checks should turn red.

Acknowledgements live in an append-only file in the data dir (``acknowledgements.jsonl``,
one JSON object a line, the last line per key wins) so that they survive ``parse --rebuild``
and a warehouse rebuilt from the archive; :func:`load_acknowledgements` copies the file into
``core.acknowledgements`` at every load and check.
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import asdict, dataclass, fields
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import duckdb
import pyarrow as pa

log = logging.getLogger(__name__)

ACK_FILE = "acknowledgements.jsonl"
STATES = ("open", "resolved", "acknowledged")
FailOn = Literal["never", "new_error", "error"]
FAIL_ON: tuple[FailOn, ...] = ("never", "new_error", "error")


@dataclass(frozen=True)
class Finding:
    """One row of the ``findings`` view (the columns operators and the notifier use)."""

    finding_key: str
    check_id: str
    agency_id: str | None
    report_year: int | None
    scope: str
    severity: str
    status: str
    state: str
    is_new: bool
    first_seen_run: str
    last_seen_run: str
    acknowledged_by: str | None
    acknowledged_at: datetime | None
    ack_note: str | None
    message: str
    district_id: str | None = None

    @property
    def is_error(self) -> bool:
        """An error-severity finding, or a check that could not run."""
        return self.severity == "error" or self.status == "error"

    def as_json(self) -> dict[str, Any]:
        d = asdict(self)
        d["acknowledged_at"] = self.acknowledged_at.isoformat() if self.acknowledged_at else None
        return d


_COLUMNS = [f.name for f in fields(Finding)]


def list_findings(
    con: duckdb.DuckDBPyConnection,
    *,
    state: str | None = None,
    new: bool = False,
    check_ids: tuple[str, ...] | None = None,
    district: str | None = None,
) -> list[Finding]:
    """Findings (of one ``district``, if given), open ones first, then by check, agency,
    year and scope."""
    where: list[str] = ["TRUE"]
    params: list[Any] = []
    if state is not None:
        if state not in STATES:
            raise ValueError(f"unknown state {state!r} (choose from {', '.join(STATES)})")
        where.append("state = ?")
        params.append(state)
    if new:
        where.append("is_new")
    if check_ids is not None:
        where.append("list_contains(?, check_id)")
        params.append(list(check_ids))
    if district is not None:
        where.append("district_id = ?")
        params.append(district)
    rows = con.execute(
        f"SELECT {', '.join(_COLUMNS)} FROM findings WHERE {' AND '.join(where)} "
        "ORDER BY state = 'resolved', severity = 'error' DESC, check_id, agency_id, "
        "report_year, scope",
        params,
    ).fetchall()
    return [Finding(**dict(zip(_COLUMNS, r, strict=True))) for r in rows]


# ------------------------------------------------------------------ acknowledgements


@dataclass(frozen=True)
class Acknowledgement:
    """One line of ``acknowledgements.jsonl``."""

    finding_key: str
    check_id: str
    agency_id: str | None
    report_year: int | None
    scope: str
    acknowledged_by: str
    acknowledged_at: datetime
    ack_note: str

    def to_line(self) -> str:
        d = asdict(self)
        d["acknowledged_at"] = self.acknowledged_at.isoformat()
        return json.dumps(d, ensure_ascii=False)

    @classmethod
    def from_line(cls, line: str) -> Acknowledgement:
        d = json.loads(line)
        d["acknowledged_at"] = datetime.fromisoformat(d["acknowledged_at"])
        return cls(**{f.name: d.get(f.name) for f in fields(cls)})


def acknowledgements_path(data_dir: str | Path) -> Path:
    return Path(data_dir) / ACK_FILE


def read_acknowledgements(path: Path) -> list[Acknowledgement]:
    """Every acknowledgement in the file, in order; a line that cannot be read is logged."""
    if not path.is_file():
        return []
    out: list[Acknowledgement] = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            out.append(Acknowledgement.from_line(line))
        except (ValueError, TypeError, KeyError) as e:
            log.error("%s line %d: not an acknowledgement (%s); ignored", path, n, e)
    return out


def append_acknowledgement(path: Path, ack: Acknowledgement) -> None:
    """Append one acknowledgement durably (the file is never rewritten)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as f:
        f.write(ack.to_line() + "\n")
        f.flush()
        os.fsync(f.fileno())


_ACK_SCHEMA = pa.schema(
    [
        ("finding_key", pa.string()),
        ("check_id", pa.string()),
        ("agency_id", pa.string()),
        ("report_year", pa.int32()),
        ("scope", pa.string()),
        ("acknowledged_by", pa.string()),
        ("acknowledged_at", pa.timestamp("us", tz="UTC")),
        ("ack_note", pa.string()),
    ]
)


def load_acknowledgements(con: duckdb.DuckDBPyConnection, path: Path) -> int:
    """Replace ``core.acknowledgements`` with the file's content; returns the lines loaded."""
    acks = read_acknowledgements(path)
    table = pa.Table.from_pylist([asdict(a) for a in acks], schema=_ACK_SCHEMA)
    con.register("stg_acknowledgements", table)
    try:
        con.execute("BEGIN TRANSACTION")
        try:
            con.execute("DELETE FROM core.acknowledgements")
            con.execute("INSERT INTO core.acknowledgements SELECT * FROM stg_acknowledgements")
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
    finally:
        con.unregister("stg_acknowledgements")
    return len(acks)


def acknowledge(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    key: str,
    *,
    note: str,
    by: str,
    now: datetime | None = None,
) -> Acknowledgement:
    """Record an acknowledgement of the finding ``key`` (looked up in ``con``) in ``path``.

    Raises KeyError when no finding has that key."""
    found = [f for f in list_findings(con) if f.finding_key == key.strip()]
    if not found:
        raise KeyError(key)
    f = found[0]
    ack = Acknowledgement(
        finding_key=f.finding_key,
        check_id=f.check_id,
        agency_id=f.agency_id,
        report_year=f.report_year,
        scope=f.scope,
        acknowledged_by=by,
        acknowledged_at=now or datetime.now(UTC),
        ack_note=note,
    )
    append_acknowledgement(path, ack)
    return ack


# ------------------------------------------------------------------ red or green


@dataclass(frozen=True)
class Verdict:
    """Whether a run of checks should fail, and the findings that make it so."""

    fail_on: str
    fail: bool
    reason: str
    findings: tuple[Finding, ...]


def failing_findings(findings: list[Finding], fail_on: str) -> list[Finding]:
    """The open (not acknowledged, not resolved) findings that make a run red under ``fail_on``.

    - ``never``: none.
    - ``new_error`` (default): a check that could not run (status ``error``), and an
      error-severity finding first seen in the latest run of its check.
    - ``error``: every open error-severity finding and every check that could not run.
    """
    if fail_on not in FAIL_ON:
        raise ValueError(f"fail_on must be one of {', '.join(FAIL_ON)}, not {fail_on!r}")
    if fail_on == "never":
        return []
    open_errors = [f for f in findings if f.state == "open" and f.is_error]
    if fail_on == "error":
        return open_errors
    return [f for f in open_errors if f.status == "error" or f.is_new]


def verdict(
    con: duckdb.DuckDBPyConnection, fail_on: str, check_ids: tuple[str, ...] | None = None
) -> Verdict:
    """Decide red or green for the latest checks (of ``check_ids``, default every check)."""
    failing = failing_findings(list_findings(con, check_ids=check_ids), fail_on)
    if not failing:
        return Verdict(fail_on, False, f"no finding fails the run under fail_on={fail_on}", ())
    n_broken = sum(1 for f in failing if f.status == "error")
    n_new = sum(1 for f in failing if f.status != "error" and f.is_new)
    n_old = len(failing) - n_broken - n_new
    parts = [
        f"{n} {what}"
        for n, what in (
            (n_broken, "check(s) could not run"),
            (n_new, "new error finding(s)"),
            (n_old, "open error finding(s)"),
        )
        if n
    ]
    return Verdict(fail_on, True, ", ".join(parts) + f" (fail_on={fail_on})", tuple(failing))


def new_error_findings(
    con: duckdb.DuckDBPyConnection, check_ids: tuple[str, ...] | None = None
) -> list[Finding]:
    """Open error findings first seen in the latest run of their check: what the notifier sends."""
    return [f for f in list_findings(con, state="open", new=True, check_ids=check_ids) if f.is_error]
