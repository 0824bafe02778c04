"""Template tables whose markup was lost: label text and fused digits, read through the one mapper.

The texts are written here (own agencies and numbers), in the shape archives flatten tables to:
labels followed by runs of digits where cell borders were, sometimes with a space left over.
"""

from __future__ import annotations

from disclosure_etl.reports import parse_report
from disclosure_etl.reports.flattext import Chunk, flat_tables, label_parts, segments, splits
from disclosure_etl.reports.tables import read_tables
from disclosure_etl.reports.text import nfkc

T3_HEAD = (
    "三、收到和处理政府信息公开申请情况（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"
    "申请人情况自然人法人或其他组织总计商业企业科研机构社会公益组织法律服务机构其他"
)
#: A 2021 table 三 flattened: 一、 reads 31 2 0 0 0 0 33 (digits "312 000033").
T3_2021 = (
    T3_HEAD + "一、本年新收政府信息公开申请数量312 000033二、上年结转政府信息公开申请数量1000001"
    "三、本年度办理结果（一）予以公开161000017（二）部分公开（区分处理的，只计这一情形，不计其他情形）2000002"
    "（三）不予公开1.属于国家秘密00000002.其他法律行政法规禁止公开00000003.危及“三安全一稳定”0000000"
    "4.保护第三方合法权益00000005.属于三类内部事务信息00000006.属于四类过程性信息00000007.属于行政执法案卷0000000"
    "8.属于行政查询事项0000000（四）无法提供1.本机关不掌握相关政府信息6000006"
    "2.没有现成信息需要另行制作00000003.补正后申请内容仍不明确1000001"
    "（五）不予处理1.信访举报投诉类申请00000002.重复申请4000004"
    "3.要求提供公开出版物00000004.无正当理由大量反复申请00000005.要求行政机关确认或重新出具已获取信息0000000"
    "（六）其他处理1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请0000000"
    "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请00000003.其他0000000"
    "（七）总计291 000030四、结转下年度继续办理 3 1 0 00 0 4"
)
T4_FLAT = (
    "四、政府信息公开行政复议、行政诉讼情况行政复议行政诉讼结果维持结果纠正其他结果尚未审结总计"
    "未经复议直接起诉复议后起诉结果维持结果纠正其他结果尚未审结总计结果维持结果纠正其他结果尚未审结总计"
    "1020012" + "0" * 10
)
T2_2021 = (
    "二、主动公开政府信息情况第二十条第（一）项信息内容本年制发件数本年废止件数现行有效件数规章000"
    "行政规范性文件3912第二十条第（五）项信息内容本年处理决定数量行政许可1284"
    "第二十条第（六）项信息内容本年处理决定数量行政处罚57行政强制0"
    "第二十条第（八）项信息内容本年收费金额（单位：万元）行政事业性收费12.5"
)


def _figures(text: str) -> dict[str, float | None]:
    return {f.metric: f.value for f in read_tables([], [text]).figures}


def test_fused_t3_rows_take_the_one_split_that_adds_up() -> None:
    got = _figures(T3_2021)
    assert [got[f"t3.new_received.{c}"] for c in ("natural_person", "commercial", "total")] == [31, 2, 33]
    # 16 1 0 0 0 0 17 and 1 6 10 0 0 0 17 both add up along the row; the columns decide
    assert got["t3.granted.natural_person"] == 16 and got["t3.granted.commercial"] == 1
    assert got["t3.granted.total"] == 17
    assert got["t3.denied_2.total"] == 0  # the "2." enumerator is not taken as a cell
    assert got["t3.unable_1.total"] == 6 and got["t3.notproc_2.total"] == 4
    assert got["t3.other_3.total"] == 0
    assert got["t3.total_processed.total"] == 30 and got["t3.total_processed.commercial"] == 1
    assert got["t3.carried_forward.natural_person"] == 3 and got["t3.carried_forward.total"] == 4


def test_t4_fifteen_fused_digits_split_by_group_totals() -> None:
    got = _figures(T4_FLAT)
    # 10 2 0 0 12 | 0 … is the only reading of 1020012 0000000000 whose groups add up
    assert (got["t4.review.upheld"], got["t4.review.corrected"], got["t4.review.total"]) == (10, 2, 12)
    assert got["t4.suit_direct.total"] == 0 and got["t4.suit_after_review.total"] == 0


def test_single_cell_rows_of_2021_table_two_need_no_split() -> None:
    got = _figures(T2_2021)
    assert got["t2.licensing.decisions"] == 1284 and got["t2.penalty.decisions"] == 57
    assert got["t2.regulation.issued"] == 0 and got["t2.fee.amount"] == 12.5
    assert "t2.normative_doc.issued" not in got  # 3912 → 3|9|12, 39|1|2, … : no identity decides


def test_ambiguous_row_is_left_out_and_named_in_the_note() -> None:
    res = read_tables([], [T2_2021])
    assert "t2 row normative_doc: digits 3912 cannot be split uniquely" in res.notes
    assert not any(f.metric.startswith("t2.normative_doc.") for f in res.figures)


def test_row_that_does_not_add_up_any_way_is_not_guessed() -> None:
    # 10100011 reads 1 0 1 0 0 0 11, 1 0 10 0 0 1 1 or 10 1 0 0 0 1 1: none adds up → nothing recorded
    text = T3_HEAD + "一、本年新收政府信息公开申请数量10100011二、上年结转政府信息公开申请数量0000000"
    res = read_tables([], [text])
    got = {f.metric: f.value for f in res.figures}
    assert "t3.new_received.total" not in got
    assert got["t3.carried_over.total"] == 0
    assert any(n.startswith("t3 row new_received: digits 10100011") for n in res.notes)


