"""The example report (seed) gives exactly the rows of figures.md's last table."""

from __future__ import annotations

import html
from pathlib import Path

import pytest

from disclosure_etl.reports import format_report_text, parse_report, short_agency_name
from tests.needs import shared_dir

SEED = (shared_dir() or Path("/nonexistent")) / "seed" / "000_68892367501bf595.txt"
EXPECTED = {
    "active.total": 216,
    "active.category.组织机构": 8,
    "active.category.部门文件": 10,
    "active.category.动态": 169,
    "active.category.行政职权": 6,
    "active.category.财政预决算": 2,
    "active.category.其他": 21,
    "active.channel.website": 216,
    "active.channel.weibo_wechat": 365,
    "active.channel.press_conference": 1,
    "active.channel.media": 73,
    "active.channel.gazette": 1,
    "response.hotspots": 2,
    "response.press_conference": 2,
    "response.weibo_wechat": 2,
    "response.other": 5,
    "application.received": 1,
    "application.mode.letter": 1,
    "application.mode.letter.pct": 100,
    "application.outcome.not_this_agency": 1,
    "application.outcome.not_this_agency.pct": 100,
    "fee.application": 0,
    "review.total": 0,
    "lawsuit.total": 0,
    "complaint.total": 0,
    "other.本地公民.pct": 100,
}
UNITS = {"active": "条", "response": "次", "application": "件", "review": "件", "lawsuit": "件",
         "complaint": "件", "fee": "元"}  # fmt: skip


def _seed_bytes(kind: str) -> bytes:
    data = SEED.read_bytes() if SEED.exists() else (Path(__file__).parent / "corpus" / "seed.txt").read_bytes()
    if kind == "txt":
        return data
    paras = "".join(f"<p>{html.escape(line)}</p>\n" for line in data.decode("utf-8").splitlines())
    return f"<html><head><meta charset='utf-8'></head><body>{paras}</body></html>".encode()


@pytest.mark.parametrize("kind", ["txt", "html"])
def test_seed_gives_exactly_the_figures_md_rows(kind: str) -> None:
    r = parse_report(_seed_bytes(kind))
    assert r.source_format == kind
    assert r.parse_status == "parsed"
    assert r.template == "legacy"
    assert r.report_year == 2017
    assert r.agency == "广州市白云区人民政府鹤龙街道办事处"
    got = {f.metric: f.value for f in r.figures}
    assert got == EXPECTED
    for f in r.figures:
        expected_unit = "%" if f.metric.endswith(".pct") else UNITS[f.metric.split(".")[0]]
        assert f.unit == expected_unit, f.metric
        assert not f.approx and not f.is_blank
        assert f.source_excerpt


def test_seed_excerpts_are_the_sentences() -> None:
    r = parse_report(_seed_bytes("txt"))
    by = {f.metric: f.source_excerpt for f in r.figures}
    assert "政府网站公开信息216条" in by["active.channel.website"]
    assert by["review.total"] == "本街道办事处2017年度无发生复议、诉讼和申诉案件。"
    assert by["fee.application"] == "本街道办事处2017年度依申请公开均未收取任何费用。"


def test_seed_text_rendering_lists_every_figure() -> None:
    r = parse_report(_seed_bytes("txt"))
    out = format_report_text(r)
    assert "template: legacy" in out and "report_year: 2017" in out
    assert "active.total 216 条" in out
    assert "parse_status: parsed\ncore figures: 4/4 found" in out
    assert out.count("\n") == 10 + len(r.figures)


def test_short_agency_name() -> None:
    assert short_agency_name("广州市白云区人民政府鹤龙街道办事处") == "鹤龙街道办事处"
