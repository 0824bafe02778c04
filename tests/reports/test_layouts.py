"""Layout quirks of real tables: Word-pasted spans, PDF borders and page breaks, wrapped labels.

Each document is built here (HTML text, reportlab PDFs) with its own agencies and numbers; the
real examples in ../shared/real_reports are checked against their hand labels at the end.
"""

from __future__ import annotations

import html
import io
import json
from typing import Any

from disclosure_etl.reports import parse_report
from disclosure_etl.reports.extract import expand_spans, read_document
from disclosure_etl.reports.tables import join_wrapped_labels, read_tables
from tests.needs import shared_path

# ---------------------------------------------------------------- Word-pasted spans


def _tr(*cells: str | tuple[str, int]) -> str:
    out = []
    for c in cells:
        text, span = (c, 1) if isinstance(c, str) else c
        out.append(f'<td colspan="{span}">{html.escape(text)}</td>' if span > 1 else f"<td>{html.escape(text)}</td>")
    return "<tr>" + "".join(out) + "</tr>"


def test_value_cell_spanning_the_wrong_columns_is_laid_onto_the_header() -> None:
    # The header spans 本年增/减 over two columns; the pasted value row spans the first value instead.
    rows = [
        _tr(("第二十条第（五）项", 5)),
        _tr("信息内容", "上一年项目数量", ("本年增/减", 2), "处理决定数量"),
        _tr("行政许可", ("12", 2), "-2", "140"),
        _tr("其他对外管理服务事项", ("4", 2), "0", "9"),
    ]
    page = f"<html><body><p>二、主动公开政府信息情况</p><table>{''.join(rows)}</table></body></html>"
    got = {f.metric: f.value for f in parse_report(page.encode()).figures}
    assert got["t2.licensing.prev_year_items"] == 12
    assert got["t2.licensing.change"] == -2
    assert got["t2.licensing.decisions"] == 140
    assert (got["t2.other_services.prev_year_items"], got["t2.other_services.change"]) == (4, 0)


def test_spans_that_agree_are_left_alone() -> None:
    grid = expand_spans([
        [("信息内容", 1, 1), ("本年新公开数量", 1, 2), ("对外公开总数量", 1, 1)],
        [("规章", 1, 1), ("3", 1, 2), ("40", 1, 1)],
        [("a", 2, 1), ("b", 1, 1), ("c", 1, 1), ("d", 1, 1)],  # a rowspan: never re-laid
        [("e", 1, 2), ("f", 1, 1), ("g", 1, 1)],
    ])  # fmt: skip
    assert grid[1] == ["规章", "3", "3", "40", ""]
    assert grid[3] == ["a", "e", "e", "f", "g"]  # laid under the rowspan, not onto the row above


# ---------------------------------------------------------------- PDF


def _pdf(story_of: Any) -> bytes:
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate, Table, TableStyle

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    st = ParagraphStyle("s", fontName="STSong-Light", fontSize=10, leading=14)

    def para(text: str) -> Any:
        return Paragraph(html.escape(text), st)

    def table(rows: list[list[str]], spans: list[tuple[int, int, int, int]] = ()) -> Any:  # type: ignore[assignment]
        style = [("GRID", (0, 0), (-1, -1), 0.5, "black"), ("FONT", (0, 0), (-1, -1), "STSong-Light", 9)]
        style += [("SPAN", (c0, r0), (c1, r1)) for c0, r0, c1, r1 in spans]
        return Table([[para(v) if v else "" for v in r] for r in rows], style=TableStyle(style))

    buf = io.BytesIO()
    SimpleDocTemplate(buf, pagesize=A4, invariant=1).build(story_of(para, table, PageBreak))
    return buf.getvalue()


def _t2_pages(para: Any, table: Any, page_break: Any) -> list[Any]:
    framed = table([["一、总体情况"], ["本年度，本局主动公开政府信息 642 条。"], ["全年受理政府信息公开申请 17 件。"]])
    first = table(
        [["第二十条第（一）项", "", "", ""], ["信息内容", "本年制发件数", "本年废止件数", "现行有效件数"],
         ["规章", "0", "0", "0"], ["行政规范性文件", "2", "1", "14"],
         ["第二十条第（五）项", "", "", ""], ["信息内容", "本年处理决定数量", "", ""], ["行政许可", "318", "", ""],
         ["第二十条第（六）项", "", "", ""]],
        [(0, 0, 3, 0), (0, 4, 3, 4), (1, 5, 3, 5), (1, 6, 3, 6), (0, 7, 3, 7)],
    )  # fmt: skip
    rest = table(
        [["信息内容", "本年处理决定数量"], ["行政处罚", "2716"], ["行政强制", "45"],
         ["第二十条第（八）项", ""], ["信息内容", "本年收费金额（单位：万元）"], ["行政事业性收费", "38.6"]],
        [(0, 3, 1, 3)],
    )  # fmt: skip
    return [para("某某区市场监督管理局2022年政府信息公开工作年度报告"), framed, para("二、主动公开政府信息情况"),
            first, page_break(), rest]  # fmt: skip


