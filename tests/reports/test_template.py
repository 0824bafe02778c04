"""Template detection decides on labels only the national templates print, in tables or in text."""

from __future__ import annotations

import pytest

from disclosure_etl.reports import parse_report
from disclosure_etl.reports.labels import template_labels


def _txt(text: str) -> str | None:
    return parse_report(text.encode(), source_format="txt").template


LEGACY_2016 = (
    "某某镇人民政府2016年政府信息公开工作年度报告\n一、总体情况\n本年度主动公开政府信息132条。"
    "按发布渠道统计，政府网站公开120条，政务微博公开12条。\n二、依申请公开情况\n全年收到申请3件，均已按时答复。\n"
    "三、因政府信息公开申请提起行政复议、行政诉讼的情况\n本年度未发生行政复议、行政诉讼。"
)


def test_old_report_with_generic_words_stays_legacy() -> None:
    assert _txt(LEGACY_2016) == "legacy"


def test_old_statistics_table_with_increase_column_stays_legacy() -> None:
    page = (
        "<html><body><p>某某街道2017年政府信息公开工作年度报告</p><p>本年度主动公开政府信息40条。</p>"
        "<table><tr><td>指标</td><td>本年数</td><td>比上年增减</td></tr>"
        "<tr><td>行政许可信息</td><td>5</td><td>+1</td></tr></table></body></html>"
    )
    assert parse_report(page.encode()).template == "legacy"


@pytest.mark.parametrize(
    ("text", "template"),
    [
        ("第二十条第（一）项信息内容本年新制作数量本年新公开数量对外公开总数量规章000", "2019"),
        ("第二十条第（一）项信息内容本年制发件数本年废止件数现行有效件数规章000", "2021"),
        ("信息内容上一年项目数量本年增/减处理决定数量行政许可3960", "2019"),
        ("（六）其他处理1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请0000000", "2021"),
    ],
)
def test_template_from_flattened_labels(text: str, template: str) -> None:
    assert _txt("某某局2022年政府信息公开工作年度报告\n一、总体情况\n" + text) == template


def test_neutral_template_labels_fall_to_the_year_never_to_legacy() -> None:
    text = "三、收到和处理政府信息公开申请情况\n申请人情况 自然人 商业企业（表格为图片）"
    assert _txt("某某局2020年政府信息公开工作年度报告\n" + text) == "2019"
    assert _txt("某某局2023年政府信息公开工作年度报告\n" + text) == "2021"


def test_label_counts() -> None:
    got = template_labels(["本年制发件数 本年废止件数", "第二十条第（五）项 第二十条第（六）项", "按发布渠道统计"])
    assert got == {"2019": 0, "2021": 2, "template": 2}
