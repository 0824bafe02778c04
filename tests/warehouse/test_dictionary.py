"""The analyst views: names, columns and types of contract.md §4, comments, generated docs."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from disclosure_etl import warehouse as wh
from disclosure_etl.warehouse.dictionary import generate

REPO = Path(__file__).resolve().parents[2]
T, TZ = "TIMESTAMP", "TIMESTAMP WITH TIME ZONE"

#: contract.md §4: view -> (column, type) in order (views may add columns after these)
CONTRACT: dict[str, list[tuple[str, str]]] = {
    "agencies": [("agency_id", "VARCHAR"), ("name", "VARCHAR"), ("site_url", "VARCHAR"),
                 ("sid", "VARCHAR"), ("parent_agency_id", "VARCHAR")],
    "posted_items": [("item_id", "BIGINT"), ("agency_id", "VARCHAR"), ("category_id", "BIGINT"),
                     ("category_name", "VARCHAR"), ("title", "VARCHAR"), ("item_type", "VARCHAR"),
                     ("url", "VARCHAR"), ("published_at", T), ("written_date", "DATE"),
                     ("document_number", "VARCHAR"), ("identifier", "VARCHAR"),
                     ("publisher", "VARCHAR"), ("is_abolished", "BOOLEAN"),
                     ("first_seen_at", TZ), ("last_seen_at", TZ), ("withdrawn_at", TZ)],
    "annual_reports": [("report_id", "VARCHAR"), ("agency_id", "VARCHAR"),
                       ("report_year", "INTEGER"), ("title", "VARCHAR"), ("url", "VARCHAR"),
                       ("copies", "VARCHAR[]"), ("published_at", T), ("template", "VARCHAR"),
                       ("source_format", "VARCHAR"), ("parse_status", "VARCHAR"),
                       ("parse_note", "VARCHAR")],
    "report_figures": [("report_id", "VARCHAR"), ("agency_id", "VARCHAR"),
                       ("report_year", "INTEGER"), ("metric", "VARCHAR"), ("value", "DOUBLE"),
                       ("unit", "VARCHAR"), ("is_blank", "BOOLEAN"), ("approx", "BOOLEAN"),
                       ("source_excerpt", "VARCHAR"), ("extraction", "VARCHAR"),
                       ("confidence", "DOUBLE")],
    "reconciliation": [("agency_id", "VARCHAR"), ("report_year", "INTEGER"),
                       ("scope", "VARCHAR"), ("reported", "BIGINT"), ("posted", "BIGINT"),
                       ("difference", "BIGINT"), ("status", "VARCHAR"), ("note", "VARCHAR")],
    "check_results": [("run_id", "VARCHAR"), ("check_id", "VARCHAR"), ("dimension", "VARCHAR"),
                      ("severity", "VARCHAR"), ("status", "VARCHAR"), ("agency_id", "VARCHAR"),
                      ("report_year", "INTEGER"), ("observed", "DOUBLE"), ("expected", "DOUBLE"),
                      ("message", "VARCHAR"), ("sample", "JSON"), ("checked_at", TZ)],
    "runs": [("run_id", "VARCHAR"), ("started_at", TZ), ("finished_at", TZ),
             ("status", "VARCHAR"), ("requests", "BIGINT"), ("pages_fetched", "BIGINT"),
             ("items_new", "BIGINT"), ("items_changed", "BIGINT"), ("items_withdrawn", "BIGINT"),
             ("reports_parsed", "BIGINT"), ("http_errors", "BIGINT")],
}
CONTRACT["latest_check_results"] = CONTRACT["check_results"]


def columns(con: duckdb.DuckDBPyConnection, view: str) -> list[tuple[str, str, str | None]]:
    return [tuple(r) for r in con.execute(
        "SELECT column_name, data_type, comment FROM duckdb_columns() "
        "WHERE schema_name = 'main' AND table_name = ? ORDER BY column_index", [view]).fetchall()]


@pytest.mark.parametrize("view", sorted(CONTRACT))
def test_contract_view_columns_and_types(con: duckdb.DuckDBPyConnection, view: str) -> None:
    got = [(c, t) for c, t, _ in columns(con, view)]
    assert got[: len(CONTRACT[view])] == CONTRACT[view]


def test_every_view_and_column_has_a_comment(con: duckdb.DuckDBPyConnection) -> None:
    views = con.execute("SELECT view_name, comment FROM duckdb_views() "
                        "WHERE NOT internal AND schema_name = 'main'").fetchall()
    assert len(views) >= len(CONTRACT)
    missing = [v for v, c in views if not c]
    missing += [f"{v}.{c}" for v, _ in views for c, _, cm in columns(con, v) if not cm]
    assert missing == []


def test_connect_is_idempotent_and_keeps_comments(wh_path: Path) -> None:
    for _ in range(2):
        c = wh.connect(wh_path)
        c.close()
    c = wh.connect(wh_path, read_only=True)
    try:
        assert all(cm for _, _, cm in columns(c, "posted_items"))
    finally:
        c.close()


def test_docs_warehouse_md_is_up_to_date() -> None:
    doc = REPO / "docs" / "warehouse.md"
    assert doc.read_text(encoding="utf-8") == generate(), (
        "docs/warehouse.md is stale: run python -m disclosure_etl.warehouse.docs docs/warehouse.md")


def test_docs_module_entry_writes_the_file(tmp_path: Path) -> None:
    out = tmp_path / "w.md"
    subprocess.run([sys.executable, "-m", "disclosure_etl.warehouse.docs", str(out)], check=True)
    assert out.read_text(encoding="utf-8") == generate()
    assert "## posted_items" in out.read_text(encoding="utf-8")
