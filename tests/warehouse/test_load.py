"""Loading runs: events, withdrawal rules, idempotency, replay."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import duckdb
from whfix import HL, Run, snapshot, ts

from disclosure_etl import warehouse as wh


def events(con: duckdb.DuckDBPyConnection, run_id: str) -> dict[int, str]:
    rows = con.execute(
        "SELECT item_id, event FROM item_changes WHERE run_id = ?", [run_id]
    ).fetchall()
    return dict(rows)


def item(con: duckdb.DuckDBPyConnection, item_id: int) -> dict:
    cur = con.execute("SELECT * FROM posted_items WHERE item_id = ?", [item_id])
    cols = [d[0] for d in cur.description]
    rows = cur.fetchall()
    assert len(rows) == 1
    return dict(zip(cols, rows[0], strict=True))


def test_first_load_creates_items_and_new_events(con: duckdb.DuckDBPyConnection) -> None:
    r = Run(1).agency().listed(11, [(100, ts(2017)), (101, ts(2017))]).listed(2, [(200, ts(2018))])
    out = wh.load_run(con, r.batch)
    assert out["new"] == 3 and out["changed"] == 0 and out["withdrawn"] == 0
    assert events(con, "run001") == {100: "new", 101: "new", 200: "new"}
    it = item(con, 100)
    assert it["published_at"] == datetime(2017, 6, 1, 9, 30)
    assert it["first_seen_at"] == r.at and it["last_seen_at"] == r.at
    assert it["withdrawn_at"] is None
    assert wh.is_loaded(con, "run001")


def test_loading_the_same_run_twice_is_loading_it_once(con: duckdb.DuckDBPyConnection) -> None:
    r = Run(1).agency().listed(11, [(100, ts(2017))]).report("r1", 2017, {"active.total": 1})
    wh.load_run(con, r.batch)
    before = snapshot(con)
    assert wh.load_run(con, r.batch) == {"run_id": "run001", "skipped": True}
    assert snapshot(con) == before


def test_changed_row_records_old_and_new_title(con: duckdb.DuckDBPyConnection) -> None:
    wh.load_run(con, Run(1).agency().listed(11, [(100, ts(2017))]).batch)
    r2 = Run(2).agency().listed(11, [(100, ts(2017))], titles={100: "新标题"})
    assert wh.load_run(con, r2.batch)["changed"] == 1
    row = con.execute(
        "SELECT event, old_title, new_title FROM item_changes WHERE run_id = 'run002'"
    ).fetchall()
    assert row == [("changed", "item 100", "新标题")]
    assert item(con, 100)["title"] == "新标题"
    assert item(con, 100)["first_seen_at"] == Run(1).at
    assert item(con, 100)["last_seen_at"] == r2.at


def test_unchanged_row_makes_no_event(con: duckdb.DuckDBPyConnection) -> None:
    wh.load_run(con, Run(1).agency().listed(11, [(100, ts(2017))]).batch)
    wh.load_run(con, Run(2).agency().listed(11, [(100, ts(2017))]).batch)
    assert events(con, "run002") == {}


def test_full_listing_withdraws_missing_item_and_return_clears_it(
    con: duckdb.DuckDBPyConnection,
) -> None:
    wh.load_run(con, Run(1).agency().listed(11, [(100, ts(2017)), (101, ts(2017))]).batch)
    r2 = Run(2).agency().listed(11, [(100, ts(2017))])
    assert wh.load_run(con, r2.batch)["withdrawn"] == 1
    assert events(con, "run002") == {101: "withdrawn"}
    assert item(con, 101)["withdrawn_at"] is not None
    r3 = Run(3).agency().listed(11, [(100, ts(2017)), (101, ts(2017))])
    assert wh.load_run(con, r3.batch)["returned"] == 1
    assert events(con, "run003") == {101: "returned"}
    assert item(con, 101)["withdrawn_at"] is None
    # the change log keeps all three events
    assert [e for (e,) in con.execute(
        "SELECT event FROM item_changes WHERE item_id = 101 ORDER BY run_id").fetchall()
    ] == ["new", "withdrawn", "returned"]


def test_withdrawn_item_is_not_withdrawn_again(con: duckdb.DuckDBPyConnection) -> None:
    wh.load_run(con, Run(1).agency().listed(11, [(100, ts(2017)), (101, ts(2017))]).batch)
    wh.load_run(con, Run(2).agency().listed(11, [(100, ts(2017))]).batch)
    wh.load_run(con, Run(3).agency().listed(11, [(100, ts(2017))]).batch)
    assert events(con, "run003") == {}


def test_incremental_listing_withdraws_only_within_what_it_read(
    con: duckdb.DuckDBPyConnection,
) -> None:
    wh.load_run(con, Run(1).agency().listed(
        11, [(100, ts(2015)), (101, ts(2018)), (102, ts(2019)), (103, ts(2020))]).batch)
    # incremental run read back to 2019: 103 listed, 102 gone (withdrawn), older not covered
    r2 = Run(2).agency().listed(11, [(103, ts(2020)), (104, ts(2019, 1, 1))], mode="incremental",
                                api_total=10, post_count=10)
    out = wh.load_run(con, r2.batch)
    assert events(con, "run002") == {102: "withdrawn", 104: "new"}
    assert out["withdrawn"] == 1
    assert item(con, 100)["withdrawn_at"] is None and item(con, 101)["withdrawn_at"] is None


def test_item_older_than_the_listing_window_ages_out_and_is_not_withdrawn(
    con: duckdb.DuckDBPyConnection,
) -> None:
    wh.load_run(con, Run(1).agency().listed(11, [(100, ts(2015)), (101, ts(2020)), (102, ts(2021))]).batch)
    # a full listing whose API window (1 row of 3 posted) starts in 2021: 100 and 101 are
    # older than the window and have aged out of it, they are not withdrawn
    r2 = Run(2).agency().listed(11, [(102, ts(2021))], mode="full", api_total=1, post_count=3)
    wh.load_run(con, r2.batch)
    assert events(con, "run002") == {}
    # a full listing without a window withdraws everything it did not contain
    r3 = Run(3).agency().listed(11, [(102, ts(2021))], mode="full", api_total=1, post_count=1)
    wh.load_run(con, r3.batch)
    assert events(con, "run003") == {100: "withdrawn", 101: "withdrawn"}


def test_windowed_full_listing_withdraws_items_inside_the_window(
    con: duckdb.DuckDBPyConnection,
) -> None:
    wh.load_run(con, Run(1).agency().listed(11, [(100, ts(2015)), (101, ts(2021, 3)), (102, ts(2021, 5))]).batch)
    r2 = Run(2).agency().listed(11, [(102, ts(2021, 5)), (105, ts(2021, 1))],
                                mode="full", api_total=2, post_count=9)
    wh.load_run(con, r2.batch)
    # window reaches back to 2021-01: 101 (2021-03) was inside it and is gone; 100 (2015) aged out
    assert events(con, "run002") == {101: "withdrawn", 105: "new"}


def test_partial_or_error_listing_withdraws_nothing(con: duckdb.DuckDBPyConnection) -> None:
    wh.load_run(con, Run(1).agency().listed(11, [(100, ts(2017)), (101, ts(2017))])
                .listed(2, [(200, ts(2017))]).batch)
    r2 = (Run(2).agency().listed(11, [(100, ts(2017))], status="partial")
          .listed(2, [], status="error"))
    wh.load_run(con, r2.batch)
    assert events(con, "run002") == {}


def test_category_not_listed_this_run_withdraws_nothing(con: duckdb.DuckDBPyConnection) -> None:
    wh.load_run(con, Run(1).agency().listed(11, [(100, ts(2017))]).listed(2, [(200, ts(2017))]).batch)
    wh.load_run(con, Run(2).agency().listed(11, [(100, ts(2017))]).batch)
    assert events(con, "run002") == {}


def test_item_in_two_categories_is_one_item(con: duckdb.DuckDBPyConnection) -> None:
    wh.load_run(con, Run(1).agency().listed(11, [(100, ts(2017))]).listed(2, [(100, ts(2017))]).batch)
    assert con.execute("SELECT count(*) FROM posted_items").fetchall() == [(1,)]
    assert item(con, 100)["category_id"] == 2
    assert item(con, 100)["categories"] == [2, 11]
    # still listed under one of them: not withdrawn
    wh.load_run(con, Run(2).agency().listed(11, [(100, ts(2017))]).listed(2, []).batch)
    assert events(con, "run002") == {}


def test_content_page_metadata_fills_what_the_list_row_lacks(
    con: duckdb.DuckDBPyConnection,
) -> None:
    r = Run(1).agency().listed(11, [(100, ts(2017))])
    r.batch.add("item_details", run_id="run001", agency_id=HL, item_id=100,
                content_url="https://x/post_100.html", sha256="ab", title="item 100",
                metadata=json.dumps({"成文日期": "2017年05月02日", "文号": "白鹤发〔2017〕1号",
                                     "索引号": "007/2017-1", "发布机构": "鹤龙街道办事处"},
                                    ensure_ascii=False))
    wh.load_run(con, r.batch)
    it = item(con, 100)
    assert it["written_date"].isoformat() == "2017-05-02"
    assert it["document_number"] == "白鹤发〔2017〕1号"
    assert it["identifier"] == "007/2017-1"
    assert it["publisher"] == "鹤龙街道办事处"


def test_item_details_keep_one_page_per_item_and_the_next_run_replaces_it(
    con: duckdb.DuckDBPyConnection,
) -> None:
    """An item whose content page was fetched twice in a run (two urls) keeps the first by
    url; the next run's page replaces it; an item fetched once passes through as it is."""
    r = Run(1).agency().listed(11, [(100, ts(2017)), (101, ts(2017))])
    for item_id, url, sha in ((100, "https://x/b_100.html", "b"), (100, "https://x/a_100.html", "a"),
                              (101, "https://x/post_101.html", "c")):
        r.batch.add("item_details", run_id="run001", agency_id=HL, item_id=item_id,
                    content_url=url, sha256=sha, title=f"item {item_id}", metadata="{}")
    wh.load_run(con, r.batch)
    rows = con.execute("SELECT item_id, run_id, content_url, sha256 FROM core.item_details "
                       "ORDER BY item_id").fetchall()
    assert rows == [(100, "run001", "https://x/a_100.html", "a"),
                    (101, "run001", "https://x/post_101.html", "c")]
    r2 = Run(2).agency().listed(11, [(100, ts(2017)), (101, ts(2017))])
    r2.batch.add("item_details", run_id="run002", agency_id=HL, item_id=100,
                 content_url="https://x/a_100.html", sha256="d", title="item 100", metadata="{}")
    wh.load_run(con, r2.batch)
    rows = con.execute("SELECT item_id, run_id, sha256 FROM core.item_details "
                       "ORDER BY item_id").fetchall()
    assert rows == [(100, "run002", "d"), (101, "run001", "c")]


