"""Progress of a long loop: a ``rich.progress`` bar on a terminal, log lines otherwise.

One helper for every long loop (the crawl's fetches, the parse of archived runs)::

    with progress("by: content pages", total=len(rows)) as bar:
        for row in rows:
            ...
            bar.advance()

When stderr is a TTY a bar is drawn (and nothing is logged per step); otherwise one INFO
line ``<label>: <done>/<total> (<rate>/s)`` is logged at most every ``every_s`` seconds,
plus one when the loop ends.
"""

from __future__ import annotations

import logging
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

log = logging.getLogger(__name__)

__all__ = ["LOG_EVERY_S", "ProgressBar", "progress"]

LOG_EVERY_S = 30.0
#: held while a bar is drawn: rich draws one live display at a time, so a loop that starts
#: while another thread's bar is on screen (the crawl of several hosts) logs lines instead
_DRAWING = threading.Lock()


class ProgressBar:
    """Counts steps; draws them on a terminal or logs them periodically. Thread-safe."""

    def __init__(self, label: str, total: int | None, every_s: float, bar: Progress | None) -> None:
        self.label = label
        self.total = total
        self.done = 0
        self._every_s = every_s
        self._bar = bar
        self._task = bar.add_task(label, total=total) if bar is not None else None
        self._t0 = self._logged_at = time.monotonic()
        self._lock = threading.Lock()

    def advance(self, n: int = 1) -> None:
        with self._lock:
            self.done += n
            now = time.monotonic()
            due = self._bar is None and now - self._logged_at >= self._every_s
            if due:
                self._logged_at = now
        if self._bar is not None and self._task is not None:
            self._bar.advance(self._task, n)
        elif due:
            self._log_line()

    def _log_line(self) -> None:
        elapsed = max(time.monotonic() - self._t0, 1e-9)
        of = f"/{self.total}" if self.total is not None else ""
        log.info("%s: %d%s (%.1f/s)", self.label, self.done, of, self.done / elapsed)


@contextmanager
def progress(
    label: str, total: int | None = None, *, every_s: float = LOG_EVERY_S, tty: bool | None = None
) -> Iterator[ProgressBar]:
    """A progress counter for one loop (see the module docstring)."""
    on_tty = sys.stderr.isatty() if tty is None else tty
    if not on_tty or not _DRAWING.acquire(blocking=False):
        bar = ProgressBar(label, total, every_s, None)
        yield bar
        bar._log_line()
        return
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
               TimeElapsedColumn())
    try:
        with Progress(*columns, transient=True) as rich_bar:
            yield ProgressBar(label, total, every_s, rich_bar)
    finally:
        _DRAWING.release()
