"""Coverage and status: ``parsed`` only when every core figure of the template was found.

The template fixtures are built with the replica's table writers (the tables' markup is not
what is under test here: the status is), with rows removed to make a report incomplete.
"""

from __future__ import annotations

import re

from disclosure_etl.models import Figure, ParsedReport
from disclosure_etl.replica import reports as rp
from disclosure_etl.reports import parse_report
from disclosure_etl.reports.coverage import (
    core_figures,
    measure,
    missing_note,
    sections_present,
    table_cells,
    unread_counts,
)
from disclosure_etl.reports.document import Document
from disclosure_etl.reports.parse import settle_status

INTRO = [
    "某某县林业局2022年政府信息公开工作年度报告",
    "一、总体情况",
    "（一）主动公开。本年度通过局门户网站主动公开政府信息342条。",
    "（二）依申请公开。全年共收到政府信息公开申请4件。",
]
CLOSING = ["五、存在的主要问题及改进情况", "下一步将继续加强培训。", "六、其他需要报告的事项", "本年度未收取信息处理费。"]
T2_2021 = {
    "regulation.issued": 0, "regulation.abolished": 0, "regulation.in_force": 0,
    "normative_doc.issued": 2, "normative_doc.abolished": 1, "normative_doc.in_force": 9,
    "licensing.decisions": 37, "penalty.decisions": 12, "enforcement.decisions": 0, "fee.amount": 0,
}  # fmt: skip


def _report_2021(drop_rows: tuple[str, ...] = (), t4: bool = True, intro: list[str] = INTRO) -> bytes:
    t3 = rp.make_t3("2021", {"natural_person": {"granted": 2, "unable_1": 1, "carried_forward": 1}})
    t4_vals = rp.make_t4({"review": {"upheld": 1}})
    html = rp.template_report_html(intro, T2_2021, t3, t4_vals, "2021", CLOSING)
    html = html.replace("rowspan=22", f"rowspan={22 - len(drop_rows)}")  # 三、本年度办理结果
    for label in drop_rows:
        html = re.sub(rf"<tr[^>]*>(?:(?!</tr>).)*{re.escape(label)}(?:(?!</tr>).)*</tr>", "", html, flags=re.S)
    if not t4:
        html = re.sub(r"<p[^>]*>四、政府信息公开行政复议、行政诉讼情况.*?(?=<p[^>]*>五、)", "", html, flags=re.S)
    return f"<html><body>{html}</body></html>".encode()


def test_complete_2021_report_is_parsed_with_every_core_figure() -> None:
    r = parse_report(_report_2021())
    assert r.template == "2021"
    assert (r.parse_status, r.parse_note) == ("parsed", None)
    # 10 cells of 二, 25 rows x 7 columns of 三, 15 cells of 四, the prose total
    assert r.figures_expected == r.figures_found == 10 + 25 * 7 + 15 + 1


def test_template_prose_that_counts_no_items_expects_no_prose_total() -> None:
    intro = [INTRO[0], INTRO[1], "（一）主动公开。本年度制发规范性文件2件，主动公开财政预决算等重点领域信息。"]
    r = parse_report(_report_2021(intro=intro))
    assert (r.parse_status, r.figures_expected, r.figures_found) == ("parsed", 200, 200)


def test_2021_report_without_the_unable_rows_is_partial_and_says_which() -> None:
    r = parse_report(_report_2021(drop_rows=tuple(rp.UNABLE)))
    assert r.parse_status == "partial"
    assert r.parse_note and "t3: rows unable_1..3 not found" in r.parse_note
    assert (r.figures_expected, r.figures_found) == (201, 201 - 21)


def test_2021_report_without_table_four_is_partial() -> None:
    r = parse_report(_report_2021(t4=False))
    assert r.parse_status == "partial"
    assert r.parse_note and "t4: table not found" in r.parse_note
    assert r.figures_found == 201 - 15


