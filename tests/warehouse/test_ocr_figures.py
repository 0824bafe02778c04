"""OCR provenance in the warehouse: extraction/confidence columns, and identity checks that
leave an OCR-uncertain reading alone instead of accusing the agency."""

from __future__ import annotations

from datetime import date

import duckdb
from whfix import Run

from disclosure_etl import warehouse as wh
from disclosure_etl.config import Config, ReconcileConfig, load_category_map

BROKEN_T3 = {  # 5 + 1 ≠ 5 + 2 in the 总计 column
    "t3.new_received.total": 5, "t3.carried_over.total": 1,
    "t3.total_processed.total": 5, "t3.carried_forward.total": 2,
}  # fmt: skip


def _balance_rows(con: duckdb.DuckDBPyConnection, run_id: str) -> list[tuple]:
    wh.refresh_reconciliation(con, load_category_map(Config()), ReconcileConfig())
    wh.run_checks(con, run_id, today=date(2026, 1, 5))
    return con.execute(
        "SELECT status, message, sample FROM check_results WHERE run_id = ? AND check_id = 'report.t3_balance'",
        [run_id]).fetchall()  # fmt: skip


def test_figures_keep_extraction_and_confidence(con: duckdb.DuckDBPyConnection) -> None:
    run = Run(1).agency().report("r", 2022, {"t4.review.total": 3}, template="2021",
                                 extraction="ocr", confidence=0.87)
    run.report("t", 2021, {"t4.review.total": 1}, template="2021")  # no extraction stated
    wh.load_run(con, run.batch)
    rows = con.execute(
        "SELECT report_id, extraction, confidence FROM report_figures ORDER BY report_id").fetchall()
    assert rows == [("r", "ocr", 0.87), ("t", "text", None)]


def test_ocr_uncertain_report_is_not_accused_by_the_t3_checks(con: duckdb.DuckDBPyConnection) -> None:
    run = Run(1).agency().report("ocr", 2022, BROKEN_T3, template="2021")
    run.report("typed", 2021, BROKEN_T3, template="2021")
    wh.load_run(con, run.batch)
    con.execute("UPDATE core.reports SET parse_status = 'partial', "
                "parse_note = 'ocr_uncertain: t3.carried_forward.total (conf 0.41)' WHERE report_id = 'ocr'")
    rows = _balance_rows(con, "run001")
    assert [r[0] for r in rows] == ["fail"]  # only the report whose figures were typed
    assert '"typed"' in rows[0][2] and '"ocr"' not in rows[0][2]