def test_pdf_prose_inside_a_border_is_read_as_text() -> None:
    doc = read_document(_pdf(_t2_pages), "pdf")
    text = "\n".join(doc.lines)
    assert "主动公开政府信息 642 条" in text and "受理政府信息公开申请 17 件" in text
    assert not any(len(g[0]) == 1 and "总体情况" in g[0][0] for g in doc.tables)


def test_pdf_table_two_continued_after_a_page_break() -> None:
    r = parse_report(_pdf(_t2_pages))
    got = {f.metric: f.value for f in r.figures}
    assert got["t2.licensing.decisions"] == 318
    assert got["t2.penalty.decisions"] == 2716 and got["t2.enforcement.decisions"] == 45
    assert got["t2.fee.amount"] == 38.6
    assert r.template == "2021"


# ---------------------------------------------------------------- wrapped labels


def test_group_label_wrapped_over_two_cells_is_joined() -> None:
    values = ["4", "0", "0", "0", "0", "0", "4"]
    grid = [
        ["", "", "", "自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", "总计"],
        ["", "（三）不予公开", "8.属于行政查询事项", *values],
        ["", "（四）无", "1.本机关不掌握相关政府信息", *values],
        ["", "法提供", "2.没有现成信息需要另行制作", *["1", "0", "0", "0", "0", "0", "1"]],
        ["", "", "3.补正后申请内容仍不明确", *["0"] * 7],
        ["", "（五）不予处理", "1.信访举报投诉类申请", *["0"] * 7],
    ]
    assert join_wrapped_labels(grid)[2][1] == "（四）无法提供"
    got = {f.metric: f.value for f in read_tables([grid], []).figures}
    assert got["t3.unable_1.total"] == 4 and got["t3.unable_2.total"] == 1 and got["t3.unable_3.total"] == 0
    assert got["t3.denied_8.total"] == 4


def test_labels_that_are_complete_are_not_joined() -> None:
    grid = [["（一）予以公开", "1"], ["（二）部分公开", "2"]]
    assert join_wrapped_labels(grid) == grid


# ---------------------------------------------------------------- attachment-only pages


def test_page_whose_body_is_only_a_link_to_the_attachment() -> None:
    title = "某某县水利局2020年政府信息公开工作年度报告"
    page = (
        f"<html><head><title>{title}</title></head><body><div>{title}</div><div>来源：某某县水利局 时间：2021-01-20</div>"
        f'<p>{title}</p><div>附件：<a href="/files/P0201.pdf">{title}.pdf</a></div></body></html>'
    )
    r = parse_report(page.encode())
    assert r.template is None
    assert r.parse_note is not None and "body_is_attachment_link" in r.parse_note and "/files/P0201.pdf" in r.parse_note
    assert r.figures == []


def test_report_with_text_and_an_attachment_is_a_report() -> None:
    page = (
        "<html><body><p>某某县水利局2016年政府信息公开工作年度报告</p>"
        "<p>一、概述。本年度，我局主动公开政府信息58条，其中通过政府网站公开52条。全年未收到政府信息公开申请，"
        "未发生因政府信息公开申请提起行政复议、行政诉讼的情况。</p>"
        '<p>附件：<a href="tj.xls">统计表.xls</a></p></body></html>'
    )
    r = parse_report(page.encode())
    assert r.template == "legacy" and "body_is_attachment_link" not in (r.parse_note or "")


# ---------------------------------------------------------------- the real examples


def _labels(name: str) -> dict[str, float]:
    labels: dict[str, dict[str, float]] = json.loads(shared_path("real_reports", "labels.json").read_text("utf-8"))
    return labels[name]


def _check_real(name: str, prefixes: tuple[str, ...]) -> None:
    r = parse_report(shared_path("real_reports", name).read_bytes(), source_format=name.rsplit(".", 1)[1])
    got = {f.metric: f.value for f in r.figures}
    want = {k: v for k, v in _labels(name).items() if k.startswith(prefixes)}
    assert want and {k: got.get(k) for k in want} == want


def test_real_pdfs_page_breaks_and_wrapped_labels() -> None:
    _check_real("hongze_2023.pdf", ("t2.", "t3.", "t4."))
    _check_real("huaian_city_2024.pdf", ("t2.", "t3.", "t4."))


def test_real_word_pasted_table_two() -> None:
    _check_real("pingtan_czjrj_2019.html", ("t2.",))


def test_real_flattened_tables_three_and_four() -> None:
    _check_real("pingtan_2019_syq_flattext.txt", ("t3.", "t4.", "t2.regulation."))
    r = parse_report(shared_path("real_reports", "pingtan_2019_syq_flattext.txt").read_bytes(), source_format="txt")
    assert r.template == "2019"


# ---------------------------------------------------------------- layout tables


