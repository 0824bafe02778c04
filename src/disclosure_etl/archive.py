"""The raw archive: content-addressed gzip objects, per-run fetch logs and crawl outcomes.

Layout under ``root`` (``<data_dir>/archive``)::

    objects/ab/<sha256>.gz           every response body, gzip, keyed by the sha256 of the raw bytes
    runs/<run_id>/run.json           run-level manifest
    runs/<run_id>/<unit>.jsonl       append-only fetch log of one crawl unit
    runs/<run_id>/<unit>.json        crawl outcome of that unit
    http_cache/<unit>.json           ETag / Last-Modified validators per URL

Every write is atomic (temporary file + ``os.replace``) except the fetch log, which is
append-only JSONL flushed after each line. A crawl unit writes only its own files.
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import json
import os
import re
import threading
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import IO, Any

from disclosure_etl.ahead import submitted_ahead

_UNIT_RE = re.compile(r"^[A-Za-z0-9_@-][A-Za-z0-9_.@-]*$")
_SHA_RE = re.compile(r"^[0-9a-f]{64}$")
_RUN_MANIFEST = "run.json"
_CREATED_MARK = ".created"


#: objects ``Archive.read_ahead`` reads ahead of its consumer, and its reader threads
READ_AHEAD = 64
READ_THREADS = 4


class ArchiveError(Exception):
    """A missing object or an unusable name."""


def _check_name(kind: str, name: str) -> str:
    if not name or not _UNIT_RE.match(name) or name in (".", "..") or name == "run":
        raise ArchiveError(f"invalid {kind} name: {name!r}")
    return name


def _json_default(obj: Any) -> Any:
    if isinstance(obj, datetime):
        return obj.isoformat()
    if isinstance(obj, (set, frozenset, tuple)):
        return list(obj)
    if isinstance(obj, Path):
        return str(obj)
    raise TypeError(f"not JSON serialisable: {type(obj).__name__}")


def dumps(obj: Any) -> str:
    """Compact JSON (UTF-8 text, no ASCII escaping) as the archive writes it."""
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"), default=_json_default)


_MADE_DIRS: set[Path] = set()


@contextlib.contextmanager
def atomic_file(path: Path) -> Iterator[IO[bytes]]:
    """A file to write ``path``'s new content into: a temporary file beside it, put in its
    place by ``os.replace`` when the block ends (removed if the block raises)."""
    if path.parent not in _MADE_DIRS:
        path.parent.mkdir(parents=True, exist_ok=True)
        _MADE_DIRS.add(path.parent)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    try:
        with open(tmp, "wb") as fh:
            yield fh
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)  # (no stat after a successful replace: one per object)
        raise


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file and ``os.replace``."""
    with atomic_file(path) as fh:
        fh.write(data)


class FetchLogWriter:
    """Append-only JSONL fetch log of one unit in one run; thread-safe, flushed per line.

    ``seq`` continues after the last line already in the file, so a resumed unit keeps
    numbering. Use as a context manager or call :meth:`close`.
    """

    def __init__(self, path: Path, run_id: str, unit: str) -> None:
        self.path = path
        self.run_id = run_id
        self.unit = unit
        self._lock = threading.Lock()
        path.parent.mkdir(parents=True, exist_ok=True)
        self._seq = self._last_seq(path)
        self._fh: IO[str] | None = open(path, "a", encoding="utf-8")  # noqa: SIM115

    @staticmethod
    def _last_seq(path: Path) -> int:
        if not path.exists():
            return 0
        last = 0
        with open(path, encoding="utf-8") as fh:
            for line in fh:
                try:
                    last = max(last, int(json.loads(line).get("seq", 0)))
                except (ValueError, AttributeError):
                    continue  # a torn last line from a killed process
        return last

    def write(self, record: dict[str, Any]) -> dict[str, Any]:
        """Append one record (``run_id``, ``unit`` and ``seq`` are filled in); return it."""
        with self._lock:
            if self._fh is None:
                raise ArchiveError(f"fetch log closed: {self.path}")
            self._seq += 1
            rec = {"run_id": self.run_id, "seq": self._seq, "unit": self.unit, **record}
            self._fh.write(dumps(rec) + "\n")
            self._fh.flush()
            return rec

    @property
    def seq(self) -> int:
        return self._seq

    def close(self) -> None:
        with self._lock:
            if self._fh is not None:
                self._fh.close()
                self._fh = None

    def __enter__(self) -> FetchLogWriter:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


