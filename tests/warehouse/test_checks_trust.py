"""Findings you can trust: no silent pass, the right "reported" figure, the new checks
(each with a passing and a failing fixture), empty listings that stay open, freshness alone."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from pathlib import Path

import duckdb
import pytest
from whfix import DISTRICT, DISTRICT_NAME, HL, Run, load, statuses, ts

from disclosure_etl import pipeline
from disclosure_etl import warehouse as wh
from disclosure_etl.config import (
    ChecksConfig,
    Config,
    ConfigError,
    ReconcileConfig,
    from_dict,
    load_category_map,
)
from disclosure_etl.warehouse.checks import parse_check

TODAY = date(2026, 1, 5)
JT = "gzbyjtj"
JT_NAME = "广州市白云区人民政府景泰街道办事处"
SZ = "gzbysqj"
SZ_NAME = "广州市白云区人民政府松洲街道办事处"


def run_all(con: duckdb.DuckDBPyConnection, run_id: str, config: ChecksConfig | None = None,
            today: date = TODAY) -> dict:
    wh.refresh_reconciliation(con, load_category_map(Config()), ReconcileConfig())
    return wh.run_checks(con, run_id, today=today, config=config)


def rows_of(con: duckdb.DuckDBPyConnection, run_id: str, check_id: str) -> list[tuple]:
    """(status, agency_id, report_year, message, sample) of one check in one run."""
    return con.execute(
        "SELECT status, agency_id, report_year, message, sample FROM check_results "
        "WHERE run_id = ? AND check_id = ? ORDER BY agency_id NULLS FIRST, report_year, message",
        [run_id, check_id]).fetchall()




# ------------------------------------------------------------------ no silent pass


def _check_file(tmp_path: Path, body: str) -> Path:
    p = tmp_path / "zz.test.sql"
    p.write_text("-- id: zz.test\n-- dimension: validity\n-- severity: error\n-- tolerance: 0\n"
                 "-- description: A test check.\n" + body, encoding="utf-8")
    return p


def test_empty_pass_header_needs_a_reason(tmp_path: Path) -> None:
    assert parse_check(_check_file(tmp_path, "SELECT 1")).empty_pass is None
    same_line = parse_check(_check_file(tmp_path, "-- empty: pass — nothing can be due yet\nSELECT 1"))
    assert same_line.empty_pass == "nothing can be due yet"
    next_line = parse_check(_check_file(tmp_path, "-- empty: pass\n-- categories are optional\nSELECT 1"))
    assert next_line.empty_pass == "categories are optional"
    with pytest.raises(ValueError, match="reason"):
        parse_check(_check_file(tmp_path, "-- empty: pass\nSELECT 1"))
    with pytest.raises(ValueError, match="reason"):
        parse_check(_check_file(tmp_path, "-- empty: sometimes\nSELECT 1"))


def test_a_check_over_zero_rows_is_an_error_unless_its_header_says_pass(
    con: duckdb.DuckDBPyConnection,
) -> None:
    load(con, Run(1).agency().listed(11, [(1, ts(2025))]))  # no report at all
    run_all(con, "run001")
    for cid in ("reconcile.active_total", "report.t3_balance", "report.text_vs_table",
                "report.copied_from_other_agency", "report.edited_after_publication"):
        rows = rows_of(con, "run001", cid)
        assert statuses(rows) == {"error"}, cid
        assert rows[0][3].startswith("Nothing was checked"), cid
    declared = {c.id for c in wh.list_checks() if c.empty_pass}
    assert "reconcile.active_category" in declared and "report.t3_balance" not in declared
    rows = rows_of(con, "run001", "reconcile.active_category")
    assert statuses(rows) == {"pass"} and "Nothing to check, which is a pass here" in rows[0][3]


def test_every_report_garbage_is_never_green(con: duckdb.DuckDBPyConnection) -> None:
    r = Run(1).agency().listed(11, [(1, ts(2019)), (2, ts(2020))])
    for y in (2019, 2020, 2021):
        r.report(f"g{y}", y, {}, template="2021", parse_status="failed", parse_note="no text found",
                 text="")
    load(con, r)
    out = run_all(con, "run001")
    assert out["fail"] + out["error"] > 0
    health = rows_of(con, "run001", "report.parse_health")
    per_report = [h for h in health if h[1] is not None]
    assert [h[0] for h in per_report] == ["fail"] * 3
    assert all("no text found" in h[3] for h in per_report)
    run_row = [h for h in health if h[1] is None]
    assert run_row[0][0] == "fail" and "0 of 3 reports parsed" in run_row[0][3]
    # no report or reconciliation check passes over reports it could not read, except the
    # ones whose header declares that nothing to check is a pass (optional figures)
    passed = con.execute(
        "SELECT DISTINCT check_id FROM check_results WHERE run_id = 'run001' AND status = 'pass' "
        "AND (check_id LIKE 'report.%' OR check_id LIKE 'reconcile.%')").fetchall()
    declared = {c.id for c in wh.list_checks() if c.empty_pass}
    assert {p for (p,) in passed} <= declared
    for cid in ("reconcile.active_total", "report.t3_balance", "report.t4_sum",
                "report.text_vs_table", "report.edited_after_publication"):
        assert "pass" not in statuses(rows_of(con, "run001", cid)), cid


def test_parse_health_partial_warns_and_the_floor_is_configured(con: duckdb.DuckDBPyConnection) -> None:
    r = Run(1).agency()
    for i in range(9):
        r.report(f"p{i}", 2015 + i, {"active.total": 1})
    r.report("q", 2024, {"active.total": 1}, parse_status="partial", parse_note="tables_missing: t3")
    load(con, r)
    run_all(con, "run001")
    health = rows_of(con, "run001", "report.parse_health")
    partial = [h for h in health if h[0] == "warn"]
    assert len(partial) == 1 and "tables_missing: t3" in partial[0][3]
    assert [h[0] for h in health if h[1] is None] == ["pass"]  # 9 of 10 = 0.9, floor 0.9
    run_all(con, "run002", ChecksConfig(parse_health_floor=0.95))
    assert [h[0] for h in rows_of(con, "run002", "report.parse_health") if h[1] is None] == ["fail"]


def test_checks_config_key(tmp_path: Path) -> None:
    assert from_dict({"checks": {"parse_health_floor": 0.8}}).checks.parse_health_floor == 0.8
    assert from_dict({}).checks == ChecksConfig()
    with pytest.raises(ConfigError, match="checks.nope"):
        from_dict({"checks": {"nope": 1}})
    with pytest.raises(ConfigError, match="between 0 and 1"):
        from_dict({"checks": {"parse_health_floor": 1.5}})


# ------------------------------------------------------------------ what "reported" means


def _district(figures: dict[str, float | None], posted: int = 83) -> Run:
    items = [(5000 + i, ts(2024)) for i in range(posted)]
    return (Run(1).agency(DISTRICT, DISTRICT_NAME).listed(3, items, agency_id=DISTRICT)
            .report("d", 2024, figures, agency_id=DISTRICT, template="2021"))


def test_the_stated_total_is_reconciled_not_the_website_channel(con: duckdb.DuckDBPyConnection) -> None:
    # 区政府…共计主动公开政府信息83条 … 按发布渠道统计：政府网站发布信息735条
    load(con, _district({"active.total": 83, "active.channel.website": 735,
                         "active.total_district": 2100}))
    run_all(con, "run001")
    rows = rows_of(con, "run001", "reconcile.active_total")
    assert [(s, y) for s, _, y, _, _ in rows] == [("pass", 2024)]
    assert "match the reported 83" in rows[0][3]
    assert statuses(rows_of(con, "run001", "reconcile.active_category")) == {"pass"}  # none stated


def test_a_report_that_states_no_total_is_a_skip_not_a_finding(con: duckdb.DuckDBPyConnection) -> None:
    load(con, _district({"active.channel.website": 735}))
    run_all(con, "run001")
    rows = rows_of(con, "run001", "reconcile.active_total")
    assert statuses(rows) == {"skip"} and "states no proactive total" in rows[0][3]
    recon = con.execute("SELECT scope, status FROM reconciliation ORDER BY scope").fetchall()
    assert recon == [("channel.website", "not_comparable"), ("total", "not_comparable")]


def test_not_comparable_categories_are_skips(con: duckdb.DuckDBPyConnection) -> None:
    load(con, _district({"active.total": 83, "active.category.无此分类": 4}))
    run_all(con, "run001")
    rows = rows_of(con, "run001", "reconcile.active_category")
    assert statuses(rows) == {"skip"} and "no category mapping" in rows[0][3]


# ------------------------------------------------------------------ report.text_vs_table


T3_TOTALS = {"t3.new_received.total": 12, "t3.carried_over.total": 2,
             "t3.total_processed.total": 13, "t3.carried_forward.total": 1,
             "t4.review.total": 1, "t4.suit_direct.total": 1, "t4.suit_after_review.total": 0}


def test_text_vs_table(con: duckdb.DuckDBPyConnection) -> None:
    agree = {**T3_TOTALS, "application.received": 12, "application.processed": 13,
             "review.total": 1, "lawsuit.total": 1}
    # 共收到申请14件 (本年新收12 + 上年结转2) is the same count, said another way
    inclusive = {**T3_TOTALS, "application.received": 14}
    silent = dict(T3_TOTALS)  # the prose restates nothing
    contradicts = {**T3_TOTALS, "application.received": 15, "review.total": 1}
    r = Run(1).agency()
    for rid, y, figs in (("a", 2021, agree), ("b", 2022, inclusive), ("c", 2023, silent),
                         ("d", 2024, contradicts)):
        r.report(rid, y, figs, template="2021")
    load(con, r)
    run_all(con, "run001")
    got = {y: (s, m) for s, _, y, m, _ in rows_of(con, "run001", "report.text_vs_table")}
    assert got[2021][0] == "pass" and "4 figure(s)" in got[2021][1]
    assert got[2022][0] == "pass"
    assert got[2023][0] == "skip"
    assert got[2024][0] == "fail"
    assert "15 in the text, 12 in the table" in got[2024][1]


# ------------------------------------------------------------------ report.copied_from_other_agency


def _prose(name: str, short: str, sentences: list[str], year: int = 2024) -> str:
    head = (f"本报告根据《中华人民共和国政府信息公开条例》要求，由{name}编制。"
            f"本报告所列数据的统计期限自{year}年1月1日起至{year}年12月31日止。\n")
    return head + "\n".join(s.format(me=short) for s in sentences)


OWN_HL = ["{me}围绕辖区旧村改造项目，在社区公告栏张贴征收补偿方案12期，组织居民代表听证会3场。",
          "针对鹤岗花园积水点整治，{me}逐户发放告知书，回收意见表340份，整理答复口径8条。",
          "{me}依托“来穗人员服务站”推送出租屋管理政策，覆盖流动人口约1.2万人次。",
          "全年开展网格员政务公开业务轮训4期，编印问答手册600册，发放至各经济联社。",
          "对辖区3个专业市场开展消防安全检查信息公示，公示整改台账17份。"]
OWN_JT = ["{me}聚焦老旧小区加装电梯，在街道服务中心设立咨询窗口，受理咨询86宗。",
          "通过“景泰家园”公众号发布垃圾分类指引，累计阅读量2.3万次。",
          "{me}联合派出所公开出租屋治安隐患排查结果，通报问题点位25处，完成整改21处。",
          "组织人大代表、政协委员视察政务公开专区2次，收集意见建议14条。",
          "完善依申请公开登记、审核、答复台账，全年无逾期答复。"]
OWN_SZ = ["{me}结合城中村改造，在村务公开栏公开集体资产交易结果，涉及合同46份。",
          "开展“政务公开进社区”活动6场，现场解答群众关于低保、医保政策的咨询。",
          "{me}对辖区河涌整治工程进度按月公示，公示工程节点9个。",
          "梳理公开事项标准目录，编制街道政务公开事项清单118项。",
          "加强政府网站栏目维护，清理过期信息与无效链接53条。"]


def test_copied_from_other_agency(con: duckdb.DuckDBPyConnection) -> None:
    r = Run(1)
    for aid, name in ((HL, "广州市白云区人民政府鹤龙街道办事处"), (JT, JT_NAME), (SZ, SZ_NAME)):
        r.agency(aid, name)
    r.report("hl", 2024, {"active.total": 1}, agency_id=HL, published_at=datetime(2025, 1, 10, 9, 0),
             text=_prose("广州市白云区人民政府鹤龙街道办事处", "鹤龙街道", OWN_HL))
    r.report("jt", 2024, {"active.total": 1}, agency_id=JT, published_at=datetime(2025, 1, 12, 9, 0),
             text=_prose(JT_NAME, "景泰街道", OWN_JT))
    # 松洲 2024: 鹤龙's text with its own name put in and the figures rewritten
    copied = [s.replace("12期", "9期").replace("340份", "280份") for s in OWN_HL]
    r.report("sz", 2024, {"active.total": 1}, agency_id=SZ, published_at=datetime(2025, 1, 20, 9, 0),
             text=_prose(SZ_NAME, "松洲街道", copied))
    # 松洲 2023, its own text, and 鹤龙's text of another year do not count
    r.report("sz23", 2023, {"active.total": 1}, agency_id=SZ, published_at=datetime(2024, 1, 20, 9, 0),
             text=_prose(SZ_NAME, "松洲街道", OWN_SZ, 2023))
    load(con, r)
    run_all(con, "run001")
    got = {(a, y): (s, m, json.loads(sample)) for s, a, y, m, sample
           in rows_of(con, "run001", "report.copied_from_other_agency")}
    assert got[(SZ, 2024)][0] == "warn"
    sample = got[(SZ, 2024)][2]
    assert sample["other_report_id"] == "hl" and sample["other_agency_id"] == HL
    assert sample["similarity"] >= 0.9
    assert f"near-copy of {HL}'s 2024 report" in got[(SZ, 2024)][1]
    # the original is not the finding; unrelated reports pass
    assert got[(HL, 2024)][0] == "pass" and "published first" in got[(HL, 2024)][1]
    assert got[(JT, 2024)][0] == "pass" and got[(SZ, 2023)][0] == "pass"


def test_shared_template_text_is_not_a_copy(con: duckdb.DuckDBPyConnection) -> None:
    """Three streets filling in the district's template, each with its own figures, pass."""
    template = ["{me}主动公开政府信息{n}条，其中工作动态类信息{m}条。",
                "全年收到政府信息公开申请{k}件，均在法定期限内答复。",
                "{me}严格落实政府信息公开保密审查制度，未发生泄密事件。",
                "下一步，{me}将进一步规范政府信息公开工作，提升公开质量。"]
    r = Run(1)
    for i, (aid, name, short) in enumerate(((HL, "广州市白云区人民政府鹤龙街道办事处", "鹤龙街道"),
                                            (JT, JT_NAME, "景泰街道"), (SZ, SZ_NAME, "松洲街道"))):
        r.agency(aid, name)
        lines = [t.format(me=short, n=60 + i, m=30 + 2 * i, k=2 + i) for t in template]
        r.report(f"t{i}", 2024, {"active.total": 60 + i}, agency_id=aid, text=_prose(name, short, lines))
    load(con, r)
    run_all(con, "run001")
    assert statuses(rows_of(con, "run001", "report.copied_from_other_agency")) == {"pass"}


