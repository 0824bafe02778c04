"""Pure gkmlpt parsers on constructed fixture files (site_protocol.md §2–§6)."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path

import pytest

from disclosure_etl.site import SiteFormatError, decode_html
from disclosure_etl.site.gkmlpt import (
    attachment_id_from_url,
    content_url,
    list_url,
    parse_content_page,
    parse_index,
    parse_list_page,
    row_hash,
)

FIX = Path(__file__).parent / "fixtures" / "site"


def _read(name: str) -> bytes:
    return (FIX / name).read_bytes()


# ---------------------------------------------------------------- index / _CONFIG


def test_parse_index_reads_sid_and_tree_from_js_literal() -> None:
    idx = parse_index(_read("index.html"))
    assert idx.sid == "200999"
    assert idx.service_area_id == "200"
    ids = [c.id for c in idx.categories]
    assert ids == [5001, 5002, 5003, 5010, 5020, 5030, 5040, 5041, 5050, 5051]


def test_parse_index_leaf_selection_skips_jump_nodes_and_promotes_empty_parents() -> None:
    idx = parse_index(_read("index.html"))
    leaves = {c.id for c in idx.leaves}
    # 5040's only child is a jump node, so 5040 itself is a leaf; 5050 is a jump node and
    # its child 5051 is never listed; parents with real leaves are not leaves
    assert leaves == {5002, 5003, 5010, 5020, 5030, 5040}
    by_id = {c.id: c for c in idx.categories}
    assert by_id[5050].jump_url == "/gzbyhlj/gkmlpt/guide"
    assert by_id[5003].path == "组织机构/领导分工"
    assert by_id[5003].parent_id == 5001
    assert by_id[5010].post_count == 726
    assert by_id[5020].name == "财政预决算 [2024]"  # brackets inside strings do not end TREE


def test_parse_index_reads_site_name_from_title() -> None:
    assert parse_index(_read("index.html")).name == "广州市白云区鹤龙街道办事处"


def test_parse_index_without_config_is_a_format_error() -> None:
    with pytest.raises(SiteFormatError):
        parse_index(b"<html><body>maintenance</body></html>")
    with pytest.raises(SiteFormatError):
        parse_index(b"<script>window._CONFIG = { TREE: [] };</script>")  # no SID


def test_parse_index_tree_before_sid_and_double_quotes() -> None:
    html = b"""<script>window._CONFIG={TREE:[{"id":1,"name":"a"}],SID:"42"};</script>"""
    idx = parse_index(html)
    assert idx.sid == "42" and [c.id for c in idx.leaves] == [1]


# ---------------------------------------------------------------- list API


def test_parse_list_page_normalises_rows() -> None:
    page = parse_list_page(_read("list_page.json"), 5030)
    assert (page.category_id, page.post_count, page.total, page.offset) == (5030, 9, 2, 0)
    report, link = page.rows
    assert report.item_id == 10991234
    assert report.category_id == 5030 and report.category_name == "政府信息公开年度报告"
    assert report.item_type == "normal"
    # Unix seconds are read in Asia/Shanghai: 1768467600 = 2026-01-15 17:00 +08:00
    assert report.published_at == datetime(2026, 1, 15, 17, 0)
    assert report.written_date == date(2026, 1, 14)
    assert report.document_number is None and report.identifier.endswith("2026-00003")
    assert [a.attachment_id for a in report.attachments] == [8123456, 8123457]
    assert report.attachments[0].size == 204800 and report.attachments[0].ext == "pdf"
    assert link.item_type == "url" and link.is_abolished
    # no Unix times: falls back to the created_at string
    assert link.published_at == datetime(2025, 12, 31, 23, 30)
    assert link.written_date is None


def test_row_hash_changes_with_the_row_and_only_then() -> None:
    data = json.loads(_read("list_page.json"))
    row = data["articles"][0]
    h = row_hash(row)
    assert row_hash(dict(reversed(list(row.items())))) == h
    assert parse_list_page(_read("list_page.json"), 5030).rows[0].row_hash == h
    row2 = dict(row, title=row["title"] + "（修订）")
    assert row_hash(row2) != h


@pytest.mark.parametrize(
    "body",
    [
        b"<html><body>please enable JavaScript</body></html>",
        b"",
        b'{"error": "busy"}',
        b'[{"id": 1}]',
        b'{"articles": [{"title": "no id"}], "total": 1}',
    ],
)
def test_parse_list_page_wrong_shape_is_an_error_not_zero_rows(body: bytes) -> None:
    with pytest.raises(SiteFormatError):
        parse_list_page(body, 5030)


def test_parse_list_page_empty_category() -> None:
    page = parse_list_page(b'{"classify":{"id":7,"name":"x","post_count":0},"articles":[],"total":0,"offset":0}', 7)
    assert page.rows == () and page.total == 0


def test_parse_list_page_all_categories_uses_classify_main() -> None:
    body = json.dumps(
        {"classify": {"id": 0, "name": "全部"}, "total": 1, "offset": 0,
         "articles": [{"id": 5, "classify_main": 77, "classify_main_name": "政务动态", "attachment": "[]"}]}
    ).encode()
    row = parse_list_page(body, 0).rows[0]
    assert (row.category_id, row.category_name) == (77, "政务动态")


# ---------------------------------------------------------------- content page


def test_parse_content_page_metadata_by_labels_and_detail_unescaped() -> None:
    page = parse_content_page(_read("content_page.html"))
    assert page.item_id == 10991234
    assert page.title == "某某街道办事处2025年政府信息公开工作年度报告"
    assert page.metadata["索引号"] == "11440111MB2C00000X/2026-00003"
    assert page.metadata["发布机构"] == "广州市白云区人民政府某某街道办事处"
    assert page.metadata["成文日期"] == "2026-01-14"
    assert page.metadata["名称"] == "某某街道办事处2025年政府信息公开工作年度报告"
    assert page.metadata["文号"] == ""
    assert page.metadata["发布日期"] == "2026-01-15"
    assert page.body_html.startswith("<p>一、总体情况 A & B</p><table>")
    assert "<td>本年新制作数量</td>" in page.body_html
    assert page.body_html.endswith("<p>{not a brace} ]</p>")
    assert page.attachment_urls == (
        "https://www.example.gov.cn/attachment/8/8123/8123456/10991234.pdf",
    )


def test_parse_content_page_charsetless_utf8() -> None:
    raw = _read("content_page.html")
    assert b"charset" not in raw  # the fixture declares no charset anywhere
    page = parse_content_page(raw)
    assert page.metadata["分类"] == "综合政务"


def test_parse_content_page_without_detail_has_empty_body() -> None:
    html = "<html><body><table><tr><td>索引号</td><td>X/2020-1</td><td>文号</td><td>白府〔2020〕1号</td></tr></table></body></html>"
    page = parse_content_page(html.encode("utf-8"))
    assert page.body_html == "" and page.metadata == {"索引号": "X/2020-1", "文号": "白府〔2020〕1号"}


def test_parse_content_page_detail_with_broken_json_falls_back() -> None:
    html = (
        "<script>window._CONFIG = {SID: '1', DETAIL: {\"id\":12,\"title\":\"t\\'\",\"content\":"
        "\"\\u003Cp\\u003Eok\\u003C/p\\u003E\\x\"}, TREE: []};</script>"
    )
    page = parse_content_page(html.encode())
    assert page.item_id == 12 and page.body_html.startswith("<p>ok</p>")


def test_decode_html_gbk_declared() -> None:
    raw = '<html><head><meta charset="gbk"></head><body>政府信息公开</body></html>'.encode("gbk")
    assert "政府信息公开" in decode_html(raw)


# ---------------------------------------------------------------- URL arithmetic


@pytest.mark.parametrize(
    ("item_id", "path"),
    [(9103540, "9/9103"), (10788561, "10/10788"), (963149, "0/963"), (4942475, "4/4942")],
)
def test_content_url_arithmetic(item_id: int, path: str) -> None:
    assert content_url("https://www.by.gov.cn", "", item_id) == (
        f"https://www.by.gov.cn/gkmlpt/content/{path}/post_{item_id}.html"
    )


def test_content_url_prefix_and_mpost() -> None:
    assert content_url("https://www.by.gov.cn/", "/gzbyjy/", 10788561, mpost=True) == (
        "https://www.by.gov.cn/gzbyjy/gkmlpt/content/10/10788/mpost_10788561.html"
    )


def test_list_url() -> None:
    assert list_url("http://127.0.0.1:8080", "/gzbyjy", 1311, 2, "200001") == (
        "http://127.0.0.1:8080/gzbyjy/gkmlpt/api/all/1311?page=2&sid=200001"
    )


def test_attachment_id_from_url() -> None:
    assert attachment_id_from_url("https://h/attachment/8/8015/8015798/10791741.xlsx") == 8015798
    assert attachment_id_from_url("https://h/yjzjj/attachment/0/88/88389/963149.pdf") == 88389
    assert attachment_id_from_url("https://h/files/a.pdf") is None


@pytest.mark.parametrize(
    ("url", "index"),
    [
        ("https://www.by.gov.cn/gzbyjy/gkmlpt/policy", "https://www.by.gov.cn/gzbyjy/gkmlpt/index"),
        ("https://WWW.Example.gov.cn/gkmlpt/annualreport#4821", "https://www.example.gov.cn/gkmlpt/index"),
        ("http://h.test/a/b/gkmlpt/search?type=policySearch&k=1", "http://h.test/a/b/gkmlpt/index"),
        ("http://h.test/gzxyz/gkmlpt/mindex#/list/7", "http://h.test/gzxyz/gkmlpt/index"),
        ("http://h.test/gzxyz/gkmlpt/index.html", "http://h.test/gzxyz/gkmlpt/index"),
        ("http://h.test/gzxyz/gkmlpt/guide", "http://h.test/gzxyz/gkmlpt/index"),
        ("http://h.test/gzxyz/gkmlpt/content/10/10500/post_10500001.html", None),
        ("http://h.test/gzxyz/gkmlpt/api/all/0?page=1", None),
        ("http://h.test/zwgk/policy", None),
        ("/gkmlpt/policy", None),
    ],
)
def test_index_url_for_entry_views(url: str, index: str | None) -> None:
    from disclosure_etl.site.gkmlpt import index_url_for

    assert index_url_for(url) == index


def test_attachment_extension_comes_from_the_url_not_the_short_type() -> None:
    body = json.dumps({"classify": {"id": 7}, "total": 1, "offset": 0, "articles": [{
        "id": 11000001, "title": "t", "url": "http://h/gkmlpt/content/11/11000/post_11000001.html",
        "attachment": [
            {"id": 9100001, "type": "doc", "url": "http://h/attachment/9/9100/9100001/11000001.docx"},
            {"id": 9100002, "type": "xls", "url": "http://h/attachment/9/9100/9100002/11000001.XLSX"},
            {"id": 9100003, "type": "pdf", "url": "http://h/getfile?id=9100003"},
        ]}]}).encode()
    row = parse_list_page(body, 7).rows[0]
    assert [a.ext for a in row.attachments] == ["docx", "xlsx", "pdf"]


def test_row_with_only_a_written_date_has_no_publish_time() -> None:
    ts = 1_640_966_400  # 2022-01-01 00:00 Beijing
    body = json.dumps({"classify": {"id": 7}, "total": 1, "offset": 0,
                       "articles": [{"id": 11000002, "title": "t", "url": "u", "date": ts}]}).encode()
    row = parse_list_page(body, 7).rows[0]
    assert row.published_at is None and str(row.written_date) == "2022-01-01"
