"""Exports for analysts: every analyst view as Parquet beside the published snapshot, and
one view on demand (``disclosure-etl export``).

The list of views is read from the warehouse (``duckdb_views()``, schema ``main``), never
hard-coded, so a new view is exported as soon as it exists. Files are written by DuckDB's
own ``COPY … TO`` from the snapshot being published.

The Parquet set is published like the snapshot: written into a fresh folder
``parquet-<stamp>/`` beside it (``manifest.json`` last), then the symlink ``parquet`` is
pointed at it by an atomic rename. A reader sees the old set or the new one, never a
half-written one, and never a missing folder; the previous set is kept one publish longer
so a reader that listed its files can still open them.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO

import duckdb

from disclosure_etl.warehouse.db import TASK_MEMORY_LIMIT

log = logging.getLogger(__name__)

#: the link analysts read through, beside the published snapshot
PARQUET_DIR = "parquet"
MANIFEST = "manifest.json"
#: views written as a Hive-partitioned folder instead of one file: view -> column
PARTITION_BY = {"report_figures": "report_year"}
FORMATS = ("csv", "parquet")


class ExportError(Exception):
    """A view could not be exported (the message names the view and the reason)."""


class UnknownView(ExportError):
    """No analyst view by that name; ``views`` lists the valid ones."""

    def __init__(self, view: str, views: list[str]) -> None:
        super().__init__(f"unknown view '{view}' (choose from {', '.join(views)})")
        self.views = views


class BadFilter(ExportError):
    """The ``--where`` condition does not parse or bind against the view."""


@dataclass(frozen=True)
class ExportedFile:
    """One written file: its path relative to the Parquet folder, rows, size and sha256."""

    path: str
    rows: int
    bytes: int
    sha256: str


@dataclass(frozen=True)
class ViewExport:
    """One view's export: its row count in the snapshot and the files that hold them."""

    view: str
    rows: int
    partition_by: str | None
    files: list[ExportedFile] = field(default_factory=list)


@dataclass(frozen=True)
class Manifest:
    """``manifest.json``: which run the set comes from, when, and every file's checksum."""

    run_id: str | None
    generated_at: str
    snapshot: str
    views: list[ViewExport]
    seconds: float

    def to_json(self) -> str:
        body = asdict(self)
        body["views"] = {v.pop("view"): v for v in body["views"]}
        return json.dumps(body, ensure_ascii=False, indent=2) + "\n"


def view_comments(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str | None]]:
    """(name, comment) of every analyst view: non-internal views of schema ``main``."""
    rows = con.execute(
        "SELECT view_name, comment FROM duckdb_views() "
        "WHERE NOT internal AND schema_name = 'main' AND database_name = current_database() "
        "ORDER BY view_name"
    ).fetchall()
    return [(str(v), c) for v, c in rows]


