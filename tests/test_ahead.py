"""``ahead.submitted_ahead``: results in item order, never more than ``ahead`` submitted ahead
of the one the caller is given."""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor

from disclosure_etl.ahead import submitted_ahead


def test_results_come_in_order_with_a_bounded_window() -> None:
    submitted: list[int] = []
    consumed: list[int] = []
    with ThreadPoolExecutor(4) as pool:

        def submit(x: int) -> Future[int]:
            submitted.append(x)
            # the one the caller is given, and at most 3 submitted ahead of it
            assert len(submitted) - len(consumed) <= 1 + 3
            return pool.submit(lambda: x * x)

        for fut in submitted_ahead(submit, range(20), 3):
            consumed.append(fut.result())
    assert consumed == [x * x for x in range(20)]
    assert submitted == list(range(20))


def test_nothing_to_submit_yields_nothing() -> None:
    assert list(submitted_ahead(lambda x: Future(), [], 4)) == []