# ------------------------------------------------------------------ report.edited_after_publication


def test_edited_after_publication(con: duckdb.DuckDBPyConnection) -> None:
    first = {"active.total": 40, "active.category.政务动态": 30}
    load(con, Run(1).agency().report("a", 2024, first, text="原文").report("b", 2024, first, text="乙",
                                                                          agency_id=DISTRICT)
         .agency(DISTRICT, DISTRICT_NAME))
    # run 2 reads "b" again unchanged and "a" edited: a figure and the prose changed
    edited = {"active.total": 45, "active.category.政务动态": 30}
    load(con, Run(2).agency().agency(DISTRICT, DISTRICT_NAME).report("a", 2024, edited, text="改后")
         .report("b", 2024, first, text="乙", agency_id=DISTRICT))
    versions = con.execute("SELECT report_id, version, first_seen_run, last_seen_run FROM "
                           "core.report_versions ORDER BY ALL").fetchall()
    assert versions == [("a", 1, "run001", "run001"), ("a", 2, "run002", "run002"),
                        ("b", 1, "run001", "run002")]
    # the figures are the latest version's
    assert con.execute("SELECT value FROM report_figures WHERE report_id = 'a' AND metric = 'active.total'"
                       ).fetchall() == [(45.0,)]
    run_all(con, "run002")
    got = {a: (s, m, json.loads(sample)) for s, a, _, m, sample
           in rows_of(con, "run002", "report.edited_after_publication")}
    assert got[DISTRICT][0] == "pass"
    status, message, sample = got[HL]
    assert status == "warn" and "2 versions" in message and "active.total" in message
    assert sample["changed_figures"] == ["active.total"]
    assert sample["first_content_sha256"] != sample["latest_content_sha256"]