def test_two_splits_that_both_add_up_are_not_guessed() -> None:
    # 16 1 0 0 0 0 17 and 1 6 10 0 0 0 17; without the other rows no column identity decides
    res = read_tables([], [T3_HEAD + "一、本年新收政府信息公开申请数量161000017"])
    assert not any(f.metric.startswith("t3.new_received.") for f in res.figures)
    assert "t3 row new_received: digits 161000017 cannot be split uniquely" in res.notes


def test_piped_cells_are_never_split_and_blank_stays_blank() -> None:
    lines = [
        "| 申请人情况 | 自然人 | 商业企业 | 科研机构 | 社会公益组织 | 法律服务机构 | 其他 | 总计 |",
        "| 一、本年新收政府信息公开申请数量 | 12 | | 0 | 0 | 0 | 0 | 12 |",
    ]
    got = {f.metric: (f.value, f.is_blank) for f in read_tables([], lines).figures}
    assert got["t3.new_received.natural_person"] == (12, False)
    assert got["t3.new_received.commercial"] == (None, True)


def test_segments_and_label_parts() -> None:
    segs = segments(["（三）不予公开1.属于国家秘密00000002.其他法律行政法规禁止公开0 0 0 0 0 00"])
    assert [s.label for s in segs] == [nfkc("（三）不予公开1.属于国家秘密"), "2.其他法律行政法规禁止公开"]
    assert [c.text for c in segs[1].chunks] == ["0", "0", "0", "0", "0", "00"]
    assert label_parts(["三、本年度办理结果（四）无法提供1.本机关不掌握相关政府信息"]) == [
        "三、本年度办理结果", "（四）无法提供", "1.本机关不掌握相关政府信息",
    ]  # fmt: skip
    assert label_parts([nfkc("（六）其他处理3.其他")]) == ["(六)其他处理", "3.其他"]


def test_splits_respect_leading_zeros_and_decimals() -> None:
    assert splits([Chunk("000")], 3) == [["0", "0", "0"]]
    assert splits([Chunk("105")], 2) == [["10", "5"]]  # "1|05" has a leading zero
    assert ["3", "12.5万元"] in (splits([Chunk("312.5万元")], 2) or [])
    assert splits([Chunk("9" * 80)], 7) is None  # too many to try: bounded, reported as not splittable


def test_flattened_template_report_is_not_legacy() -> None:
    text = "某某县统计局2021年政府信息公开工作年度报告\n一、总体情况本年主动公开政府信息88条。" + T2_2021 + T3_2021 + T4_FLAT
    r = parse_report(text.encode(), source_format="txt")
    assert r.template == "2021"
    assert any(f.metric == "t3.granted.total" and f.value == 17 for f in r.figures)


def test_flat_tables_found_only_from_table_labels() -> None:
    prose = "今年主动公开规范性文件12件，行政许可事项304项，受理申请5件，行政复议0件。"
    assert flat_tables([prose]) == []


def test_blank_marks_standing_alone_are_blank_cells() -> None:
    text = T3_HEAD + "一、本年新收政府信息公开申请数量 5 — — 0 0 0 5"
    got = {f.metric: (f.value, f.is_blank) for f in read_tables([], [text]).figures}
    assert got["t3.new_received.natural_person"] == (5, False)
    assert got["t3.new_received.commercial"] == (None, True) and got["t3.new_received.research"] == (None, True)
    assert got["t3.new_received.total"] == (5, False)


def test_blank_marks_fused_to_the_label_are_not_guessed() -> None:
    # 行政许可——181: which of the three cells are blank is unknown; 1|8|1 would be a guess
    text = "第二十条第（五）项信息内容上一年项目数量本年增/减处理决定数量行政许可——181其他对外管理服务事项3 -1 20"
    res = read_tables([], [text])
    got = {f.metric: f.value for f in res.figures}
    assert not any(k.startswith("t2.licensing.") for k in got)
    assert (got["t2.other_services.prev_year_items"], got["t2.other_services.change"]) == (3, -1)
    assert any(n.startswith("t2 row licensing") for n in res.notes)


def test_t3_header_order_is_read_from_the_text() -> None:
    from disclosure_etl.reports.flattext import t3_header

    two_rows = "申请人情况自然人法人或其他组织总计商业企业科研机构社会公益组织法律服务机构其他"
    assert t3_header(two_rows) == ["自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", "总计"]
    total_first = "申请人情况总计自然人法人或其他组织商业企业科研机构社会公益组织法律服务机构其他"
    assert t3_header(total_first) == ["总计", "自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他"]
    got = _figures(total_first + "一、本年新收政府信息公开申请数量9 7 2 0 0 0 0")
    assert got["t3.new_received.total"] == 9 and got["t3.new_received.natural_person"] == 7
    assert t3_header("申请人情况自然人总计") is None


def test_thousands_separators_make_one_cell() -> None:
    got = _figures("第二十条第（六）项信息内容本年处理决定数量行政处罚3,985,758行政强制88,283")
    assert got["t2.penalty.decisions"] == 3985758 and got["t2.enforcement.decisions"] == 88283


def test_prose_about_applications_and_reviews_is_no_table() -> None:
    prose = ["全年本年新收政府信息公开申请23件，上年结转2件。", "因政府信息公开行政复议结果维持1件、尚未审结0件。"]
    assert flat_tables(prose) == []
    res = read_tables([], prose)
    assert res.found == set() and res.notes == []
