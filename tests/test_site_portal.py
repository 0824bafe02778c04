"""Pure NFCMS portal parsers on constructed fixture files."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest

from disclosure_etl.site.portal import (
    column_page_url,
    find_report_columns,
    find_subsites,
    parse_article,
    parse_column_page,
)

FIX = Path(__file__).parent / "fixtures" / "site"


def _read(name: str) -> bytes:
    return (FIX / name).read_bytes()


def test_find_subsites_scans_links_and_scripts() -> None:
    urls = find_subsites(_read("portal_home.html"), "https://www.by.gov.cn/zwgk/index.html")
    assert urls == [
        "https://www.by.gov.cn/gkmlpt/index",
        "https://www.by.gov.cn/gzbyjy/gkmlpt/index",
        "https://www.by.gov.cn/gzbyhlj/gkmlpt/index",
        "https://www.by.gov.cn/gzbyjtj/gkmlpt/index",
        "http://www.gz.gov.cn/gzsrmzf/gkmlpt/index",
        "https://www.by.gov.cn/gzbysqj/gkmlpt/index",
    ]


def test_find_subsites_none() -> None:
    assert find_subsites(b"<html><a href='/about.html'>x</a></html>", "http://h/") == []


@pytest.mark.parametrize(
    ("column", "n", "expected"),
    [
        ("https://www.by.gov.cn/zwgk/qzfxxgknb/zj/", 1, "https://www.by.gov.cn/zwgk/qzfxxgknb/zj/index.html"),
        ("https://www.by.gov.cn/zwgk/qzfxxgknb/zj/", 2, "https://www.by.gov.cn/zwgk/qzfxxgknb/zj/index_2.html"),
        ("https://www.by.gov.cn/zwgk/qzfxxgknb/zj", 3, "https://www.by.gov.cn/zwgk/qzfxxgknb/zj/index_3.html"),
        ("https://www.by.gov.cn/zwgk/qzfxxgknb/zj/index.html", 5, "https://www.by.gov.cn/zwgk/qzfxxgknb/zj/index_5.html"),
    ],
)
def test_column_page_url(column: str, n: int, expected: str) -> None:
    assert column_page_url(column, n) == expected


def test_column_page_url_rejects_zero() -> None:
    with pytest.raises(ValueError):
        column_page_url("http://h/c/", 0)


def test_parse_column_page_links_titles_dates() -> None:
    page_url = "https://www.by.gov.cn/zwgk/qzfxxgknb/zj/index.html"
    links = parse_column_page(_read("column_page.html"), page_url)
    assert [link.url for link in links] == [
        "https://www.by.gov.cn/zwgk/qzfxxgknb/zj/content/post_10900001.html",
        "https://www.by.gov.cn/zwgk/qzfxxgknb/zj/content/post_10900002.html",
        "https://www.by.gov.cn/zwgk/qzfxxgknb/zj/content/mpost_10900003.html",
    ]
    assert links[0].title == "广州市白云区人民政府鹤龙街道办事处2025年政府信息公开工作年度报告"
    assert [link.date for link in links] == [date(2026, 1, 20), date(2026, 1, 18), date(2026, 1, 10)]
    assert links[2].title == "白云区教育局2025年政府信息公开工作年度报告"


def test_parse_article() -> None:
    url = "https://www.by.gov.cn/zwgk/qzfxxgknb/zj/content/post_10900001.html"
    art = parse_article(_read("article.html"), url)
    assert art.item_id == 10900001
    assert art.title == "广州市白云区人民政府鹤龙街道办事处2025年政府信息公开工作年度报告"
    assert art.published_at == datetime(2026, 1, 20, 9, 30)
    assert art.source == "鹤龙街"
    assert "本年制发件数" in art.body_html
    assert art.attachment_urls == (
        "https://www.by.gov.cn/attachment/8/8200/8200001/10900001.pdf",
        "https://www.by.gov.cn/attachment/8/8200/8200002/10900001.xlsx",
    )


def test_find_report_columns_by_link_text() -> None:
    page = """<html><body>
      <a href="/zwgk/qzfxxgknb/zj/">镇街年报</a>
      <a href="/zwgk/qzfxxgknb/zj/index.html">镇街年报（首页）</a>
      <a href="http://www.xy.gov.cn/gzjg/qwbgs/zfxxgkgzndbg/" title="区委办政府信息公开工作年度报告">区委办</a>
      <a href="/bmdt/sfj/nb">区司法局信息公开年报</a>
      <a href="/zwgk/qzfxxgknb/bm/content/post_123.html">2023年度报告</a>
      <a href="/attachment/1/1000/1000001/123.pdf">2023年年报.pdf</a>
      <a href="/gzxyz/gkmlpt/annualreport#12">年度报告</a>
      <a href="/zwgk/tzgg/">通知公告</a>
      <a href="javascript:;">年报</a>
    </body></html>""".encode()
    assert find_report_columns(page, "http://www.xy.gov.cn/index.html") == [
        "http://www.xy.gov.cn/zwgk/qzfxxgknb/zj/",
        "http://www.xy.gov.cn/gzjg/qwbgs/zfxxgkgzndbg/",
        "http://www.xy.gov.cn/bmdt/sfj/nb/",
    ]


def test_find_subsites_through_other_catalog_views() -> None:
    page = b"""<a href="/gzxa/gkmlpt/policy">a</a><a href="/gzxb/gkmlpt/annualreport#9">b</a>
    <a href="/gzxc/gkmlpt/search?type=standardSearch">c</a><a href="/gzxa/gkmlpt/mindex">a again</a>"""
    assert find_subsites(page, "https://x.gov.cn/") == [
        "https://x.gov.cn/gzxa/gkmlpt/index", "https://x.gov.cn/gzxb/gkmlpt/index",
        "https://x.gov.cn/gzxc/gkmlpt/index",
    ]


def test_source_stops_at_its_element() -> None:
    page = ("<html><body><div>发布时间：2024-01-20 来源：区政府办</div><div id='zoomcon'><p>本报告根据"
            "《条例》编制。</p></div></body></html>").encode()
    art = parse_article(page, "http://h/zwgk/x/content/post_1.html")
    assert art.source == "区政府办"
