"""Every check has a passing and a failing fixture; the runner's own behaviour."""

from __future__ import annotations

import shutil
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import duckdb
import pytest
from whfix import DISTRICT, DISTRICT_NAME, HL, Run, load, statuses, ts

from disclosure_etl import warehouse as wh
from disclosure_etl.config import Config, ReconcileConfig, load_category_map

TODAY = date(2026, 1, 5)
REQUIRED = {
    "reconcile.active_total", "reconcile.active_category", "report.category_sum",
    "report.t3_balance", "report.t3_outcomes", "report.t3_rowsum", "report.t4_sum",
    "report.application_modes_sum", "report.carry_over", "report.copied_from_previous_year",
    "coverage.report_missing", "coverage.report_late", "crawl.freshness", "crawl.empty_listing",
    "report.pct_consistency", "posted_items.unique",
}


def check(con: duckdb.DuckDBPyConnection, check_id: str, run_id: str = "run001",
          today: date = TODAY, now: datetime | None = None) -> list[tuple]:
    """(status, agency_id, report_year, message) rows of one check, after running all."""
    wh.refresh_reconciliation(con, load_category_map(Config()), ReconcileConfig())
    wh.run_checks(con, run_id, today=today, now=now)
    return con.execute(
        "SELECT status, agency_id, report_year, message FROM check_results "
        "WHERE run_id = ? AND check_id = ? ORDER BY agency_id, report_year, message",
        [run_id, check_id]).fetchall()




# ------------------------------------------------------------------ registry


def test_all_required_checks_exist_with_valid_headers() -> None:
    checks = {c.id: c for c in wh.list_checks()}
    assert set(checks) >= REQUIRED
    for c in checks.values():
        assert c.description and c.tolerance
    warn = {"report.carry_over", "report.copied_from_previous_year", "report.pct_consistency"}
    for cid in warn:
        assert checks[cid].severity == "warn"
    for cid in ("reconcile.active_total", "reconcile.active_category", "report.t3_balance",
                "report.t3_outcomes", "report.t3_rowsum", "report.t4_sum"):
        assert checks[cid].severity == "error"


# ------------------------------------------------------------------ reconciliation


def items17(n: int, year: int = 2017) -> list[tuple[int, datetime]]:
    return [(1000 + i, ts(year)) for i in range(n)]


def test_reconcile_active_total(con: duckdb.DuckDBPyConnection) -> None:
    load(con, Run(1).agency().listed(11, items17(3)).report("a", 2017, {"active.total": 3}))
    assert statuses(check(con, "reconcile.active_total")) == {"pass"}
    load(con, Run(2).agency().listed(11, items17(3)).report("a", 2017, {"active.total": 4}))
    rows = check(con, "reconcile.active_total", "run002")
    assert statuses(rows) == {"fail"} and "differ from the reported 4 by -1" in rows[0][3]


def test_reconcile_active_category(con: duckdb.DuckDBPyConnection) -> None:
    load(con, Run(1).agency().listed(11, items17(2)).listed(2, [(5, ts(2017))])
         .report("a", 2017, {"active.total": 3, "active.category.组织机构": 2}))
    assert statuses(check(con, "reconcile.active_category")) == {"pass"}
    load(con, Run(2).agency().listed(11, items17(2)).listed(2, [(5, ts(2017))])
         .report("a", 2017, {"active.total": 3, "active.category.组织机构": 8}))
    rows = check(con, "reconcile.active_category", "run002")
    assert statuses(rows) == {"fail"} and "组织机构" in rows[0][3]


# ------------------------------------------------------------------ report identities


def one_report(con: duckdb.DuckDBPyConnection, figures: dict, check_id: str,
               n: int = 1) -> list[tuple]:
    load(con, Run(n).agency().report("r", 2020, figures, template="2019"))  # upserts
    return check(con, check_id, f"run{n:03d}")