def test_report_upsert_replaces_report_and_figures(con: duckdb.DuckDBPyConnection) -> None:
    wh.load_run(con, Run(1).agency().report("r1", 2017, {"active.total": 5, "review.total": 0}).batch)
    wh.load_run(con, Run(2).agency().report("r1", 2017, {"active.total": 6}).batch)
    assert con.execute("SELECT count(*) FROM annual_reports").fetchall() == [(1,)]
    assert con.execute("SELECT metric, value FROM report_figures").fetchall() == [("active.total", 6.0)]


def test_copies_are_a_text_array(con: duckdb.DuckDBPyConnection, wh_path: Path) -> None:
    r = Run(1).agency()
    r.batch.add("reports", report_id="r9", agency_id=HL, report_year=2020, url="https://a/1",
                copies=["https://b/2", "https://c/3"], parse_status="parsed")
    wh.load_run(con, r.batch)
    assert con.execute("SELECT copies FROM annual_reports").fetchall() == [(["https://b/2", "https://c/3"],)]
    con.close()
    assert wh.known_report_urls(wh_path) == {"https://a/1", "https://b/2", "https://c/3"}


def test_report_coverage_counts_reach_annual_reports(con: duckdb.DuckDBPyConnection) -> None:
    r = Run(1).agency()
    r.batch.add("reports", report_id="r7", agency_id=HL, report_year=2022, url="https://a/7",
                parse_status="partial", figures_expected=201, figures_found=198,
                parse_note="missing 3/201: t3: rows unable_1..3 not found")
    wh.load_run(con, r.batch)
    assert con.execute("SELECT parse_status, figures_expected, figures_found FROM annual_reports"
                       ).fetchall() == [("partial", 201, 198)]