def test_2019_and_2021_core_cells_follow_the_templates() -> None:
    c19 = {c.metric for c in table_cells("2019")}
    c21 = {c.metric for c in table_cells("2021")}
    assert "t3.other.total" in c19 and "t3.other_1.total" not in c19
    assert {"t3.other_1.total", "t3.other_3.commercial"} <= c21 and "t3.other.total" not in c21
    assert {"t2.procurement.amount", "t2.licensing.change"} <= c19 and "t2.licensing.change" not in c21
    assert len(c19) == 22 + 23 * 7 + 15 and len(c21) == 10 + 25 * 7 + 15


LEGACY = """某镇人民政府2016年政府信息公开工作年度报告
一、概述
本镇认真贯彻《条例》。
二、主动公开政府信息情况
全年主动公开政府信息58条。
三、依申请公开政府信息情况
本年度我镇依申请公开工作平稳开展。
四、因政府信息公开申请行政复议、提起行政诉讼的情况
全年未发生因政府信息公开申请行政复议、提起行政诉讼的情况。
"""


def test_legacy_report_missing_its_application_count_is_partial() -> None:
    r = parse_report(LEGACY.encode(), source_format="txt")
    assert r.template == "legacy"
    assert r.parse_status == "partial"
    assert r.parse_note and "legacy: application.received not found" in r.parse_note
    assert r.figures_expected == 4


def test_legacy_core_figures_only_for_the_sections_it_has() -> None:
    text = "二、主动公开政府信息情况\n全年主动公开政府信息58条。"
    sections = sections_present(text.splitlines())
    assert sections == {"active", "active_count"}
    assert [c.metric for c in core_figures("legacy", sections)] == ["active.total"]
    assert len(core_figures("legacy", {"active", "application", "review", "lawsuit"})) == 4


def test_active_total_is_satisfied_by_the_website_channel_figure() -> None:
    figs = [Figure("active.channel.website", 58, "条")]
    assert measure("legacy", {"active"}, figs).complete


def test_blank_cell_counts_as_found() -> None:
    cells = table_cells("2021")
    figs = [Figure(c.metric, None, None, is_blank=True) for c in cells] + [Figure("active.total", 3, "条")]
    cov = measure("2021", {"active", "active_count"}, figs)
    assert cov.complete and cov.figures_found == 201


def test_other_processing_printed_the_other_templates_way_counts_as_found() -> None:
    cells = table_cells("2021")
    one_row = [Figure(c.metric.replace(c.row, "other") if c.row.startswith("other_") else c.metric, 0, "件")
               for c in cells]
    assert measure("2021", set(), one_row).complete
    three_rows = [Figure(f"t3.other_{i}.{c.col}", 0, "件") for i in (1, 2, 3) for c in cells if c.row == "other_1"]
    others_2019 = [c for c in table_cells("2019") if c.row == "other"]
    assert len(others_2019) == 7
    assert not measure("2019", set(), three_rows).complete  # the rest of the table is missing
    assert not [c for c in measure("2019", set(), three_rows).missing if c.row == "other"]


def test_missing_note_names_ranges_and_single_cells() -> None:
    expected = table_cells("2019")
    missing = [c for c in expected if c.metric.startswith(("t3.denied_2.", "t3.denied_3.", "t3.denied_4."))]
    missing += [c for c in expected if c.metric == "t2.fee.change"]
    note = missing_note(expected, missing)
    assert note == "t2: cells fee.change not found; t3: rows denied_2..4 not found"


def test_a_document_that_is_no_report_fails() -> None:
    text = "关于召开春季防火工作会议的通知\n各村委会：定于三月五日上午九时在镇政府三楼会议室召开会议，请准时参加。"
    r = parse_report(text.encode(), source_format="txt")
    assert r.parse_status == "failed"
    assert r.parse_note and r.parse_note.startswith("not_a_report")
    assert (r.template, r.figures_expected, r.figures_found) == (None, None, None)


ATTACHMENT_PAGE = (
    "<html><head><title>某区市场监督管理局2021年政府信息公开工作年度报告</title></head><body>"
    "<h2>某区市场监督管理局2021年政府信息公开工作年度报告</h2><p>发布时间：2022-01-25</p>"
    "<ul><li>附件：<a href='/files/2022/0125/nb2021.docx'>2021年度报告.docx</a></li></ul></body></html>"
)


