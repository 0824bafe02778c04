"""Connections, the schema and where the SQL files live."""

from __future__ import annotations

import functools
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb

#: seconds a read-only open keeps retrying while a writer holds the file
READ_RETRY_S = 10.0


def sql_dir() -> Path:
    """The ``sql/`` directory: ``$DISCLOSURE_SQL_DIR``, else ``<repo>/sql`` (src layout),
    else ``disclosure_etl/sql`` (a copy shipped as package data)."""
    env = os.environ.get("DISCLOSURE_SQL_DIR")
    if env:
        return Path(env)
    repo = Path(__file__).resolve().parents[3] / "sql"
    packaged = Path(__file__).resolve().parents[1] / "sql"
    return repo if repo.is_dir() or not packaged.is_dir() else packaged


def read_sql(name: str) -> str:
    """Text of ``sql/<name>`` (e.g. ``schema.sql``, ``checks/crawl.freshness.sql``)."""
    return (sql_dir() / name).read_text(encoding="utf-8")


@functools.cache
def core_columns() -> dict[str, tuple[tuple[str, str], ...]]:
    """``table -> ((column, DuckDB type), …)`` of every ``core`` table, in order, read from
    DuckDB's catalog after running ``schema.sql`` on an in-memory database."""
    con = duckdb.connect(":memory:")
    try:
        con.execute(read_sql("schema.sql"))
        rows = con.execute(
            "SELECT table_name, column_name, data_type FROM duckdb_columns() "
            "WHERE schema_name = 'core' ORDER BY table_name, column_index"
        ).fetchall()
    finally:
        con.close()
    out: dict[str, list[tuple[str, str]]] = {}
    for table, column, dtype in rows:
        out.setdefault(table, []).append((column, dtype))
    return {t: tuple(cols) for t, cols in out.items()}


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create the tables, macros and views (idempotent) with their comments."""
    con.execute(read_sql("schema.sql"))
    con.execute(read_sql("views.sql"))
    con.execute(read_sql("findings.sql"))
    con.execute(read_sql("scorecard.sql"))


#: DuckDB's memory limit of a pipeline stage's connection: parse and load, checks, publish
#: and its Parquet export (beyond it DuckDB writes its buffers to disk). Its default, 80 % of RAM, let a province run's task
#: pass 1 GiB (issue #13). It is set on the connection only: the file keeps no limit.
TASK_MEMORY_LIMIT = "384MB"


def connect(path: Path, *, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open the warehouse; a writable connection (a pipeline stage's) creates/refreshes the
    schema and is held to ``TASK_MEMORY_LIMIT``."""
    path = Path(path)
    if read_only:
        return open_read_only(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(path), config={"memory_limit": TASK_MEMORY_LIMIT})
    try:
        ensure_schema(con)
    except BaseException:
        con.close()
        raise
    return con


def _is_lock_error(e: Exception) -> bool:
    text = str(e).lower()
    return "lock" in text or "conflicting" in text


def open_read_only(path: Path, retry_s: float = READ_RETRY_S) -> duckdb.DuckDBPyConnection:
    """Open ``path`` read-only, retrying for ``retry_s`` while a writer holds its lock."""
    deadline = time.monotonic() + retry_s
    delay = 0.05
    while True:
        try:
            return duckdb.connect(str(path), read_only=True)
        except duckdb.IOException as e:
            if not _is_lock_error(e) or time.monotonic() >= deadline:
                raise
            time.sleep(delay)
            delay = min(delay * 2, 0.5)


@contextmanager
def reading(path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """A short-lived read-only connection (closed on exit)."""
    con = open_read_only(Path(path))
    try:
        yield con
    finally:
        con.close()


def one(con: duckdb.DuckDBPyConnection, sql: str, params: Any = None) -> tuple[Any, ...]:
    """The first row of a query, the result fully consumed (DuckDB 2.0 keeps a partly
    fetched result open and refuses other work on the connection until it is done)."""
    rows = con.execute(sql, params).fetchall()
    return tuple(rows[0]) if rows else ()