def test_warehouse_without_coverage_columns_gains_them(wh_path: Path) -> None:
    old = duckdb.connect(str(wh_path))
    old.execute("CREATE SCHEMA core")
    old.execute("CREATE TABLE core.reports (report_id VARCHAR NOT NULL, agency_id VARCHAR, report_year INTEGER, "
                "title VARCHAR, url VARCHAR, copies VARCHAR[], published_at TIMESTAMP, template VARCHAR, "
                "source_format VARCHAR, parse_status VARCHAR, parse_note VARCHAR, period_start DATE, "
                "period_end DATE, item_id BIGINT, sha256 VARCHAR, publisher VARCHAR, run_id VARCHAR)")
    old.execute("INSERT INTO core.reports (report_id, parse_status) VALUES ('old', 'parsed')")
    old.close()
    con = wh.connect(wh_path)
    try:
        wh.load_run(con, Run(1).agency().report("r1", 2017, {"active.total": 5}).batch)
        rows = con.execute("SELECT report_id, run_id, figures_expected, figures_found FROM core.reports "
                           "ORDER BY report_id").fetchall()
        assert rows == [("old", None, None, None), ("r1", "run001", None, None)]
        assert "figures_found" in [d[0] for d in con.execute("SELECT * FROM annual_reports").description]
    finally:
        con.close()