def test_category_sum(con: duckdb.DuckDBPyConnection) -> None:
    ok = {"active.total": 5, "active.category.组织机构": 2, "active.category.其他": 3}
    assert statuses(one_report(con, ok, "report.category_sum")) == {"pass"}
    bad = {"active.total": 6, "active.category.组织机构": 2, "active.category.其他": 3}
    rows = one_report(con, bad, "report.category_sum", 2)
    assert statuses(rows) == {"warn"} and "sum_mismatch" in rows[0][3]


def test_category_sum_blank_total_is_total_missing(con: duckdb.DuckDBPyConnection) -> None:
    rows = one_report(con, {"active.total": None, "active.category.其他": 3}, "report.category_sum")
    assert statuses(rows) == {"warn"} and rows[0][3].startswith("total_missing")


def t3(values: dict[str, dict[str, float | None]]) -> dict[str, float | None]:
    return {f"t3.{row}.{col}": v for row, cols in values.items() for col, v in cols.items()}


def t3_cols(natural: float | None, total: float | None) -> dict[str, float | None]:
    return {"natural_person": natural, "commercial": 0, "total": total}


GOOD_T3 = {
    "new_received": t3_cols(5, 5), "carried_over": t3_cols(1, 1),
    "granted": t3_cols(3, 3), "partial": t3_cols(1, 1), "unable_1": t3_cols(1, 1),
    "total_processed": t3_cols(5, 5), "carried_forward": t3_cols(1, 1),
}


def test_t3_balance(con: duckdb.DuckDBPyConnection) -> None:
    assert statuses(one_report(con, t3(GOOD_T3), "report.t3_balance")) == {"pass"}
    bad = dict(GOOD_T3, carried_forward=t3_cols(1, 2))
    rows = one_report(con, t3(bad), "report.t3_balance", 2)
    assert statuses(rows) == {"fail"} and "sum_mismatch" in rows[0][3]


def test_t3_outcomes(con: duckdb.DuckDBPyConnection) -> None:
    assert statuses(one_report(con, t3(GOOD_T3), "report.t3_outcomes")) == {"pass"}
    bad = dict(GOOD_T3, denied_1=t3_cols(1, 1))
    rows = one_report(con, t3(bad), "report.t3_outcomes", 2)
    assert statuses(rows) == {"fail"} and "sum_mismatch" in rows[0][3]


def test_t3_outcomes_blank_total_is_total_missing(con: duckdb.DuckDBPyConnection) -> None:
    blank = dict(GOOD_T3, total_processed=t3_cols(5, None))
    rows = one_report(con, t3(blank), "report.t3_outcomes")
    assert statuses(rows) == {"fail"} and rows[0][3].startswith("total_missing")


def test_t3_outcomes_ignores_printed_subtotals(con: duckdb.DuckDBPyConnection) -> None:
    sub = dict(GOOD_T3, unable_subtotal=t3_cols(1, 1))
    assert statuses(one_report(con, t3(sub), "report.t3_outcomes")) == {"pass"}


def test_t3_rowsum(con: duckdb.DuckDBPyConnection) -> None:
    assert statuses(one_report(con, t3(GOOD_T3), "report.t3_rowsum")) == {"pass"}
    bad = dict(GOOD_T3, granted=t3_cols(3, 4))
    rows = one_report(con, t3(bad), "report.t3_rowsum", 2)
    assert statuses(rows) == {"fail"} and "sum_mismatch" in rows[0][3]


def test_t3_rowsum_blank_total_column_is_total_missing(con: duckdb.DuckDBPyConnection) -> None:
    blank = dict(GOOD_T3, granted=t3_cols(3, None))
    rows = one_report(con, t3(blank), "report.t3_rowsum")
    assert statuses(rows) == {"fail"} and rows[0][3].startswith("total_missing")


def t4(review: tuple, total: float | None) -> dict[str, float | None]:
    res = dict(zip(("upheld", "corrected", "other", "pending"), review, strict=True))
    res["total"] = total
    return {f"t4.review.{k}": v for k, v in res.items()}