class Archive:
    """Content-addressed store of raw bodies plus per-run logs, outcomes and manifests."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.objects = self.root / "objects"
        self.runs_root = self.root / "runs"
        self.cache_root = self.root / "http_cache"

    # ------------------------------------------------------------ objects

    def object_path(self, sha256: str) -> Path:
        if not _SHA_RE.match(sha256):
            raise ArchiveError(f"not a sha256: {sha256!r}")
        return self.objects / sha256[:2] / f"{sha256}.gz"

    def put(self, body: bytes) -> str:
        """Store ``body`` (idempotent) and return its sha256 hex."""
        sha = hashlib.sha256(body).hexdigest()
        path = self.object_path(sha)
        if not path.exists():
            write_atomic(path, gzip.compress(body, compresslevel=6, mtime=0))
        return sha

    def has(self, sha256: str) -> bool:
        return self.object_path(sha256).exists()

    def get(self, sha256: str) -> bytes:
        """The raw bytes stored under ``sha256``; ``ArchiveError`` when absent."""
        path = self.object_path(sha256)
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            raise ArchiveError(f"object not in archive: {sha256}") from None
        return gzip.decompress(data)

    def read_ahead(
        self, shas: Iterable[str], ahead: int = READ_AHEAD, threads: int = READ_THREADS
    ) -> Iterator[Future[bytes]]:
        """``get`` of each sha, in order, as futures read up to ``ahead`` objects ahead by
        ``threads`` threads: a cold archive (a million small files the page cache no longer
        holds) is read at the disk's concurrency while the caller parses, not one file at a
        time. ``result()`` raises ``ArchiveError`` for a missing object, as ``get`` does."""
        with ThreadPoolExecutor(max_workers=threads, thread_name_prefix="archive-read") as pool:
            yield from submitted_ahead(lambda sha: pool.submit(self.get, sha), shas, ahead)

    # ------------------------------------------------------------ runs

    def run_dir(self, run_id: str) -> Path:
        """The directory of one run (created, with its creation time, on first use)."""
        d = self.runs_root / _check_name("run", run_id)
        mark = d / _CREATED_MARK
        if not mark.exists():
            d.mkdir(parents=True, exist_ok=True)
            if not mark.exists():
                write_atomic(mark, datetime.now(UTC).isoformat().encode())
        return d

    def fetch_log_path(self, run_id: str, unit: str) -> Path:
        return self.run_dir(run_id) / f"{_check_name('unit', unit)}.jsonl"

    def fetch_log(self, run_id: str, unit: str) -> FetchLogWriter:
        """Open the append-only fetch log of ``unit`` in ``run_id``."""
        return FetchLogWriter(self.fetch_log_path(run_id, unit), run_id, unit)

    def units(self, run_id: str) -> list[str]:
        """Units that have a fetch log or an outcome in ``run_id``."""
        d = self.runs_root / run_id
        if not d.is_dir():
            return []
        names = {
            p.stem
            for p in d.iterdir()
            if p.suffix in (".jsonl", ".json") and p.name != _RUN_MANIFEST
        }
        return sorted(names)

    def iter_fetches(self, run_id: str, unit: str | None = None) -> Iterator[dict[str, Any]]:
        """Fetch-log records of one unit, or of every unit of the run (unit by unit)."""
        for u in [unit] if unit is not None else self.units(run_id):
            path = self.runs_root / run_id / f"{_check_name('unit', u)}.jsonl"
            if not path.exists():
                continue
            with open(path, encoding="utf-8") as fh:
                for line in fh:
                    line = line.strip()
                    if not line:
                        continue
                    try:
                        yield json.loads(line)
                    except ValueError:
                        continue  # torn last line of a killed writer

    def write_unit_outcome(self, run_id: str, unit: str, outcome: dict[str, Any]) -> None:
        path = self.run_dir(run_id) / f"{_check_name('unit', unit)}.json"
        write_atomic(path, dumps(outcome).encode("utf-8"))

    def read_unit_outcome(self, run_id: str, unit: str) -> dict[str, Any] | None:
        path = self.runs_root / run_id / f"{_check_name('unit', unit)}.json"
        return _read_json(path)

    def write_run_manifest(self, run_id: str, manifest: dict[str, Any]) -> None:
        write_atomic(self.run_dir(run_id) / _RUN_MANIFEST, dumps(manifest).encode("utf-8"))

    def read_run_manifest(self, run_id: str) -> dict[str, Any] | None:
        return _read_json(self.runs_root / run_id / _RUN_MANIFEST)

    def runs(self) -> list[str]:
        """Archived run ids, oldest first (by the time each run directory was created)."""
        if not self.runs_root.is_dir():
            return []
        keyed = []
        for d in self.runs_root.iterdir():
            if not d.is_dir():
                continue
            mark = d / _CREATED_MARK
            created = mark.read_text().strip() if mark.exists() else ""
            keyed.append((created, d.name))
        return [name for _, name in sorted(keyed)]

    # ------------------------------------------------------------ HTTP validators

    def http_cache_path(self, unit: str) -> Path:
        return self.cache_root / f"{_check_name('unit', unit)}.json"

    def load_http_cache(self, unit: str) -> dict[str, dict[str, Any]]:
        """URL -> ``{"etag", "last_modified", "sha256"}`` of one unit ({} when none)."""
        data = _read_json(self.http_cache_path(unit))
        return data if isinstance(data, dict) else {}

    def save_http_cache(self, unit: str, cache: dict[str, dict[str, Any]]) -> None:
        write_atomic(self.http_cache_path(unit), dumps(cache).encode("utf-8"))


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
