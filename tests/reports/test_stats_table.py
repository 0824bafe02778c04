"""The 统计表 attached to old reports: 本年 and 历年累计 columns, as a table or flattened to text."""

from __future__ import annotations

import pytest

from disclosure_etl.reports import parse_report
from disclosure_etl.reports.stats_table import read_stats, stats_key

HEADER = "附件：某某镇2013年政府信息公开情况统计表 指标名称 计量单位 2013 年度 历年累计 "


def _got(lines: list[str]) -> tuple[dict[str, float | None], list[str]]:
    res = read_stats([], lines)
    return {f.metric: f.value for f in res.figures}, res.notes


def test_spaced_flattened_table_year_and_cumulative() -> None:
    text = HEADER + (
        "主动公开信息数 条 86 731 其中：1.网站公开 条 80 700 2.政府公报公开 条 6 31 "
        "受理依申请公开信息总数 条 4 19 其中：1.当面申请数 条 3 12 2.传真申请数 条 0 0 3.电子邮件申请数 条 1 5 "
        "4.网上申请数 条 0 2 5.信函申请数 条 0 0 6.其它形式申请数 条 0 0 对申请的答复数 条 4 19 "
        "其中：1.同意公开答复数 条 3 15 2.同意部分公开答复数 条 1 2 3.否决公开答复数 条 0 2 "
        "行政复议数 条 0 1 行政诉讼数 条 0 0 行政申诉数 条 0 0"
    )
    got, notes = _got([text])
    assert (got["active.total"], got["active.cumulative"]) == (86, 731)
    assert got["active.channel.website"] == 80 and got["active.channel.gazette"] == 6
    assert got["application.received"] == 4 and got["application.mode.in_person"] == 3
    assert got["application.mode.email"] == 1 and got["application.processed"] == 4
    assert got["application.outcome.partial"] == 1 and got["application.outcome.denied"] == 0
    assert (got["review.total"], got["lawsuit.total"], got["complaint.total"]) == (0, 0, 0)
    assert notes == []


def test_fused_digits_split_by_the_sums_or_left_out() -> None:
    text = HEADER.replace(" ", "") + (
        "主动公开信息数条3125118其中：1.网站公开条3025002.政府公报公开条118"
        "受理依申请公开信息总数条1313其中：1.当面申请数条10102.传真申请数条003.电子邮件申请数条33"
        "4.网上申请数条005.信函申请数条006.其它形式申请数条00行政复议数条00"
    )
    got, notes = _got([text])
    # 当面 1010 reads only 10|10 (1|010 has a leading zero, 101|0 breaks 本年 ≤ 累计); 总数 1313
    # reads 1|313 or 13|13, and only 13|13 makes 当面 + 传真 + 电子邮件 + … = 总数 in both columns
    assert got["application.received"] == 13 and got["application.mode.in_person"] == 10
    # 总数 3|125118, 31|25118, 312|5118; 网站 30|2500, 302|500; 公报 1|18: no reading adds up → nothing
    assert "active.total" not in got and "active.channel.website" not in got
    assert any(n.startswith("stats row 主动公开信息数: digits 3125118") for n in notes)
    assert got["active.channel.gazette"] == 1 and got["review.total"] == 0


def test_statistics_grid_uses_the_year_column_not_the_cumulative() -> None:
    rows = [["指标名称", "计量单位", "2014年度", "历年累计"], ["主动公开信息数", "条", "57", "402"],
            ["其中：1.网站公开", "条", "57", "390"], ["行政复议数", "件", "0", "1"]]  # fmt: skip
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in r) + "</tr>" for r in rows)
    page = f"<html><body><p>某某乡2014年政府信息公开工作年度报告</p><table>{body}</table></body></html>"
    r = parse_report(page.encode())
    got = {f.metric: f.value for f in r.figures}
    assert r.template == "legacy"
    assert (got["active.total"], got["active.cumulative"], got["active.channel.website"]) == (57, 402, 57)
    assert got["review.total"] == 0


@pytest.mark.parametrize(
    ("label", "key"),
    [
        ("主动公开文件数", "active.total"),
        ("其中：2、政务微博公开数", "active.channel.weibo"),
        ("3、信函、传真申请数", None),  # two channels counted together
        ("接受行政诉讼、举报数", None),
        ("4、其他类型答复数", None),
        ("不予公开答复数", "application.outcome.denied"),
        ("政府信息公开收费金额", "fee.application"),
    ],
)
def test_row_labels(label: str, key: str | None) -> None:
    assert stats_key(label) == key


def test_flattened_single_column_statistics_table() -> None:
    text = (
        "附件 政府信息公开情况统计表 指标名称 单位 统计数 主动公开政府信息数 条 311 其中：1.政府网站公开 条 290 "
        "2.政府公报公开 条 21 收到申请数 件 2 行政复议数 件 0"
    )
    got, notes = _got([text])
    assert (got["active.total"], got["active.channel.website"], got["active.channel.gazette"]) == (311, 290, 21)
    assert got["application.received"] == 2 and got["review.total"] == 0
    assert "active.cumulative" not in got and notes == []