def test_t4_sum(con: duckdb.DuckDBPyConnection) -> None:
    assert statuses(one_report(con, t4((1, 1, 0, 1), 3), "report.t4_sum")) == {"pass"}
    rows = one_report(con, t4((1, 1, 0, 1), 2), "report.t4_sum", 2)
    assert statuses(rows) == {"fail"} and "sum_mismatch" in rows[0][3]


def test_t4_sum_blank_cells(con: duckdb.DuckDBPyConnection) -> None:
    # blank components count as zero; a blank total with non-zero results is total_missing
    assert statuses(one_report(con, t4((None, None, None, None), 0), "report.t4_sum")) == {"pass"}
    rows = one_report(con, t4((1, None, None, None), None), "report.t4_sum", 2)
    assert rows[0][3].startswith("total_missing")


def test_application_modes_sum(con: duckdb.DuckDBPyConnection) -> None:
    ok = {"application.received": 3, "application.mode.letter": 1, "application.mode.online": 2,
          "application.mode.letter.pct": 33.3}
    assert statuses(one_report(con, ok, "report.application_modes_sum")) == {"pass"}
    bad = {"application.received": 4, "application.mode.letter": 1, "application.mode.online": 2}
    rows = one_report(con, bad, "report.application_modes_sum", 2)
    assert statuses(rows) == {"fail"} and "add up to 3, applications received are 4" in rows[0][3]


def test_pct_consistency(con: duckdb.DuckDBPyConnection) -> None:
    ok = {"application.received": 3, "application.mode.letter": 1,
          "application.mode.letter.pct": 33.33}
    assert statuses(one_report(con, ok, "report.pct_consistency")) == {"pass"}
    bad = {"application.received": 3, "application.mode.letter": 1,
           "application.mode.letter.pct": 100}
    rows = one_report(con, bad, "report.pct_consistency", 2)
    assert statuses(rows) == {"warn"} and "1 of 1" in rows[0][3]


# ------------------------------------------------------------------ cross-year


def test_carry_over(con: duckdb.DuckDBPyConnection) -> None:
    load(con, Run(1).agency()
         .report("y19", 2019, {"t3.carried_forward.total": 2})
         .report("y20", 2020, {"t3.carried_over.total": 2}))
    rows = check(con, "report.carry_over")
    assert rows == [("pass", HL, 2020, rows[0][3])]
    load(con, Run(2).agency().report("y20", 2020, {"t3.carried_over.total": 5}))
    rows = check(con, "report.carry_over", "run002")
    assert rows[0][:3] == ("warn", HL, 2020) and "carried forward 2" in rows[0][3]


def test_carry_over_without_previous_report(con: duckdb.DuckDBPyConnection) -> None:
    load(con, Run(1).agency().report("y21", 2021, {"t3.carried_over.total": 3}))
    rows = check(con, "report.carry_over")
    assert statuses(rows) == {"warn"} and "2020 report is missing" in rows[0][3]


FIGS = {"active.total": 5, "application.received": 1, "application.mode.letter": 1,
        "review.total": 0, "lawsuit.total": 0}


def test_copied_from_previous_year(con: duckdb.DuckDBPyConnection) -> None:
    load(con, Run(1).agency().report("a17", 2017, FIGS, sha256="s1")
         .report("a18", 2018, dict(FIGS, **{"active.total": 6}), sha256="s2"))
    assert statuses(check(con, "report.copied_from_previous_year")) == {"pass"}
    load(con, Run(2).agency().report("a18", 2018, FIGS, sha256="s2"))
    rows = check(con, "report.copied_from_previous_year", "run002")
    assert rows[0][:3] == ("warn", HL, 2018) and "identical" in rows[0][3]


def test_copied_same_document(con: duckdb.DuckDBPyConnection) -> None:
    load(con, Run(1).agency().report("a17", 2017, {"active.total": 1}, sha256="same")
         .report("a18", 2018, {"active.total": 2}, sha256="same"))
    rows = check(con, "report.copied_from_previous_year")
    assert rows[0][:3] == ("warn", HL, 2018) and "same document" in rows[0][3]


# ------------------------------------------------------------------ coverage


