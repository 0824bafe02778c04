"""Format detection and the readers for spreadsheets, old .doc, images and encodings."""

from __future__ import annotations

import io
from pathlib import Path

import openpyxl
import pytest

from disclosure_etl.reports import detect_format, parse_report

CORPUS = Path(__file__).parent / "corpus"
OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600


@pytest.mark.parametrize("path", sorted(p for p in CORPUS.iterdir() if p.suffix in (".html", ".pdf", ".docx", ".txt")), ids=lambda p: p.name)
def test_detects_corpus_formats_from_bytes_alone(path: Path) -> None:
    assert detect_format(path.read_bytes()) == path.suffix.lstrip(".")


def test_detects_other_kinds() -> None:
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 100
    assert detect_format(png) == "image"
    assert detect_format(b"\xff\xd8\xff\xe0" + b"\x00" * 10) == "image"
    assert detect_format(OLE, url="https://x/a/1.doc") == "doc"
    assert detect_format(OLE, content_type="application/vnd.ms-excel") == "xls"
    assert detect_format(b"\x00\x01\x02garbage") == "unknown"
    assert detect_format("二、主动公开".encode("gb18030"), content_type="text/plain") == "txt"
    assert detect_format(b"<div>x</div>") == "html"


def test_image_and_unknown_are_unsupported_with_a_note() -> None:
    r = parse_report(b"\x89PNG\r\n\x1a\n" + b"\x00" * 100, url="https://x/1705995746322.png")
    assert r.parse_status == "unsupported" and r.parse_note and "OCR" in r.parse_note


def test_old_doc_without_antiword_is_unsupported(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", "/nonexistent")
    r = parse_report(OLE, url="https://x/report.doc")
    assert r.source_format == "doc"
    assert r.parse_status == "unsupported" and r.parse_note and "antiword" in r.parse_note


def test_broken_doc_is_never_parsed() -> None:
    r = parse_report(OLE, url="https://x/report.doc")
    assert r.parse_status in ("unsupported", "failed") and r.parse_note


def test_broken_xls_fails_with_a_note() -> None:
    r = parse_report(OLE, url="https://x/table.xls")
    assert r.source_format == "xls" and r.parse_status == "failed" and r.parse_note


def _xlsx(rows: list[list[object]]) -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    for row in rows:
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_xlsx_indicator_table_cells_become_figures() -> None:
    data = _xlsx([
        ["指标名称", "单位", "统计数"],
        ["一、主动公开情况", "", ""],
        ["（一）主动公开政府信息数", "条", 216],
        ["1.政府网站公开政府信息数", "条", 216],
        ["2.政务微信公开政府信息数", "条", 365],
        ["（一）收到申请数", "件", 5],
        ["1.当面申请数", "件", 2],
        ["四、行政复议数量", "件", 0],
        ["七、依申请公开信息收取的费用", "万元", 0],
    ])  # fmt: skip
    r = parse_report(data, title="广州市白云区人民政府鹤龙街道办事处2017年政府信息公开工作年度报告")
    assert r.source_format == "xlsx" and r.parse_status == "parsed"
    assert r.report_year == 2017 and r.agency == "广州市白云区人民政府鹤龙街道办事处"
    assert {f.metric: f.value for f in r.figures} == {
        "active.total": 216,
        "active.channel.website": 216,
        "active.channel.wechat": 365,
        "application.received": 5,
        "application.mode.in_person": 2,
        "review.total": 0,
        "fee.application": 0,
    }


def test_xlsx_table_three_is_read_by_labels() -> None:
    header = [["（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）", "", "", "申请人情况", "", "", "", "", "", ""],
              ["", "", "", "自然人", "法人或其他组织", "", "", "", "", "总计"],
              ["", "", "", "", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", ""]]  # fmt: skip
    rows = [["一、本年新收政府信息公开申请数量", "", "", 4, 1, 0, 0, 0, 0, 5],
            ["三、本年度办理结果", "（一）予以公开", "", 4, 1, 0, 0, 0, 0, 5],
            ["", "（七）总计", "", 4, 1, 0, 0, 0, 0, 5]]  # fmt: skip
    r = parse_report(_xlsx(header + rows))
    got = {f.metric: f.value for f in r.figures}
    assert got["t3.new_received.total"] == 5
    assert got["t3.granted.commercial"] == 1
    assert got["t3.total_processed.natural_person"] == 4


def test_gbk_html_without_declared_charset() -> None:
    text = "<p>2017年全年主动公开政府信息216条。</p>"
    r = parse_report(text.encode("gbk"))
    assert {f.metric: f.value for f in r.figures} == {"active.total": 216}


def test_metadata_from_full_page_and_given_values() -> None:
    from datetime import datetime

    r = parse_report((CORPUS / "l01_2016_full_page.html").read_bytes(), published_at=datetime(2017, 2, 1))
    assert r.published_at == datetime(2017, 2, 1)
    assert r.title == "广州市白云区人民政府石井街道办事处2016年政府信息公开工作年度报告"
    r2 = parse_report("<p>正文</p>".encode(), title="2019年度广州市白云区人民政府景泰街道办事处政府信息公开工作年度报告")
    assert r2.report_year == 2019 and r2.agency == "广州市白云区人民政府景泰街道办事处"


def test_table_three_template_order_fallback_and_template_detection() -> None:
    r = parse_report((CORPUS / "n07_2021_with_2019_headers.html").read_bytes())
    assert r.report_year == 2021 and r.template == "2019"


@pytest.mark.parametrize(
    ("title", "year", "agency"),
    [
        ("广州市白云区人民政府鹤龙街道办事处关于2017年政府信息公开工作年度报告", 2017, "广州市白云区人民政府鹤龙街道办事处"),
        ("2019年度广州市白云区人民政府景泰街道办事处政府信息公开工作年度报告", 2019, "广州市白云区人民政府景泰街道办事处"),
        ("二〇一七年广州市白云区人民政府鹤龙街道办事处政府信息公开工作年度报告", 2017, "广州市白云区人民政府鹤龙街道办事处"),
    ],
)
def test_year_and_agency_from_title(title: str, year: int, agency: str) -> None:
    r = parse_report("<p>正文。</p>".encode(), title=title)
    assert (r.report_year, r.agency) == (year, agency)