def test_a_version_is_the_visible_text_not_the_markup() -> None:
    from disclosure_etl.reports import parse_report

    body = "<p>2024年，本街道主动公开政府信息63条。</p><table><tr><td>本年新收</td><td>5</td></tr></table>"
    restyled = ("<div style='x'><p class=MsoNormal>2024年，本街道主动公开政府信息63条。</p></div>\n"
                "<table border=1><tr><td><span>本年新收</span></td><td> 5 </td></tr></table>")
    edited = body.replace("63条", "68条")
    sha = [parse_report(b.encode(), source_format="html").content_sha256 for b in (body, restyled, edited)]
    assert sha[0] is not None and sha[0] == sha[1] and sha[0] != sha[2]


def test_a_report_read_again_unchanged_after_an_unreadable_fetch_is_not_edited(
    con: duckdb.DuckDBPyConnection,
) -> None:
    good = {"active.total": 40}
    load(con, Run(1).agency().report("a", 2024, good, text="原文"),
         Run(2).agency().report("a", 2024, {}, text="", parse_status="failed", sha256="garbage"),
         Run(3).agency().report("a", 2024, good, text="原文"))
    assert con.execute("SELECT count(*) FROM core.report_versions").fetchall() == [(3,)]
    run_all(con, "run003")
    assert statuses(rows_of(con, "run003", "report.edited_after_publication")) == {"pass"}


