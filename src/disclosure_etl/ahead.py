"""Bounded work ahead: submit the next items while the caller consumes earlier results."""

from __future__ import annotations

import itertools
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")


def submitted_ahead(
    submit: Callable[[T], Future[R]], items: Iterable[T], ahead: int
) -> Iterator[Future[R]]:
    """``submit(item)`` of every item, yielded in item order, with at most ``ahead`` submitted
    ahead of the one the caller is given: the pool keeps busy while the caller works through
    the results, and memory holds a window of results, never all of them."""
    it = iter(items)
    window = deque(submit(x) for x in itertools.islice(it, max(1, ahead)))
    while window:
        fut = window.popleft()
        window.extend(submit(x) for x in itertools.islice(it, 1))
        yield fut
