"""The one progress helper of the crawl and parse loops: log lines off a terminal, a rich
bar on one."""

from __future__ import annotations

import logging
import time

import pytest
from rich.progress import Progress

from disclosure_etl import progress as progress_mod
from disclosure_etl.progress import progress


def test_off_a_terminal_it_logs_a_line_every_period_and_at_the_end(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="disclosure_etl.progress")
    with progress("by: content pages", total=6, every_s=0.05, tty=False) as bar:
        for _ in range(3):
            bar.advance()
        time.sleep(0.06)
        bar.advance()  # the period has passed: one line
        bar.advance(2)  # within the period: none
    lines = [r.getMessage() for r in caplog.records]
    assert lines[0].startswith("by: content pages: 4/6 (")
    assert lines[-1].startswith("by: content pages: 6/6 (")
    assert len(lines) == 2


def test_on_a_terminal_it_draws_a_bar_and_logs_nothing(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    caplog.set_level(logging.INFO, logger="disclosure_etl.progress")
    drawn: list[Progress] = []
    real = progress_mod.Progress

    def recording(*args, **kwargs):  # type: ignore[no-untyped-def]
        p = real(*args, **kwargs)
        drawn.append(p)
        return p

    monkeypatch.setattr(progress_mod, "Progress", recording)
    with progress("parse: archived runs", total=3, every_s=0.0, tty=True) as bar:
        for _ in range(3):
            bar.advance()
        (task,) = drawn[0].tasks
        assert (task.description, task.completed, task.total) == ("parse: archived runs", 3, 3)
    assert caplog.records == []