def test_report_versions_replay_to_the_same_rows(con: duckdb.DuckDBPyConnection) -> None:
    runs = [Run(1).agency().report("a", 2024, {"active.total": 1}, text="x"),
            Run(2).agency().report("a", 2024, {"active.total": 2}, text="x")]
    load(con, *runs)
    before = con.execute("SELECT * EXCLUDE (first_seen_at, last_seen_at) FROM core.report_versions "
                         "ORDER BY ALL").fetchall()
    wh.reset_derived(con)
    load(con, *runs)
    after = con.execute("SELECT * EXCLUDE (first_seen_at, last_seen_at) FROM core.report_versions "
                        "ORDER BY ALL").fetchall()
    assert before == after and len(after) == 2


# ------------------------------------------------------------------ crawl.empty_listing


def test_an_empty_category_stays_a_finding_and_withdraws_nothing(con: duckdb.DuckDBPyConnection) -> None:
    items = [(900 + i, ts(2024)) for i in range(3)]
    load(con, Run(1).agency().listed(2, items).listed(11, [(1, ts(2024))]))
    for n in (2, 3, 4):  # empty night after night, the last one a full relist
        load(con, Run(n, full_relist=n == 4).agency().listed(2, []).listed(11, [(1, ts(2024))]))
        run_all(con, f"run{n:03d}")
        rows = rows_of(con, f"run{n:03d}", "crawl.empty_listing")
        assert statuses(rows) == {"fail"}, n
        assert json.loads(rows[0][4])["categories"][0]["items_on_record"] == 3
    assert con.execute("SELECT count(*) FROM posted_items WHERE category_id = 2 AND withdrawn_at IS NULL"
                       ).fetchall() == [(3,)]
    # the category lists its items again: the finding resolves
    load(con, Run(5).agency().listed(2, items).listed(11, [(1, ts(2024))]))
    run_all(con, "run005")
    assert statuses(rows_of(con, "run005", "crawl.empty_listing")) == {"pass"}


