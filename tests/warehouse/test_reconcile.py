"""The reconciliation view: reported counts against posted items."""

from __future__ import annotations

import duckdb
import pytest
from whfix import Run, ts

from disclosure_etl import warehouse as wh
from disclosure_etl.config import Config, ReconcileConfig, load_category_map

CMAP = load_category_map(Config())


def recon(con: duckdb.DuckDBPyConnection, scope: str = "total", year: int = 2017,
          tol: ReconcileConfig | None = None) -> dict:
    wh.refresh_reconciliation(con, CMAP, tol or ReconcileConfig())
    cur = con.execute("SELECT * FROM reconciliation WHERE scope = ? AND report_year = ?", [scope, year])
    cols = [d[0] for d in cur.description]
    rows = cur.fetchall()
    assert len(rows) == 1, rows
    return dict(zip(cols, rows[0], strict=True))


def base(figures: dict, **listing: object) -> Run:
    return (Run(1).agency()
            .listed(11, [(100, ts(2017)), (101, ts(2017)), (102, ts(2018))], **listing)  # type: ignore[arg-type]
            .listed(12, [(110, ts(2017))])
            .listed(2, [(200, ts(2017, 3)), (201, ts(2016))])
            .listed(3, [(300, ts(2017, 12, 31))], item_type="url")
            .report("r1", 2017, figures))


def test_total_match_counts_url_rows_and_says_so(con: duckdb.DuckDBPyConnection) -> None:
    wh.load_run(con, base({"active.total": 5}).batch)
    r = recon(con)
    assert (r["reported"], r["posted"], r["difference"], r["status"]) == (5, 5, 0, "match")
    assert "1 of 5 posted are url rows" in r["note"] and "exact" in r["note"]


def test_total_is_the_stated_total_never_the_website_channel(con: duckdb.DuckDBPyConnection) -> None:
    # 共计主动公开政府信息5条 … 按发布渠道统计：政府网站发布信息735条: the total is 5, as stated
    wh.load_run(con, base({"active.total": 5, "active.channel.website": 735}).batch)
    r = recon(con)
    assert (r["reported"], r["posted"], r["status"]) == (5, 5, "match")
    assert "active.total" in r["note"]


def test_channels_are_scopes_of_their_own_and_never_compared(con: duckdb.DuckDBPyConnection) -> None:
    wh.load_run(con, base({"active.total": 5, "active.channel.website": 735,
                           "active.channel.weibo_wechat": 40}).batch)
    for scope, reported in (("channel.website", 735), ("channel.weibo_wechat", 40)):
        r = recon(con, scope)
        assert (r["reported"], r["posted"], r["status"]) == (reported, None, "not_comparable")
        assert "channel" in r["note"]


def test_a_report_stating_only_channels_has_no_total_to_reconcile(con: duckdb.DuckDBPyConnection) -> None:
    wh.load_run(con, base({"active.channel.website": 7}).batch)
    r = recon(con)
    assert (r["reported"], r["status"]) == (None, "not_comparable")
    assert "the report states no proactive total" in r["note"]


def test_district_wide_figure_is_kept_apart_from_the_agencys_total(con: duckdb.DuckDBPyConnection) -> None:
    # 全区各单位共主动公开信息 900 条; the government itself 5
    wh.load_run(con, base({"active.total": 5, "active.total_district": 900}).batch)
    assert (recon(con)["reported"], recon(con)["status"]) == (5, "match")
    d = recon(con, "total_district")
    assert (d["reported"], d["posted"], d["status"]) == (900, None, "not_comparable")
    assert "district-wide" in d["note"]


def test_mismatch_and_tolerances(con: duckdb.DuckDBPyConnection) -> None:
    wh.load_run(con, base({"active.total": 7}, ).batch)
    r = recon(con)
    assert (r["difference"], r["status"]) == (-2, "mismatch")
    assert recon(con, tol=ReconcileConfig(tolerance_abs=2))["status"] == "match"
    assert recon(con, tol=ReconcileConfig(tolerance_pct=0.3))["status"] == "match"
    assert recon(con, tol=ReconcileConfig(tolerance_pct=0.2))["status"] == "mismatch"


