"""Free-text phrase rules (report_formats.md §5.3), sentence by sentence."""

from __future__ import annotations

import pytest

from disclosure_etl.reports.phrases import extract_phrases
from disclosure_etl.reports.text import normalise_label, split_sentences


def figs(text: str) -> dict[str, float | None]:
    return {f.metric: f.value for f in extract_phrases(split_sentences(text))}


def approx(text: str) -> dict[str, bool]:
    return {f.metric: f.approx for f in extract_phrases(split_sentences(text))}


@pytest.mark.parametrize(
    ("label", "normalised"),
    [
        ("2.部门文件类（包括规章、.规范性文件等）信息", "部门文件"),
        ("政务(工作)动态类信息", "政务动态"),
        ("财政预决算信息", "财政预决算"),
        ("其他信息", "其他"),
        ("① 组织机构类", "组织机构"),
        ("一是 办事指南类信息", "办事指南"),
    ],
)
def test_label_normalisation(label: str, normalised: str) -> None:
    assert normalise_label(label) == normalised


def test_dates_phone_numbers_and_counts_of_other_things_are_not_figures() -> None:
    text = "于2017年8月底前完成我街11个居委服务站升级改造。联系电话：86170010。2017年，我街共有23个社区。"
    assert figs(text) == {}


def test_cumulative_is_never_the_annual_total() -> None:
    assert figs("历年累计公开政府信息12345条。") == {"active.cumulative": 12345}
    got = figs("本年主动公开政府信息300条，历年累计5000条。")
    assert got == {"active.total": 300, "active.cumulative": 5000}


def test_approximation_markers() -> None:
    text = "主动公开政府信息1200余条。通过新闻媒体发布信息约30条。通过政府网站发布信息200条左右。运用微信、微博发布信息超500条。"
    assert approx(text) == {
        "active.total": True,
        "active.channel.media": True,
        "active.channel.website": True,
        "active.channel.weibo_wechat": True,
    }
    assert figs("通过区政府门户网站发布各类信息4.14万条。") == {"active.channel.website": 41400}


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("本年度未收到政府信息公开申请。", {"application.received": 0}),
        ("没有收到信息公开申请。", {"application.received": 0}),
        ("均未收取任何费用。", {"fee.application": 0}),
        ("本年度未收取信息处理费。", {"fee.application": 0}),
        ("收费0元。", {"fee.application": 0}),
        ("无发生复议、诉讼和申诉案件。", {"review.total": 0, "lawsuit.total": 0, "complaint.total": 0}),
        ("未发生因政府信息公开引起的行政复议和行政诉讼。", {"review.total": 0, "lawsuit.total": 0}),
        ("没有被行政复议或行政诉讼纠错。", {}),
        ("行政复议和行政诉讼均为零。", {"review.total": 0, "lawsuit.total": 0}),
    ],
)
def test_zero_forms(sentence: str, expected: dict[str, float]) -> None:
    assert figs(sentence) == expected


def test_percentages_go_to_pct_keys() -> None:
    got = figs("其中，当面申请3宗，占30%；网上申请7宗，占70%。")
    assert got == {
        "application.mode.in_person": 3,
        "application.mode.in_person.pct": 30,
        "application.mode.online": 7,
        "application.mode.online.pct": 70,
    }


def test_old_outcomes_and_missing_unit() -> None:
    assert figs("收到信息公开申请6，已全部办结。") == {"application.received": 6}
    got = figs("同意公开3件，同意部分公开1件，不同意公开1件，“非本机关政府信息”的2件，“信息不存在”的1件。")
    assert got == {
        "application.outcome.granted": 3,
        "application.outcome.partial": 1,
        "application.outcome.denied": 1,
        "application.outcome.not_this_agency": 2,
        "application.outcome.not_exist": 1,
    }


def test_flow_sentence() -> None:
    got = figs("共收到政府信息公开申请12宗（未包含上年结转3宗），其中已办结10宗，结转下年办理2宗。")
    assert got == {
        "application.received": 12,
        "application.carried_over": 3,
        "application.processed": 10,
        "application.carried_forward": 2,
    }


def test_fee_in_wan_yuan_is_stored_in_yuan_and_regulatory_fees_are_not_application_fees() -> None:
    assert figs("依申请公开信息收取的费用0.5万元。") == {"fee.application": 5000}
    assert figs("行政事业性收费收取20万元。") == {}


def test_excerpt_is_the_sentence() -> None:
    f = extract_phrases(split_sentences("前文。回应公众关注热点或重大舆情2次。后文。"))[0]
    assert f.source_excerpt == "回应公众关注热点或重大舆情2次。"