# ------------------------------------------------------------------ crawl.freshness alone


def test_run_freshness_alone_flags_a_stalled_pipeline(tmp_path: Path) -> None:
    cfg = from_dict({"warehouse": str(tmp_path / "wh.duckdb"), "data_dir": str(tmp_path)})
    con = wh.connect(Path(cfg.warehouse))
    r = Run(1).agency().listed(11, [(1, ts(2025))])
    load(con, r)
    wh.run_checks(con, "run001", today=TODAY, now=r.at + timedelta(hours=1))
    con.close()
    fresh = pipeline.run_freshness(cfg, now=r.at + timedelta(hours=2))
    assert fresh["counts"]["pass"] == 1 and fresh["errors"] == []
    stalled = pipeline.run_freshness(cfg, now=r.at + timedelta(days=3))
    assert stalled["counts"]["fail"] == 1
    assert stalled["errors"][0]["check_id"] == "crawl.freshness"
    con = wh.connect(Path(cfg.warehouse))
    try:
        stored = con.execute("SELECT run_id, check_id, status FROM check_results "
                             "WHERE run_id LIKE 'freshness-%' ORDER BY run_id").fetchall()
        assert [(c, s) for _, c, s in stored] == [("crawl.freshness", "pass"), ("crawl.freshness", "fail")]
        # the latest loaded run's checks stay the latest results
        assert con.execute("SELECT DISTINCT run_id FROM latest_check_results").fetchall() == [("run001",)]
    finally:
        con.close()