def test_runs_view_counts(con: duckdb.DuckDBPyConnection) -> None:
    wh.load_run(con, Run(1).agency().listed(11, [(100, ts(2017)), (101, ts(2017))])
                .fetch("ok", 3).fetch("not_modified", 1).fetch("http_error", 2)
                .report("r1", 2017, {"active.total": 2}).batch)
    wh.load_run(con, Run(2).agency().listed(11, [(100, ts(2017))], titles={100: "x"}).batch)
    rows = con.execute(
        "SELECT run_id, requests, pages_fetched, items_new, items_changed, items_withdrawn, "
        "reports_parsed, http_errors FROM runs ORDER BY run_id").fetchall()
    assert rows == [("run001", 6, 4, 2, 0, 0, 1, 0), ("run002", 0, 0, 0, 1, 1, 0, 0)]


def test_replay_into_empty_warehouse_equals_incremental_load(tmp_path: Path) -> None:
    runs = [
        Run(1).agency().listed(11, [(100, ts(2017)), (101, ts(2017))]).listed(2, [(200, ts(2018))])
        .report("r1", 2017, {"active.total": 3}),
        Run(2).agency().listed(11, [(100, ts(2017))], titles={100: "t2"}).listed(2, [(200, ts(2018)), (201, ts(2019))]),
        Run(3).agency().listed(11, [(100, ts(2017)), (101, ts(2017))], mode="incremental")
        .report("r1", 2017, {"active.total": 4}),
    ]
    inc = wh.connect(tmp_path / "inc.duckdb")
    for r in runs:
        wh.load_run(inc, r.batch)
    expected = snapshot(inc)
    # parse --rebuild: empty and replay
    wh.reset_derived(inc)
    assert not wh.is_loaded(inc, "run001")
    for r in runs:
        wh.load_run(inc, r.batch)
    assert snapshot(inc) == expected
    fresh = wh.connect(tmp_path / "fresh.duckdb")
    for r in runs:
        wh.load_run(fresh, r.batch)
    assert snapshot(fresh) == expected


def test_read_helpers_on_missing_and_loaded_files(tmp_path: Path) -> None:
    p = tmp_path / "w.duckdb"
    assert wh.known_items(p, HL) == {} and wh.last_full_relist(p) is None
    con = wh.connect(p)
    wh.load_run(con, Run(1, full_relist=True).agency().listed(11, [(100, ts(2017)), (101, ts(2017))]).batch)
    r2 = Run(2).agency().listed(11, [(100, ts(2017))])
    wh.load_run(con, r2.batch)
    con.close()
    known = wh.known_items(p, HL)
    assert list(known) == [100]
    assert known[100] == r2.batch.tables["list_rows"][0]["row_hash"]
    assert wh.last_full_relist(p) == Run(1).at.replace(minute=10)
