"""Table 三/四 row and column mapping by label."""

from __future__ import annotations

import pytest

from disclosure_etl.reports.tables import parse_cell, read_tables, t3_row_key


@pytest.mark.parametrize(
    ("labels", "sticky", "key"),
    [
        (["三、本年度办理结果", "（三）不予公开", "1.属于国家秘密"], None, "denied_1"),
        (["（三）不予公开 1.属于国家秘密"], None, "denied_1"),  # group and item in one cell
        (["3.危及\"三安全一稳定\""], "denied", "denied_3"),  # group carried from the row above
        (["（三）不予公开", "小计"], None, "denied_subtotal"),
        (["（四）无法提供"], None, "unable_subtotal"),
        (["（五）不予处理", "4.无正当理由大量反复申请"], None, "notproc_4"),
        (["（六）其他处理", "2.申请人逾期未按收费通知要求缴纳费用，行政机关不再处理其政府信息公开申请"], None, "other_2"),
        (["（二）部分公开（区分处理的，只计这一情形，不计其他情形）"], None, "partial"),
        (["（七）合计"], None, "total_processed"),
        (["四、结转下年度继续办理"], None, "carried_forward"),
    ],
)
def test_t3_row_keys(labels: list[str], sticky: str | None, key: str) -> None:
    assert t3_row_key(labels, sticky)[0] == key


@pytest.mark.parametrize("text", ["", "&nbsp;".replace("&nbsp;", "\xa0"), "—", "-", "/", "无", "  "])
def test_blank_cells_are_none_not_zero(text: str) -> None:
    cell = parse_cell(text)
    assert cell is not None and cell.value is None and cell.is_blank


def test_numeric_cells_and_units() -> None:
    assert parse_cell("0").value == 0  # type: ignore[union-attr]
    c = parse_cell("240万元")
    assert c is not None and (c.value, c.unit, c.approx) == (240, "万元", False)
    assert parse_cell("+19").value == 19  # type: ignore[union-attr]
    assert parse_cell("3,985,758").value == 3985758  # type: ignore[union-attr]
    assert parse_cell("1，204").value == 1204  # type: ignore[union-attr]
    assert parse_cell("属于国家秘密") is None


def test_t4_positional_fallback_from_flattened_text() -> None:
    lines = ["四、政府信息公开行政复议、行政诉讼情况", "| 1 | 0 | 0 | 0 | 1 | 0 | 0 | 0 | 2 | 2 | | | | | |"]
    res = read_tables([], lines)
    got = {f.metric: f.value for f in res.figures}
    assert got["t4.review.total"] == 1 and got["t4.suit_direct.pending"] == 2
    assert got["t4.suit_after_review.total"] is None