# ------------------------------------------------------------------ on the real reports


def test_real_reports_raise_no_text_table_contradiction_and_no_copy(
    con: duckdb.DuckDBPyConnection,
) -> None:
    """Twelve reports of unrelated offices: nothing is copied, their prose agrees with their
    tables (where it restates them), and each of the two checks looked at something."""
    from disclosure_etl.reports import parse_report
    from tests.needs import shared_path

    folder = shared_path("real_reports")
    r = Run(1)
    files = sorted(p for p in folder.iterdir() if p.suffix in (".txt", ".html", ".pdf"))
    for i, f in enumerate(files):
        parsed = parse_report(f.read_bytes(), url=str(f))
        r.agency(f"a{i}", parsed.agency or f.stem)
        figures: dict[str, float | None] = {}
        for fig in parsed.figures:
            figures.setdefault(fig.metric, fig.value)
        r.report(f.stem, parsed.report_year or 2000, figures, agency_id=f"a{i}",
                 template=parsed.template or "legacy", text=parsed.text)
    load(con, r)
    run_all(con, "run001")
    table = rows_of(con, "run001", "report.text_vs_table")
    assert "pass" in statuses(table) and statuses(table) <= {"pass", "skip"}, table
    copies = rows_of(con, "run001", "report.copied_from_other_agency")
    assert len(copies) == len(files) and statuses(copies) <= {"pass", "skip"}, copies