def test_report_missing(con: duckdb.DuckDBPyConnection) -> None:
    # first posted item in 2023: 2023 and 2024 are due on 2026-01-05, 2025 not yet (31 Jan)
    load(con, Run(1).agency().listed(11, [(1, ts(2023)), (2, ts(2025))])
         .report("a23", 2023, {"active.total": 1}).report("a24", 2024, {"active.total": 0}))
    rows = check(con, "coverage.report_missing")
    assert [(r[0], r[2]) for r in rows] == [("pass", 2023), ("pass", 2024)]
    rows = check(con, "coverage.report_missing", today=date(2026, 2, 1))
    assert [(r[0], r[2]) for r in rows] == [("pass", 2023), ("pass", 2024), ("fail", 2025)]
    assert "due by 2026-01-31" in rows[2][3]


def test_report_missing_deadline_day_itself_is_not_yet_due(con: duckdb.DuckDBPyConnection) -> None:
    load(con, Run(1).agency().listed(11, [(1, ts(2025))]))
    assert statuses(check(con, "coverage.report_missing", today=date(2026, 1, 31))) == {"pass"}
    assert statuses(check(con, "coverage.report_missing", today=date(2026, 2, 1))) == {"fail"}


def test_report_missing_district_government_has_until_march(
    con: duckdb.DuckDBPyConnection,
) -> None:
    load(con, Run(1).agency(DISTRICT, DISTRICT_NAME).listed(11, [(1, ts(2025))], agency_id=DISTRICT))
    assert statuses(check(con, "coverage.report_missing", today=date(2026, 3, 31))) == {"pass"}
    assert statuses(check(con, "coverage.report_missing", today=date(2026, 4, 1))) == {"fail"}


@pytest.mark.parametrize("year,published,agency,status", [
    (2019, datetime(2020, 1, 31, 23, 0), HL, "pass"),          # deadline day is on time
    (2019, datetime(2020, 2, 1, 0, 30), HL, "warn"),           # street office: 31 Jan
    (2019, datetime(2020, 3, 31, 18, 0), DISTRICT, "pass"),    # district government: 31 Mar
    (2019, datetime(2020, 4, 1, 9, 0), DISTRICT, "warn"),
    (2018, datetime(2019, 3, 31, 9, 0), HL, "pass"),           # old regime: 31 Mar for all
    (2018, datetime(2019, 4, 2, 9, 0), HL, "warn"),
])
def test_report_late(con: duckdb.DuckDBPyConnection, year: int, published: datetime,
                     agency: str, status: str) -> None:
    r = Run(1).agency().agency(DISTRICT, DISTRICT_NAME)
    load(con, r.report("x", year, {"active.total": 1}, agency_id=agency, published_at=published))
    rows = check(con, "coverage.report_late")
    assert statuses(rows) == {status}


# ------------------------------------------------------------------ crawl


def test_freshness(con: duckdb.DuckDBPyConnection) -> None:
    r = Run(1).agency().listed(11, items17(1))
    load(con, r)
    finished = r.at + timedelta(minutes=10)
    assert statuses(check(con, "crawl.freshness", now=finished + timedelta(hours=35))) == {"pass"}
    rows = check(con, "crawl.freshness", now=finished + timedelta(hours=40))
    assert statuses(rows) == {"fail"} and "40.0 hours" in rows[0][3]


def test_freshness_ignores_failed_listings(con: duckdb.DuckDBPyConnection) -> None:
    r1 = Run(1).agency().listed(11, items17(1))
    r2 = Run(3).agency().listed(11, [], status="error")
    load(con, r1, r2)
    rows = check(con, "crawl.freshness", "run003", now=r2.at + timedelta(hours=1))
    assert statuses(rows) == {"fail"}


