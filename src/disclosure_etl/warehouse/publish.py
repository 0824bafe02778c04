"""Publish the analysts' snapshot: checkpoint, copy beside the target, fsync, atomic rename;
then the Parquet exports of every analyst view beside it (``warehouse.export``)."""

from __future__ import annotations

import logging
import os
import shutil
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from disclosure_etl.warehouse.db import TASK_MEMORY_LIMIT
from disclosure_etl.warehouse.export import ExportError, parquet_link, swap_export, write_export

log = logging.getLogger(__name__)
SNAPSHOT_PREFIX = "warehouse-"


def _fsync_dir(d: Path) -> None:
    fd = os.open(d, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def publish(working: Path, published: Path, keep: int, *, parquet: bool = True) -> Path:
    """Publish ``working`` as ``published`` by atomic rename; return the published path.

    The caller closes its own connection first. The working file is checkpointed (so the
    copy carries no WAL), copied to a temp file beside ``published``, fsynced and renamed
    over it: an analyst who has the old file open keeps reading the old inode, and the
    published file is never written in place. The last ``keep`` snapshots stay next to it
    as ``warehouse-<UTC stamp>.duckdb`` (hard links of the published files).

    With ``parquet`` (the default) every analyst view is then exported from that same copy
    to ``<published folder>/parquet/`` (see ``warehouse.export``). The snapshot is published
    whether or not the export works: a failed export leaves the previous Parquet set in
    place, is logged as an error and raises ExportError, so the stage fails (exit 1).
    """
    working, published = Path(working), Path(published)
    published.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(working), config={"memory_limit": TASK_MEMORY_LIMIT})
    try:
        con.execute("CHECKPOINT")
    finally:
        con.close()
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    tmp = published.with_name(f".{published.name}.{stamp}.{os.getpid()}.tmp")
    export_error: Exception | None = None
    exported: str | None = None
    try:
        with open(working, "rb") as src, open(tmp, "wb") as dst:
            shutil.copyfileobj(src, dst, 16 * 1024 * 1024)
            dst.flush()
            os.fsync(dst.fileno())
        if parquet:
            exported, export_error = _export(tmp, published, stamp)
        if keep > 0:
            snap = published.with_name(f"{SNAPSHOT_PREFIX}{stamp}.duckdb")
            try:
                os.link(tmp, snap)
            except OSError:
                shutil.copy2(tmp, snap)
        os.replace(tmp, published)
    finally:
        tmp.unlink(missing_ok=True)
    _fsync_dir(published.parent)
    prune_snapshots(published, keep)
    if exported is not None:
        swap_export(published, exported)
    if export_error is not None:
        raise ExportError(
            f"published {published}, but the Parquet export failed: {export_error}; "
            f"{parquet_link(published)} still holds the previous export (see its manifest.json)"
        ) from export_error
    return published


def _export(snapshot: Path, published: Path, stamp: str) -> tuple[str | None, Exception | None]:
    """Write the Parquet set of ``snapshot``: (its folder name, None), or (None, the error)."""
    try:
        name, _ = write_export(snapshot, published, stamp)
    except Exception as e:
        log.error("Parquet export of %s failed: %s: %s", published, type(e).__name__, e)
        return None, e
    return name, None


def prune_snapshots(published: Path, keep: int) -> list[Path]:
    """Delete all but the newest ``keep`` snapshots beside ``published``; return them."""
    snaps = sorted(p for p in published.parent.glob(f"{SNAPSHOT_PREFIX}*.duckdb")
                   if p.name != published.name)
    old = snaps[: max(len(snaps) - max(keep, 0), 0)]
    for p in old:
        p.unlink(missing_ok=True)
    return old