def test_approximate_figure_is_noted(con: duckdb.DuckDBPyConnection) -> None:
    wh.load_run(con, base({"active.total": 5}).report("r1", 2017, {"active.total": 5}, approx=["active.total"]).batch)
    assert "approximate" in recon(con)["note"]


def test_withdrawn_items_still_count(con: duckdb.DuckDBPyConnection) -> None:
    wh.load_run(con, base({"active.total": 5}).batch)
    wh.load_run(con, Run(2).agency().listed(11, [(102, ts(2018))]).batch)
    assert recon(con)["posted"] == 5


def test_nothing_reported_is_not_comparable(con: duckdb.DuckDBPyConnection) -> None:
    wh.load_run(con, base({"t4.review.total": 0}).batch)
    r = recon(con)
    assert r["status"] == "not_comparable" and "no proactive total" in r["note"]


def test_listing_window_after_jan_1_makes_the_year_not_comparable(
    con: duckdb.DuckDBPyConnection,
) -> None:
    r = (Run(1).agency()
         .listed(11, [(100, ts(2017, 8))], api_total=1, post_count=40)
         .report("r1", 2017, {"active.total": 1}))
    wh.load_run(con, r.batch)
    out = recon(con)
    assert out["status"] == "not_comparable" and "listing window of 机构职能 starts 2017-08-01" in out["note"]
    # 2018 is fully inside the window
    wh.load_run(con, Run(2).agency().listed(11, [(100, ts(2017, 8))], api_total=1, post_count=40)
                .report("r2", 2018, {"active.total": 0}).batch)
    assert recon(con, year=2018)["status"] == "match"


def test_error_listing_makes_the_year_not_comparable(con: duckdb.DuckDBPyConnection) -> None:
    wh.load_run(con, base({"active.total": 5}).listed(4, [], status="error").batch)
    out = recon(con)
    assert out["status"] == "not_comparable" and "财政预决算 is error" in out["note"]


def test_no_listing_at_all_is_not_comparable(con: duckdb.DuckDBPyConnection) -> None:
    wh.load_run(con, Run(1).agency().report("r1", 2017, {"active.total": 5}).batch)
    out = recon(con)
    assert out["status"] == "not_comparable" and "no listing" in out["note"]


def test_parent_category_counts_its_leaves(con: duckdb.DuckDBPyConnection) -> None:
    wh.load_run(con, base({"active.total": 5, "active.category.组织机构": 3}).batch)
    r = recon(con, scope="组织机构")
    assert (r["posted"], r["status"]) == (3, "match")


@pytest.mark.parametrize("label,posted", [("部门文件", 1), ("动态", 1)])
def test_category_map_and_same_name_labels(con: duckdb.DuckDBPyConnection, label: str,
                                           posted: int) -> None:
    wh.load_run(con, base({"active.total": 5, f"active.category.{label}": 1}).batch)
    r = recon(con, scope=label)
    assert r["posted"] == posted


def test_label_equal_to_a_catalog_name_maps_to_it(con: duckdb.DuckDBPyConnection) -> None:
    wh.load_run(con, base({"active.total": 5, "active.category.领导信息": 1}).batch)
    assert recon(con, scope="领导信息")["status"] == "match"


def test_unmapped_label_is_not_comparable(con: duckdb.DuckDBPyConnection) -> None:
    wh.load_run(con, base({"active.total": 5, "active.category.办事指南": 4}).batch)
    r = recon(con, scope="办事指南")
    assert r["status"] == "not_comparable" and "no category mapping for 办事指南" in r["note"]


def test_item_listed_in_two_categories_of_a_scope_counts_once(
    con: duckdb.DuckDBPyConnection,
) -> None:
    r = (Run(1).agency().listed(11, [(100, ts(2017))]).listed(12, [(100, ts(2017)), (101, ts(2017))])
         .report("r1", 2017, {"active.total": 2, "active.category.组织机构": 2}))
    wh.load_run(con, r.batch)
    assert recon(con, scope="组织机构")["posted"] == 2
    assert recon(con)["posted"] == 2