def test_empty_listing(con: duckdb.DuckDBPyConnection) -> None:
    load(con, Run(1).agency().listed(11, items17(2)).listed(2, [(9, ts(2017))]),
         Run(2).agency().listed(11, items17(2)).listed(2, [(9, ts(2017))]))
    assert statuses(check(con, "crawl.empty_listing", "run002")) == {"pass"}
    load(con, Run(3).agency().listed(11, items17(2)).listed(2, []))
    rows = check(con, "crawl.empty_listing", "run003")
    assert statuses(rows) == {"fail"} and rows[0][1] == HL


def test_empty_listing_ignores_a_failed_listing(con: duckdb.DuckDBPyConnection) -> None:
    load(con, Run(1).agency().listed(2, [(9, ts(2017))]), Run(2).agency().listed(2, [], status="error"))
    assert statuses(check(con, "crawl.empty_listing", "run002")) == {"pass"}


def test_posted_items_unique(con: duckdb.DuckDBPyConnection) -> None:
    load(con, Run(1).agency().listed(11, items17(3)))
    assert statuses(check(con, "posted_items.unique")) == {"pass"}
    con.execute("INSERT INTO core.items SELECT * FROM core.items LIMIT 1")
    assert statuses(check(con, "posted_items.unique")) == {"fail"}


# ------------------------------------------------------------------ runner


def test_run_checks_summary_and_rerun_replaces(con: duckdb.DuckDBPyConnection) -> None:
    load(con, Run(1).agency().listed(11, items17(3, 2025)).report("a", 2025, {"active.total": 4}))
    now = Run(1).at + timedelta(hours=1)
    first = wh.run_checks(con, "run001", today=TODAY, now=now)
    n = con.execute("SELECT count(*) FROM check_results").fetchall()[0][0]
    second = wh.run_checks(con, "run001", today=TODAY, now=now)
    assert con.execute("SELECT count(*) FROM check_results").fetchall()[0][0] == n
    assert {k: first[k] for k in ("pass", "warn", "fail", "error")} == \
        {k: second[k] for k in ("pass", "warn", "fail", "error")}
    wh.refresh_reconciliation(con, {}, ReconcileConfig())
    out = wh.run_checks(con, "run001", today=TODAY, now=now)
    assert [f["check_id"] for f in out["failed"]] == ["reconcile.active_total"]
    assert out["fail"] == 1
    every = {r[0] for r in con.execute("SELECT DISTINCT check_id FROM check_results").fetchall()}
    assert every >= REQUIRED  # a check with nothing to look at still records a pass
    assert con.execute("SELECT count(*) FROM check_results WHERE message IS NULL OR message = ''"
                       ).fetchall() == [(0,)]


def test_latest_check_results_shows_the_latest_run(con: duckdb.DuckDBPyConnection) -> None:
    load(con, Run(1).agency().listed(11, items17(1)), Run(2).agency().listed(11, items17(1)))
    wh.run_checks(con, "run002", today=TODAY)
    wh.run_checks(con, "run001", today=TODAY)
    assert con.execute("SELECT DISTINCT run_id FROM latest_check_results").fetchall() == [("run002",)]


def test_a_crashing_check_is_an_error_row_and_others_still_run(
    con: duckdb.DuckDBPyConnection, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    sql = tmp_path / "sql"
    shutil.copytree(wh.sql_dir(), sql)
    (sql / "checks" / "zz.broken.sql").write_text(
        "-- id: zz.broken\n-- dimension: validity\n-- severity: error\n-- tolerance: 0\n"
        "-- description: Always crashes.\nSELECT * FROM no_such_table\n", encoding="utf-8")
    monkeypatch.setenv("DISCLOSURE_SQL_DIR", str(sql))
    load(con, Run(1).agency().listed(11, items17(1, 2025)))
    out = wh.run_checks(con, "run001", today=TODAY, now=datetime(2026, 1, 3, tzinfo=UTC))
    broken = [e for e in out["errors"] if e["check_id"] == "zz.broken"]
    assert len(broken) == 1 and "could not run" in broken[0]["message"]
    assert "no_such_table" in broken[0]["message"]
    ran = {r[0] for r in con.execute("SELECT DISTINCT check_id FROM check_results").fetchall()}
    assert ran >= REQUIRED | {"zz.broken"}
