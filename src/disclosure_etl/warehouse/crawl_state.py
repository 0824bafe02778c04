"""The crawl's state file: what the working warehouse knows, written by the load.

The crawl needs four facts from the warehouse — the items it holds (with their row
hashes), the report URLs it holds, the time of the last full relist, the runs it loaded. The load writes them
after every ``parse`` into a small JSON file beside the working database
(``<warehouse>.crawl_state.json``, atomic ``os.replace``), and the crawl reads that file,
never a DuckDB file: an analyst's lock on the published snapshot, or a stale publish,
cannot affect a crawl. No file (a new data directory) means nothing is known yet.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from disclosure_etl.archive import atomic_file, dumps

__all__ = ["CrawlState", "read_crawl_state", "state_path", "write_crawl_state"]

FORMAT = 1


@dataclass(frozen=True)
class CrawlState:
    """What the crawl reads: known items per agency, known report URLs, last full relist."""

    items: dict[str, dict[int, str]] = field(default_factory=dict)  # agency -> item -> row hash
    report_urls: frozenset[str] = frozenset()
    last_full_relist: datetime | None = None
    written_at: datetime | None = None
    loaded_runs: frozenset[str] = frozenset()  # runs the warehouse has loaded

    def known_items(self, agency_id: str) -> dict[int, str]:
        return dict(self.items.get(agency_id, {}))


def state_path(warehouse: Path) -> Path:
    """The state file of the working database ``warehouse``."""
    w = Path(warehouse)
    return w.with_name(w.name + ".crawl_state.json")


def write_crawl_state(con: Any, path: Path) -> None:
    """Read the state from the open working database ``con`` and write it atomically.

    The items go out one agency at a time, each agency's object built by DuckDB: a
    province's million items are never Python objects (as tuples, dicts and one JSON text
    they took a parse task past 1.5 GiB, issue #13)."""
    urls = sorted({r[0] for r in con.execute(
        "SELECT url FROM core.reports WHERE url IS NOT NULL "
        "UNION SELECT unnest(copies) FROM core.reports"
    ).fetchall() if r[0]})
    last = con.execute("SELECT max(finished_at) FROM core.runs WHERE full_relist").fetchone()
    runs = sorted(r[0] for r in con.execute("SELECT run_id FROM core.runs").fetchall())
    head = dumps({"format": FORMAT, "written_at": datetime.now(UTC),
                  "last_full_relist": last[0] if last else None,
                  "report_urls": urls, "loaded_runs": runs})
    cur = con.execute(
        "SELECT to_json(agency_id)::VARCHAR, '{' || string_agg("
        "           '\"' || item_id || '\":' || COALESCE(to_json(row_hash)::VARCHAR, 'null'),"
        "           ',' ORDER BY item_id) || '}' "
        "FROM core.items WHERE withdrawn_at IS NULL AND agency_id IS NOT NULL "
        "GROUP BY agency_id ORDER BY agency_id"
    )
    with atomic_file(Path(path)) as fh:
        fh.write(head[:-1].encode("utf-8") + b',"items":{')
        sep = b""
        while rows := cur.fetchmany(64):
            for agency, items in rows:
                fh.write(sep + f"{agency}:{items}".encode())
                sep = b","
        fh.write(b"}}")


#: the last state read in this process, keyed by path and (inode, mtime, size)
_READ: dict[Path, tuple[tuple[int, int, int], CrawlState]] = {}
_READ_LOCK = threading.Lock()


def read_crawl_state(path: Path) -> CrawlState:
    """The state file's content; an empty state when there is no file yet.

    Read once per process while the file is unchanged (``write_crawl_state`` replaces it,
    so a new state is a new inode): every sub-site of a crawl lane and every district's
    portal unit asks for it, and a province's state holds a million items. Threads asking
    at once wait for the one read. Callers must not change what it returns."""
    p = Path(path)
    try:
        st = p.stat()
    except FileNotFoundError:
        return CrawlState()
    key = (st.st_ino, st.st_mtime_ns, st.st_size)
    with _READ_LOCK:
        hit = _READ.get(p)
        if hit is not None and hit[0] == key:
            return hit[1]
        try:
            state = _parse_state(p)
        except FileNotFoundError:  # replaced and gone between the stat and the read
            return CrawlState()
        _READ.clear()  # one state kept: the newest read
        _READ[p] = (key, state)
        return state


def _parse_state(path: Path) -> CrawlState:
    doc = json.loads(path.read_text(encoding="utf-8"))
    if doc.get("format") != FORMAT:
        raise ValueError(f"{path}: crawl state format {doc.get('format')!r}, expected {FORMAT}")
    items = {a: {int(i): h for i, h in m.items()} for a, m in doc.get("items", {}).items()}
    return CrawlState(items, frozenset(doc.get("report_urls", [])),
                      _time(doc.get("last_full_relist")), _time(doc.get("written_at")),
                      frozenset(doc.get("loaded_runs", [])))


def _time(v: str | None) -> datetime | None:
    if not v:
        return None
    t = datetime.fromisoformat(v)
    return t if t.tzinfo else t.replace(tzinfo=UTC)
