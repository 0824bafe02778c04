"""The findings view over check_results in a real DuckDB file: first/last seen, open,
resolved and acknowledged; the acknowledgements file; and which findings make a run red."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pytest

from disclosure_etl.warehouse import findings as fm

T0 = datetime(2026, 11, 1, 18, 0, tzinfo=UTC)


def store(
    con: duckdb.DuckDBPyConnection, run_id: str, n: int, rows: list[tuple[Any, ...]]
) -> None:
    """Store one run's check results the way run_checks does: (check_id, severity, status,
    agency_id, report_year, sample) per row, all checked at T0 + n days."""
    at = T0 + timedelta(days=n)
    for check_id, severity, status, agency, year, sample in rows:
        con.execute(
            "INSERT INTO core.check_results VALUES (?, ?, 'validity', ?, ?, ?, ?, 1, 2, ?, ?, ?)",
            [run_id, check_id, severity, status, agency, year, f"{check_id} {status}",
             json.dumps(sample) if sample is not None else None, at],
        )  # fmt: skip


def by_key(con: duckdb.DuckDBPyConnection) -> dict[tuple[Any, ...], fm.Finding]:
    return {(f.check_id, f.agency_id, f.report_year, f.scope): f for f in fm.list_findings(con)}


TOTAL = "reconcile.active_total"
T3 = "report.t3_balance"


def test_a_finding_is_followed_from_first_to_last_seen_and_resolves(con: duckdb.DuckDBPyConnection) -> None:
    store(con, "r1", 1, [(TOTAL, "error", "fail", "a", 2021, {"scope": "total"}),
                         (T3, "error", "pass", "a", 2021, None)])  # fmt: skip
    store(con, "r2", 2, [(TOTAL, "error", "fail", "a", 2021, {"scope": "total"}),
                         (T3, "error", "fail", "a", 2021, None)])  # fmt: skip
    store(con, "r3", 3, [(TOTAL, "error", "pass", "a", 2021, {"scope": "total"}),
                         (T3, "error", "fail", "a", 2021, None)])  # fmt: skip
    f = by_key(con)
    assert set(f) == {(TOTAL, "a", 2021, "total"), (T3, "a", 2021, "")}
    total, t3 = f[(TOTAL, "a", 2021, "total")], f[(T3, "a", 2021, "")]
    assert (total.first_seen_run, total.last_seen_run, total.state) == ("r1", "r2", "resolved")
    assert (t3.first_seen_run, t3.last_seen_run, t3.state, t3.is_new) == ("r2", "r3", "open", False)
    store(con, "r4", 4, [(TOTAL, "error", "fail", "b", 2022, {"scope": "total"}),
                         (T3, "error", "fail", "a", 2021, None)])  # fmt: skip
    new = fm.list_findings(con, new=True)
    assert [(x.check_id, x.agency_id) for x in new] == [(TOTAL, "b")]
    assert [x.check_id for x in fm.list_findings(con, state="resolved")] == [TOTAL]


def test_scope_comes_from_the_sample_and_one_key_is_one_finding(con: duckdb.DuckDBPyConnection) -> None:
    cat = "reconcile.active_category"
    store(con, "r1", 1, [
        (cat, "error", "fail", "a", 2021, {"scope": "政务动态", "difference": 3}),
        (cat, "error", "fail", "a", 2021, {"scope": "工作动态", "difference": -1}),
        (cat, "error", "pass", "a", 2021, {"scope": "组织机构"}),
        (T3, "error", "warn", "a", 2021, {"report_id": "x"}),  # two rows, no scope: one key
        (T3, "error", "fail", "a", 2021, {"report_id": "y"}),
        (T3, "error", "error", None, None, None),  # the check itself could not run
    ])  # fmt: skip
    f = by_key(con)
    assert {k[3] for k in f if k[0] == cat} == {"政务动态", "工作动态"}
    assert f[(T3, "a", 2021, "")].status == "fail"  # the worst row of the run
    assert f[(T3, None, None, "")].status == "error"
    assert len({x.finding_key for x in f.values()}) == len(f) == 4


def test_pass_and_skip_are_not_findings(con: duckdb.DuckDBPyConnection) -> None:
    store(con, "r1", 1, [(TOTAL, "error", "pass", "a", 2021, {"scope": "total"}),
                         (TOTAL, "error", "skip", "a", 2020, {"scope": "total"})])  # fmt: skip
    assert fm.list_findings(con) == []


def test_a_check_run_alone_resolves_only_its_own_findings(con: duckdb.DuckDBPyConnection) -> None:
    fresh = "crawl.freshness"
    store(con, "r1", 1, [(TOTAL, "error", "fail", "a", 2021, {"scope": "total"}),
                         (fresh, "error", "pass", "a", None, None)])  # fmt: skip
    store(con, "freshness-x", 2, [(fresh, "error", "fail", "a", None, None)])
    f = by_key(con)
    assert f[(TOTAL, "a", 2021, "total")].state == "open"
    stale = f[(fresh, "a", None, "")]
    assert (stale.state, stale.is_new, stale.first_seen_run) == ("open", True, "freshness-x")
    store(con, "freshness-y", 3, [(fresh, "error", "fail", "a", None, None)])
    assert by_key(con)[(fresh, "a", None, "")].is_new is False  # red once, not every day


def test_an_acknowledgement_is_appended_loaded_and_kept_after_resolution(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    store(con, "r1", 1, [(TOTAL, "error", "fail", "a", 2021, {"scope": "total"})])
    key = fm.list_findings(con)[0].finding_key
    path = tmp_path / "data" / fm.ACK_FILE
    with pytest.raises(KeyError):
        fm.acknowledge(con, path, "nosuchkey", note="x", by="ops")
    fm.acknowledge(con, path, key, note="first note", by="li")
    fm.acknowledge(con, path, key, note="the report counts 政务微博 too", by="wang")
    lines = path.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 2 and json.loads(lines[1])["finding_key"] == key
    assert fm.list_findings(con)[0].state == "open"  # not loaded yet
    assert fm.load_acknowledgements(con, path) == 2
    f = fm.list_findings(con)[0]
    assert (f.state, f.acknowledged_by, f.ack_note) == (
        "acknowledged", "wang", "the report counts 政务微博 too")  # fmt: skip
    store(con, "r2", 2, [(TOTAL, "error", "pass", "a", 2021, {"scope": "total"})])
    f = fm.list_findings(con)[0]
    assert (f.state, f.acknowledged_by) == ("resolved", "wang")


def test_an_unreadable_acknowledgement_line_is_skipped_not_fatal(tmp_path: Path) -> None:
    path = tmp_path / fm.ACK_FILE
    path.write_text('{"finding_key": "abc"\nnot json\n', encoding="utf-8")
    assert fm.read_acknowledgements(path) == []


def finding(**kw: Any) -> fm.Finding:
    base: dict[str, Any] = dict(
        finding_key="k", check_id=TOTAL, agency_id="a", report_year=2021, scope="total",
        severity="error", status="fail", state="open", is_new=True, first_seen_run="r2",
        last_seen_run="r2", acknowledged_by=None, acknowledged_at=None, ack_note=None,
        message="m",
    )  # fmt: skip
    return fm.Finding(**(base | kw))


@pytest.mark.parametrize(
    ("f", "red_under"),
    [
        (finding(), {"new_error", "error"}),  # an error finding first seen tonight
        (finding(is_new=False, first_seen_run="r1"), {"error"}),  # an old one
        (finding(status="error", is_new=False), {"new_error", "error"}),  # a check could not run
        (finding(severity="warn", status="warn"), set()),
        (finding(state="acknowledged"), set()),
        (finding(state="resolved", is_new=False), set()),
    ],
)
def test_which_findings_make_the_run_red(f: fm.Finding, red_under: set[str]) -> None:
    for fail_on in fm.FAIL_ON:
        assert bool(fm.failing_findings([f], fail_on)) == (fail_on in red_under), fail_on


def test_fail_on_must_be_known() -> None:
    with pytest.raises(ValueError, match="fail_on"):
        fm.failing_findings([], "sometimes")


def test_the_verdict_is_red_the_night_an_error_first_appears_then_green(
    con: duckdb.DuckDBPyConnection,
) -> None:
    store(con, "r1", 1, [(TOTAL, "error", "fail", "a", 2021, {"scope": "total"}),
                         (T3, "warn", "warn", "a", 2021, None)])  # fmt: skip
    v = fm.verdict(con, "new_error")
    assert v.fail and [f.check_id for f in v.findings] == [TOTAL]
    assert "1 new error finding" in v.reason
    store(con, "r2", 2, [(TOTAL, "error", "fail", "a", 2021, {"scope": "total"}),
                         (T3, "warn", "warn", "a", 2021, None)])  # fmt: skip
    assert not fm.verdict(con, "new_error").fail
    assert fm.verdict(con, "error").fail
    assert not fm.verdict(con, "never").fail
    assert not fm.verdict(con, "error", check_ids=("crawl.freshness",)).fail
    assert [f.check_id for f in fm.new_error_findings(con)] == []