def analyst_views(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Names of the analyst views, sorted."""
    return [v for v, _ in view_comments(con)]


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _lit(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def view_query(con: duckdb.DuckDBPyConnection, view: str, where: str | None = None) -> str:
    """``SELECT * FROM view [WHERE …]``, checked: UnknownView / BadFilter otherwise."""
    views = analyst_views(con)
    if view not in views:
        raise UnknownView(view, views)
    sql = f"SELECT * FROM {_ident(view)}"
    if where is not None and where.strip():
        sql += f" WHERE ({where})"
        try:
            con.execute(f"SELECT count(*) FROM ({sql} LIMIT 0)").fetchall()
        except duckdb.Error as e:
            first = str(e).strip().splitlines()[0]
            raise BadFilter(f"bad --where for view '{view}': {first}") from None
    return sql


def copy_query(con: duckdb.DuckDBPyConnection, sql: str, out: Path, fmt: str,
               partition_by: str | None = None) -> int:
    """Write the rows of ``sql`` to ``out`` with DuckDB's COPY; return the rows written."""
    if fmt not in FORMATS:
        raise ExportError(f"unknown format '{fmt}' (choose from {', '.join(FORMATS)})")
    opts = "FORMAT parquet" if fmt == "parquet" else "FORMAT csv, HEADER true"
    if partition_by:
        opts += f", PARTITION_BY ({_ident(partition_by)})"
    rows = con.execute(f"COPY ({sql}) TO {_lit(out)} ({opts})").fetchall()
    return int(rows[0][0]) if rows else 0


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _export_view(con: duckdb.DuckDBPyConnection, view: str, folder: Path) -> ViewExport:
    """Write one view into ``folder``; check the files hold exactly the rows written."""
    part = PARTITION_BY.get(view)
    target = folder / (view if part else f"{view}.parquet")
    written = copy_query(con, f"SELECT * FROM {_ident(view)}", target, "parquet", part)
    paths = sorted(target.rglob("*.parquet")) if part else [target]
    counts = dict(con.execute(
        "SELECT file_name, num_rows FROM parquet_file_metadata(?)", [[str(p) for p in paths]]
    ).fetchall()) if paths else {}
    files = []
    for p in paths:
        _fsync(p)
        files.append(ExportedFile(p.relative_to(folder).as_posix(), int(counts[str(p)]),
                                  p.stat().st_size, _sha256(p)))
    if sum(f.rows for f in files) != written:
        raise ExportError(f"{view}: {written} rows written but the files hold "
                          f"{sum(f.rows for f in files)}")
    return ViewExport(view, written, part, files)


def _latest_run(con: duckdb.DuckDBPyConnection) -> str | None:
    try:
        rows = con.execute("SELECT run_id FROM runs ORDER BY started_at DESC LIMIT 1").fetchall()
    except duckdb.Error:
        return None
    return str(rows[0][0]) if rows else None


def write_parquet_set(snapshot: Path, folder: Path, published_name: str) -> Manifest:
    """Write every analyst view of ``snapshot`` into the new ``folder``, manifest last."""
    t0 = time.monotonic()
    folder.mkdir(parents=True)
    # bounded (issue #13): with DuckDB's default the publish task of a 300k-item province
    # reached 764 MiB, growing with the views
    con = duckdb.connect(str(snapshot), read_only=True,
                         config={"memory_limit": TASK_MEMORY_LIMIT})
    try:
        views = [_export_view(con, v, folder) for v in analyst_views(con)]
        run_id = _latest_run(con)
    finally:
        con.close()
    manifest = Manifest(run_id, datetime.now(UTC).isoformat(timespec="seconds"),
                        published_name, views, round(time.monotonic() - t0, 3))
    with open(folder / MANIFEST, "w", encoding="utf-8") as f:
        f.write(manifest.to_json())
        f.flush()
        os.fsync(f.fileno())
    for d in sorted({p.parent for p in folder.rglob("*")} | {folder}, reverse=True):
        _fsync(d)
    return manifest


def parquet_link(published: Path) -> Path:
    """``<published folder>/parquet``: where analysts read the Parquet set."""
    return Path(published).parent / PARQUET_DIR


def write_export(snapshot: Path, published: Path, stamp: str) -> tuple[str, Manifest]:
    """Export ``snapshot`` (the file about to be published as ``published``) into the new
    folder ``parquet-<stamp>`` beside it; return its name and manifest. Nothing a reader
    sees changes until ``swap_export``. On failure the half-written folder is removed."""
    link = parquet_link(published)
    name = f"{PARQUET_DIR}-{stamp}"
    tmp = link.with_name(f".{name}.{os.getpid()}.tmp")
    try:
        manifest = write_parquet_set(snapshot, tmp, published.name)
        os.replace(tmp, link.with_name(name))
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    log.info("exported %d views from %s in %.2f s", len(manifest.views), published.name,
             manifest.seconds)
    return name, manifest


def swap_export(published: Path, name: str) -> Path:
    """Point ``parquet`` at the written set ``name`` (atomic), drop all but it and the
    previous one; return the link."""
    link = parquet_link(published)
    previous = os.readlink(link) if link.is_symlink() else name
    _swap_link(link, name)
    _prune_sets(link, keep={name, previous})
    return link


def _swap_link(link: Path, target: str) -> None:
    """Point ``link`` at ``target`` (a sibling folder) by renaming a new symlink over it."""
    if link.exists() and not link.is_symlink():  # a plain folder: move it aside once
        link.rename(link.with_name(f"{PARQUET_DIR}-0-moved-{os.getpid()}"))
    new = link.with_name(f".{link.name}.{os.getpid()}.link")
    new.unlink(missing_ok=True)
    os.symlink(target, new, target_is_directory=True)
    os.replace(new, link)
    _fsync(link.parent)


def _prune_sets(link: Path, keep: set[str]) -> None:
    for p in link.parent.glob(f"{PARQUET_DIR}-*"):
        if p.is_dir() and not p.is_symlink() and p.name not in keep:
            shutil.rmtree(p, ignore_errors=True)
    for p in link.parent.glob(f".{PARQUET_DIR}-*.tmp"):  # leftovers of a crashed export
        shutil.rmtree(p, ignore_errors=True)


def read_manifest(published: Path) -> dict[str, object]:
    """The current ``manifest.json`` beside ``published``."""
    return dict(json.loads((parquet_link(published) / MANIFEST).read_text(encoding="utf-8")))


@contextmanager
def _staged(out: Path | None) -> Iterator[Path]:
    """A path for COPY to write: ``out`` itself, or a temp file (to stream to stdout)."""
    if out is not None:
        yield out
        return
    with tempfile.TemporaryDirectory(prefix="disclosure-export-") as d:
        yield Path(d) / "export"


def export_view(warehouse: Path, view: str, fmt: str, out: Path | None = None,
                where: str | None = None, stdout: IO[bytes] | None = None) -> int:
    """Export one view of ``warehouse`` (opened read-only) to ``out``, or to ``stdout``
    when ``out`` is None; return the rows written. Raises UnknownView / BadFilter."""
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        sql = view_query(con, view, where)
        with _staged(out) as path:
            if out is not None:
                path.parent.mkdir(parents=True, exist_ok=True)
            rows = copy_query(con, sql, path, fmt)
            if out is None and stdout is not None:
                with open(path, "rb") as f:
                    shutil.copyfileobj(f, stdout, 1 << 20)
                stdout.flush()
    finally:
        con.close()
    return rows