def test_page_that_only_links_to_an_attachment_is_not_parsed() -> None:
    assert parse_report(ATTACHMENT_PAGE.encode()).parse_status != "parsed"


def test_body_flagged_as_an_attachment_link_fails_without_template() -> None:
    title = "某区市场监督管理局2021年政府信息公开工作年度报告"
    doc = Document("html", lines=[title], attachment_links=["/files/nb2021.docx"], body_is_attachment_link=True)
    report = ParsedReport(source_format="html", parse_status="parsed", template="legacy", title=title)
    settle_status(report, doc, doc.lines, doc.lines, [])
    assert (report.parse_status, report.template) == ("failed", None)
    assert report.parse_note and "/files/nb2021.docx" in report.parse_note


def test_stated_counts_no_figure_holds_are_unread() -> None:
    lines = ["主动公开信息的主要类别有：机构职能类信息31条，政策法规类信息1,204条，其他4万条。", "依据条例第二十条、第9条。"]
    unread = unread_counts(lines, [Figure("active.category.机构职能", 31, "条")])
    assert len(unread) == 2
    assert unread[0].endswith("政策法规类信息1,204条") and unread[1].endswith("其他4万条")
    held = [Figure("x", v, "条") for v in (31, 1204, 40000)]
    assert unread_counts(lines, held) == []


def test_lone_count_off_topic_is_not_unread_but_a_missed_total_is() -> None:
    assert unread_counts(["镇团委通过微信号发布招聘信息20多条。"], []) == []
    assert unread_counts(["主动公开工作中，制作3条短视频、5条微博图解。"], []) == []
    lines = ["区政务服务中心发布采购公告信息188条，本年度主动公开政府信息2,949条。"]
    unread = unread_counts(lines, [Figure("active.total", 188, "条", source_excerpt=lines[0])])
    assert len(unread) == 1 and unread[0].endswith("2,949条")


def test_application_counts_in_an_application_sentence_are_checked() -> None:
    line = ["本年度办结政府信息公开申请41件（含上年结转3件），另有2件申请延期至下年度办理。"]
    held = [Figure("application.processed", 41, "件", source_excerpt=line[0])]
    unread = unread_counts(line, held)
    assert unread == ["含上年结转3件", "另有2件"]
    assert unread_counts(["主动公开规章2件，梳理政务服务事项13件事项。"], []) == []
    # the prose figure is a row of its own: a table cell of the same value does not stand in
    cell = Figure("t3.total_processed.total", 805, None, source_excerpt="（七）总计 × 总计")
    assert unread_counts(["答复政府信息公开申请805件。"], [cell]) == ["答复政府信息公开申请805件"]


def _legacy(active_section: str) -> ParsedReport:
    text = (
        "某县水利局2013年政府信息公开工作年度报告\n一、概述\n本局认真做好信息公开工作。\n"
        f"二、主动公开政府信息情况\n{active_section}\n"
        "三、依申请公开情况\n全年未收到政府信息公开申请。\n"
        "四、行政复议和行政诉讼情况\n未发生因政府信息公开引起的行政复议和行政诉讼。\n"
    )
    return parse_report(text.encode("utf-8"), source_format="txt")


def test_counts_that_fit_no_key_are_kept_as_other_and_do_not_make_a_report_partial() -> None:
    r = _legacy(
        "全年梳理制作、获取政府信息总数930条，其中主动公开政府信息512条，作为依申请公开信息数20条。"
        "各乡镇水利站主动公开政府信息96条。通过镇村公开栏发布信息40条。同时发布工程招标公告31条、中标公示28条。"
    )
    got = {f.metric: f.value for f in r.figures}
    assert got["active.total"] == 512
    assert got["other.梳理制作、获取政府信息总数"] == 930 and got["other.作为依申请公开信息数"] == 20
    assert got["other.镇村公开栏"] == 40
    assert r.parse_status == "parsed", r.parse_note


def test_a_category_list_no_rule_reads_still_makes_the_report_partial() -> None:
    r = _legacy("全年主动公开政府信息512条。水旱灾害防御信息有200条，河湖管理有312条。")
    assert r.parse_status == "partial" and "unread" in (r.parse_note or "")