def test_html_body_laid_out_in_a_table_is_prose_and_its_data_tables_are_read() -> None:
    t4 = "".join(
        f"<tr>{''.join(f'<td>{c}</td>' for c in row)}</tr>"
        for row in (["行政复议"] * 5 + ["行政诉讼"] * 10,
                    ["行政复议"] * 5 + ["未经复议直接起诉"] * 5 + ["复议后起诉"] * 5,
                    ["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"] * 3,
                    ["1", "0", "0", "0", "1"] + ["0"] * 9 + ["2"])
    )  # fmt: skip
    page = (
        "<html><body><table><tr><td>某某区交通运输局2022年政府信息公开工作年度报告</td></tr>"
        "<tr><td><p>一、总体情况</p><p>本年度主动公开政府信息264条。</p>"
        f"<p>四、政府信息公开行政复议、行政诉讼情况</p><table>{t4}</table></td></tr></table></body></html>"
    )
    doc = read_document(page.encode(), "html")
    assert any("主动公开政府信息264条" in line for line in doc.lines)
    assert len(doc.tables) == 1 and doc.tables[0][3][0] == "1"
    got = {f.metric: f.value for f in parse_report(page.encode()).figures}
    assert got["t4.review.total"] == 1 and got["active.total"] == 264


def test_docx_text_box_table_is_prose() -> None:
    import docx

    d = docx.Document()
    box = d.add_table(rows=2, cols=1)
    box.cell(0, 0).text = "一、总体情况"
    box.cell(1, 0).text = "本年度，本办主动公开政府信息 97 条，全年受理政府信息公开申请 6 件。"
    buf = io.BytesIO()
    d.save(buf)
    doc = read_document(buf.getvalue(), "docx")
    assert doc.tables == [] and any("主动公开政府信息 97 条" in line for line in doc.lines)


def test_table_three_continued_under_a_repeated_header() -> None:
    header = [["", "", "", "自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", "总计"]]
    first = header + [["", "", "一、本年新收政府信息公开申请数量", *["3", "0", "0", "0", "0", "0", "3"]],
                      ["", "三、本年度办理结果", "（一）予以公开", *["2", "0", "0", "0", "0", "0", "2"]]]  # fmt: skip
    second = header + [["", "（七）总计", "", *["3", "0", "0", "0", "0", "0", "3"]],
                       ["", "", "四、结转下年度继续办理", *["0"] * 7]]  # fmt: skip
    got = {f.metric: f.value for f in read_tables([first, second], []).figures}
    assert got["t3.granted.total"] == 2 and got["t3.total_processed.total"] == 3
    assert got["t3.carried_forward.total"] == 0


def test_docx_word_spans_that_do_not_line_up_are_laid_onto_the_header() -> None:
    import docx

    d = docx.Document()
    d.add_paragraph("二、主动公开政府信息情况")
    t = d.add_table(rows=4, cols=5)
    t.cell(0, 0).merge(t.cell(0, 4)).text = "第二十条第（六）项"
    for c, text in enumerate(["信息内容", "上一年项目数量", "本年增/减", "", "处理决定数量"]):
        if text:
            t.cell(1, c).text = text
    t.cell(1, 2).merge(t.cell(1, 3))
    for r, (label, prev, change, decisions) in enumerate([("行政处罚", "61", "+4", "65"), ("行政强制", "7", "0", "7")], start=2):
        t.cell(r, 0).text = label
        t.cell(r, 1).merge(t.cell(r, 2)).text = prev  # the pasted value spans the first two columns
        t.cell(r, 3).text = change
        t.cell(r, 4).text = decisions
    buf = io.BytesIO()
    d.save(buf)
    got = {f.metric: f.value for f in parse_report(buf.getvalue()).figures}
    assert (got["t2.penalty.prev_year_items"], got["t2.penalty.change"], got["t2.penalty.decisions"]) == (61, 4, 65)
    assert got["t2.enforcement.change"] == 0


def test_last_rows_alone_on_a_page_continue_the_table() -> None:
    t2 = [["第二十条第（六）项", "", ""], ["信息内容", "本年处理决定数量", ""], ["行政处罚", "73", ""]]
    t2_rest = [["行政强制", "9", ""]]  # no label of table 二's own
    t3 = [["", "", "", "自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", "总计"],
          ["", "", "一、本年新收政府信息公开申请数量", *["2", "0", "0", "0", "0", "0", "2"]],
          ["", "（四）无法提供", "2.没有现成信息需要另行制作", *["0"] * 7]]  # fmt: skip
    t3_rest = [["", "", "3.补正后申请内容仍不明确", *["1", "0", "0", "0", "0", "0", "1"]]]
    got = {f.metric: f.value for f in read_tables([t2, t2_rest, t3, t3_rest], []).figures}
    assert got["t2.enforcement.decisions"] == 9
    assert got["t3.unable_3.total"] == 1


def test_pdf_fake_bold_characters_are_read_once() -> None:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    buf = io.BytesIO()
    c = canvas.Canvas(buf, invariant=1)
    c.setFont("STSong-Light", 12)
    for dx in (0, 0.3):  # drawn twice, a hair apart: how word processors fake bold
        c.drawString(72 + dx, 700, "本年度主动公开政府信息 415 条。")
    c.save()
    doc = read_document(buf.getvalue(), "pdf")
    assert any("主动公开政府信息 415 条" in line for line in doc.lines)
