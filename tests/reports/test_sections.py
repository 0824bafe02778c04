"""Section-aware free-text extraction: headings give topics, rules read only their topic.

The report texts here are written for these tests (other agencies, numbers and wordings
than any real report), in the shapes real reports take: numbered headings on their own
lines, headings inside run-on text whose line breaks were lost, un-numbered heading lines,
and the 总体情况 prose of the 2019/2021 templates.
"""

from __future__ import annotations

import pytest

from disclosure_etl.reports import sections as sec
from disclosure_etl.reports.phrases import extract_prose
from disclosure_etl.reports.sections import heading_topic, split_sections


def figs(text: str) -> dict[str, float | None]:
    return {f.metric: f.value for f in extract_prose(text.splitlines())}


def topics(text: str) -> list[str]:
    return [s.topic for s in split_sections(text.splitlines())]


@pytest.mark.parametrize(
    ("title", "topic"),
    [
        ("概况", sec.GENERAL),
        ("总体情况", sec.GENERAL),
        ("政府信息主动公开情况", sec.ACTIVE),
        ("主动公开政府信息的主要类别", sec.ACTIVE),
        ("依申请公开政府信息办理情况", sec.APPLICATION),
        ("政府信息公开收费及减免情况", sec.FEE),
        ("因政府信息公开申请提起行政复议、行政诉讼的情况", sec.REVIEW),
        ("存在的不足和下一步工作打算", sec.PROBLEMS),
        ("其他需要报告的事项", sec.OTHER),
        ("政务公开指标统计表", sec.TABLE),
        ("政府信息公开咨询情况", sec.NONE),
        ("政府信息公开咨询和申请办理情况", sec.APPLICATION),
        ("加强队伍建设", None),
    ],
)
def test_heading_titles_name_their_topic(title: str, topic: str | None) -> None:
    assert heading_topic(title) == topic


def test_headings_inside_run_on_text_are_found_in_order() -> None:
    text = (
        "某镇2013年政府信息公开年度报告 本报告由概况、主动公开情况等部分组成。一、概况 今年我镇进一步规范工作。"
        "二、政府信息主动公开情况（一）公开数量 全年主动公开政府信息88条。"
        "三、依申请公开政府信息办理情况 全年共受理政府信息公开申请3件。"
        "四、收费情况 未收取任何费用。五、行政复议和行政诉讼情况 无。六、存在的不足和改进措施 一是人员少。"
    )
    assert topics(text) == [
        sec.GENERAL, sec.GENERAL, sec.ACTIVE, sec.ACTIVE, sec.APPLICATION, sec.FEE, sec.REVIEW, sec.PROBLEMS,
        sec.PROBLEMS,
    ]  # fmt: skip


def test_a_stray_numeral_out_of_order_is_not_a_heading() -> None:
    text = "一、概况\n本镇设立三、四个查阅点。二、主动公开情况\n全年主动公开政府信息12条。"
    assert topics(text) == [sec.GENERAL, sec.ACTIVE]


def test_part_headings_and_unnumbered_heading_lines() -> None:
    text = "第一部分 概况\n今年工作平稳。\n第二部分 主动公开情况\n全年主动公开政府信息40条。\n依申请公开情况\n全年共受理申请2件。"
    assert topics(text) == [sec.GENERAL, sec.ACTIVE, sec.APPLICATION]
    assert figs(text) == {"active.total": 40, "application.received": 2}


def test_sub_headings_refine_a_general_part() -> None:
    text = (
        "一、总体情况\n（一）主动公开方面\n全年共主动公开政府信息1,310条。\n（二）依申请公开方面\n"
        "全年共收到政府信息公开申请64件，答复60件，另有4件顺延至下一年度答复。\n（三）平台建设方面\n运维网站3个。\n"
        "五、存在的主要问题及改进情况\n一是公开不够及时。"
    )
    assert topics(text) == [
        sec.GENERAL, sec.ACTIVE, sec.APPLICATION, sec.GENERAL, sec.PROBLEMS, sec.PROBLEMS,
    ]  # fmt: skip
    assert figs(text) == {
        "active.total": 1310,
        "application.received": 64,
        "application.processed": 60,
        "application.carried_forward": 4,
    }


def test_template_parts_two_to_four_are_tables() -> None:
    text = (
        "一、总体情况\n本年度公布政府信息500条。\n二、主动公开政府信息情况\n规章 0 0 0\n"
        "三、收到和处理政府信息公开申请情况\n一、本年新收政府信息公开申请数量 7 0 0 0 0 0 7\n"
        "四、政府信息公开行政复议、行政诉讼情况\n0 0 0\n五、存在的主要问题及改进情况\n无。"
    )
    assert topics(text) == [sec.GENERAL, sec.TABLE, sec.TABLE, sec.TABLE, sec.PROBLEMS]
    assert figs(text) == {"active.total": 500}


# --------------------------------------------------------------------------- topic guard

OVERVIEW_NOISE = (
    "一、概述\n本街政务服务中心全年共受理申请41,502件，累计办结41,388件。"
    "在区采购平台主动公开政府采购项目信息230条。在人才服务网微信公众号发布招聘信息30余条。\n"
)


def test_counts_about_other_work_are_not_disclosure_figures() -> None:
    got = figs(OVERVIEW_NOISE + "二、主动公开政府信息情况\n本年度主动公开政府信息1,024条。\n"
               "三、依申请公开情况\n本年度未收到政府信息公开申请。\n")  # fmt: skip
    assert got == {"active.total": 1024, "application.received": 0}


def test_the_total_from_its_own_section_beats_one_in_the_overview() -> None:
    text = (
        "一、概况\n今年我县主动公开政府信息9000条，开展培训5次。\n二、主动公开政府信息情况\n"
        "县政府办公室主动公开政府信息734条。\n"
    )
    assert figs(text) == {"active.total": 734}


def test_a_catalogue_count_is_not_an_outcome() -> None:
    text = (
        "二、主动公开政府信息情况\n本年度编目政府信息1200条，其中主动公开政府信息900条，"
        "依申请公开信息数60条，不予公开信息数240条。\n三、依申请公开情况\n本年度共收到政府信息公开申请5件，不予公开1件。"
    )
    got = figs(text)
    assert got["active.total"] == 900
    assert got["application.outcome.denied"] == 1
    assert got["application.received"] == 5


def test_counts_are_not_taken_from_a_section_of_another_topic() -> None:
    text = "二、主动公开政府信息情况\n全年主动公开政府信息52条，办结群众来件8件。\n三、收费情况\n发布收费标准文件3条。"
    assert figs(text) == {"active.total": 52}


# --------------------------------------------------------------------------- categories


def test_category_list_after_a_category_intro_without_a_total() -> None:
    text = (
        "二、主动公开政府信息情况\n本年度主动公开信息的主要类别有：组织机构类信息12条，政策法规类信息40条，"
        "工作动态类信息95条，其他应主动公开的信息7条。"
    )
    got = figs(text)
    assert {k: v for k, v in got.items() if k.startswith("active.category.")} == {
        "active.category.组织机构": 12,
        "active.category.政策法规": 40,
        "active.category.工作动态": 95,
        "active.category.其他应主动公开的": 7,
    }


def test_category_list_inside_a_reference_to_the_total_keeps_whole_labels() -> None:
    text = (
        "（二）主动公开政府信息的类别\n在县政府门户网站主动公开的300条政府信息中，规划计划、统计数据信息60条，占20%；"
        "人事任免类信息15条，占5%；财政资金类信息225条，占75%。"
    )
    got = figs(text)
    assert got["active.category.规划计划、统计数据"] == 60
    assert got["active.category.规划计划、统计数据.pct"] == 20
    assert got["active.category.人事任免"] == 15
    assert got["active.category.财政资金"] == 225
    assert "active.channel.website" not in got and "active.total" not in got


def test_bare_category_list_in_the_active_section() -> None:
    text = "二、政府信息主动公开情况\n（一）公开的内容\n人事任免信息4条；通知公告信息31条；工作动态信息160条。"
    assert figs(text) == {
        "active.category.人事任免": 4,
        "active.category.通知公告": 31,
        "active.category.工作动态": 160,
    }


def test_categories_in_the_sentence_after_the_total() -> None:
    text = "二、信息公开情况\n今年通过区政府网站公开各类信息73条。其中政务动态类50条；规划计划类20条；其他类3条"
    got = figs(text)
    assert got["active.channel.website"] == 73
    assert got["active.category.政务动态"] == 50 and got["active.category.其他"] == 3


def test_per_office_breakdown_after_a_total_is_not_a_category() -> None:
    text = "二、主动公开政府信息情况\n全年主动公开政府信息800条。其中，区直各部门主动公开政府信息600条，各街道主动公开政府信息200条。"
    got = figs(text)
    # each office's share fits no key: kept as other.* (figures.md), never a category or the total
    assert got == {"active.total": 800, "other.区直各部门主动公开": 600, "other.各街道主动公开": 200}


# --------------------------------------------------------------------------- zero statements, old wording


def test_zero_statements_in_their_sections() -> None:
    text = (
        "三、依申请公开政府信息情况\n本年度我乡没有接到公民、法人提出的公开政府信息的申请。\n"
        "四、收费情况\n依申请提供政府信息暂不收费。\n"
        "五、复议、诉讼和申诉情况\n全年未发生因政府信息公开引起的行政复议、行政诉讼和申诉。"
    )
    assert figs(text) == {
        "application.received": 0,
        "fee.application": 0,
        "review.total": 0,
        "lawsuit.total": 0,
        "complaint.total": 0,
    }


def test_a_review_zero_is_not_an_application_zero() -> None:
    text = "五、行政复议和行政诉讼情况\n本年度未收到因政府信息公开提起行政复议、行政诉讼的申请。"
    assert figs(text) == {"review.total": 0, "lawsuit.total": 0}


def test_consultations_are_not_applications() -> None:
    assert figs("四、咨询情况\n本年度未收到任何有关信息公开的咨询。") == {}


def test_old_outcome_wording() -> None:
    text = (
        "三、依申请公开情况\n全年共收到有关政府信息公开的申请9条，其中网上申请数5条，信函申请数4条；"
        "对申请的答复总数9条，其中同意公开答复数6条，其他公开答复数2条，免于公开答复数1条。"
    )
    assert figs(text) == {
        "application.received": 9,
        "application.mode.online": 5,
        "application.mode.letter": 4,
        "application.processed": 9,
        "application.outcome.granted": 6,
        "application.outcome.partial": 2,
        "application.outcome.denied": 1,
    }


def test_fee_statement_in_other_matters() -> None:
    assert figs("六、其他需要报告的事项\n本年度无收取信息处理费情况。") == {"fee.application": 0}


# --------------------------------------------------------------------------- channels, district


def test_channel_sentences_are_channels_never_the_total() -> None:
    text = "二、主动公开政府信息情况\n按发布渠道统计：政府网站发布信息512条，政务微博发布信息80条，政府公报刊登文件6条。"
    assert figs(text) == {
        "active.channel.website": 512,
        "active.channel.weibo": 80,
        "active.channel.gazette": 6,
    }


def test_district_wide_figure_is_kept_apart_from_the_governments_own() -> None:
    text = (
        "二、主动公开政府信息情况\n全区各单位共主动公开政府信息5,210条。"
        "区政府本级共计主动公开政府信息83条，其中规范性文件类信息9条。"
    )
    got = figs(text)
    assert got["active.total_district"] == 5210
    assert got["active.total"] == 83
    assert got["active.category.规范性文件"] == 9
    assert next(f.unit for f in extract_prose(text.splitlines()) if f.metric == "active.total_district") == "条"


def test_a_total_through_one_medium_is_not_the_total_and_a_running_total_is_cumulative() -> None:
    text = (
        "二、主动公开政府信息情况\n通过镇公开栏公开信息18条。截至2015年底，累计主动公开政府信息4,300条。"
        "本年度新增主动公开政府信息377条，通过多种渠道主动公开政府信息377条。"
    )
    # the one medium with no key of its own is kept as other.<medium>, not as the total
    assert figs(text) == {"active.cumulative": 4300, "active.total": 377, "other.镇公开栏": 18}


def test_channel_breakdown_after_a_total_in_the_next_sentence() -> None:
    text = "二、主动公开政府信息情况\n全年区政府共主动公开政府信息960条。其中，门户网站发布信息700条，政务微博发布160条。"
    assert figs(text) == {"active.total": 960, "active.channel.website": 700, "active.channel.weibo": 160}


def test_application_counts_in_other_wordings() -> None:
    text = (
        "三、依申请公开情况\n我所共受理依申请公开政府信息6宗，其中网上申请4宗，当面申请2宗。"
        "四、收费情况\n本年度没有收取任何与信息公开有关的费用。"
    )
    assert figs(text) == {
        "application.received": 6,
        "application.mode.online": 4,
        "application.mode.in_person": 2,
        "fee.application": 0,
    }


def test_list_words_are_not_part_of_a_label() -> None:
    text = "（二）主动公开政府信息的主要内容：包括人事信息6条，规划信息3条。"
    assert figs(text) == {"active.category.人事": 6, "active.category.规划": 3}


def test_legal_cases_and_fees_of_other_work_in_the_overview_are_not_disclosure_figures() -> None:
    text = (
        "一、概述\n本局全年办理行政复议案件56件，应诉行政诉讼案件30件，收取停车费1200元。\n"
        "五、行政复议和行政诉讼情况\n本年度未发生因政府信息公开引起的行政复议、行政诉讼。"
    )
    assert figs(text) == {"review.total": 0, "lawsuit.total": 0}
    assert figs("一、概述\n全年因政府信息公开被申请行政复议2件。") == {"review.total": 2}


def test_an_attached_statistics_table_inside_the_text_is_a_table_part() -> None:
    text = (
        "五、复议诉讼情况 本年度未发生政府信息公开行政复议。 附件2：某镇2012年政府信息公开情况统计表 "
        "指标名称 计量单位 本年度 受理依申请公开信息总数 条 3 3 行政诉讼数 件 1 1"
    )
    assert topics(text) == [sec.REVIEW, sec.TABLE]
    assert figs(text) == {"review.total": 0}


def test_arabic_numbered_heading_lines_name_their_topic() -> None:
    text = "1.主动公开政府信息情况\n全年主动公开政府信息61条。\n2.依申请公开情况\n全年共受理申请4件，办结4件。\n3.收费情况\n不收费。"
    assert topics(text) == [sec.ACTIVE, sec.APPLICATION, sec.FEE]
    assert figs(text) == {
        "active.total": 61, "application.received": 4, "application.processed": 4, "fee.application": 0,
    }  # fmt: skip


def test_template_overview_prose_with_category_and_channel_sentences() -> None:
    text = (
        "一、总体情况\n（一）主动公开。本年度主动公开政府信息1,452条。按类别统计：规范性文件类31条，政务动态类1,200条，"
        "其他类221条。通过政务新媒体发布信息640条。\n（二）依申请公开。本年新收政府信息公开申请17件，上年结转3件；"
        "办结18件，结转下年度继续办理2件。\n（四）平台建设。政府网站发布信息1,100条。"
    )
    assert figs(text) == {
        "active.total": 1452,
        "active.category.规范性文件": 31,
        "active.category.政务动态": 1200,
        "active.category.其他": 221,
        "application.received": 17,
        "application.carried_over": 3,
        "application.processed": 18,
        "application.carried_forward": 2,
        "active.channel.website": 1100,
        "other.政务新媒体": 640,  # a medium with no key of its own (figures.md: other.<label>)
    }


def test_parse_report_reads_a_run_on_legacy_page_section_by_section() -> None:
    from disclosure_etl.reports import parse_report

    text = (
        "某县民政局2014年政府信息公开工作年度报告 一、概述 本局便民服务窗口全年共受理申请8,812件，办结8,790件。"
        "二、主动公开政府信息情况 2014年主动公开政府信息311条，其中机构职能类信息20条，业务工作类信息291条。"
        "三、依申请公开政府信息情况 2014年未收到有关政府信息公开的申请。四、收费情况 没有收费。"
        "五、行政复议和行政诉讼情况 未发生因政府信息公开引起的行政复议和行政诉讼。"
    )
    r = parse_report(text.encode("utf-8"), source_format="txt")
    got = {f.metric: f.value for f in r.figures}
    assert got == {
        "active.total": 311,
        "active.category.机构职能": 20,
        "active.category.业务工作": 291,
        "application.received": 0,
        "fee.application": 0,
        "review.total": 0,
        "lawsuit.total": 0,
    }


@pytest.mark.parametrize(
    ("sentence", "metric"),
    [
        ("2021年，累计发布政府信息5000条。", "active.total"),
        ("截至2021年12月31日，全年共主动公开政府信息5000条。", "active.total"),
        ("截至2021年底，累计主动公开政府信息5000条。", "active.cumulative"),
        ("自2008年以来，主动公开政府信息5000条。", "active.cumulative"),
    ],
)
def test_annual_or_running_total(sentence: str, metric: str) -> None:
    assert figs("二、主动公开情况\n" + sentence) == {metric: 5000}


def test_old_national_outcome_list() -> None:
    text = (
        "三、依申请公开情况\n本年度共收到政府信息公开申请11件，其中当面申请3件，传真申请0件，网上申请6件，信函申请2件。"
        "对上述申请已答复11件，其中“已主动公开”1件，“同意公开”6件，“同意部分公开”1件，“不同意公开”1件，"
        "“非本部门掌握”1件，“申请内容不明确”1件。"
    )
    got = figs(text)
    assert got["application.processed"] == 11
    assert got["application.outcome.already_public"] == 1
    assert got["application.outcome.granted"] == 6
    assert got["application.outcome.not_this_agency"] == 1
    assert got["other.申请内容不明确"] == 1
    assert got["application.mode.fax"] == 0 and got["application.mode.letter"] == 2


def test_a_table_of_contents_in_the_preamble_does_not_eat_the_headings() -> None:
    text = (
        "本报告包括：一、概述；二、主动公开政府信息情况；三、依申请公开政府信息情况；四、存在的主要问题和改进措施。\n"
        "一、概述\n全年受理办事申请900件。\n二、主动公开政府信息情况\n全年主动公开政府信息75条。\n"
        "三、依申请公开政府信息情况\n全年共受理申请2件。\n四、存在的主要问题和改进措施\n一是不够及时。"
    )
    assert topics(text)[-5:] == [sec.GENERAL, sec.ACTIVE, sec.APPLICATION, sec.PROBLEMS, sec.PROBLEMS]
    assert figs(text) == {"active.total": 75, "application.received": 2}


def test_a_section_that_only_says_none_is_zero_for_what_its_heading_names() -> None:
    text = "三、依申请公开情况\n无。\n四、收费情况\n无\n五、行政复议、行政诉讼和申诉情况\n本年度无。\n六、其他需要报告的事项\n无。"
    assert figs(text) == {
        "application.received": 0, "fee.application": 0, "review.total": 0, "lawsuit.total": 0, "complaint.total": 0,
    }  # fmt: skip
    assert figs("五、行政复议、行政诉讼情况\n本年度发生行政复议1件。") == {"review.total": 1}


def test_other_work_in_the_application_section_is_not_an_application_count() -> None:
    text = "三、依申请公开情况\n区政务服务中心窗口受理审批申请2,300件，办结2,280件。本年度共受理申请6件，办结6件。"
    assert figs(text) == {"application.received": 6, "application.processed": 6}


def test_seed_shaped_report_in_other_words() -> None:
    text = (
        "二  政府信息主动公开情况\n本街道办事处2016年度主动公开政府信息共180条，具体为：1、组织机构类信息6条；"
        "2、工作动态类信息160条；3、其他类信息14条。\n按发布渠道统计：白云信息网发布信息180条，政务微博、微信发布信息"
        "210条，报刊电视等新闻媒体发布信息40条。\n三  政府信息依申请公开情况\n本街道办事处2016年共受理政府信息公开申请2宗，"
        "全部为网上申请，占100%。\n四  政府信息公开收费情况\n不存在收费情况。\n五  因信息公开引起的行政复议和行政诉讼情况\n无。"
    )
    assert figs(text) == {
        "active.total": 180,
        "active.category.组织机构": 6,
        "active.category.工作动态": 160,
        "active.category.其他": 14,
        "active.channel.website": 180,
        "active.channel.weibo_wechat": 210,
        "active.channel.media": 40,
        "application.received": 2,
        "application.mode.online": 2,
        "application.mode.online.pct": 100,
        "fee.application": 0,
        "review.total": 0,
        "lawsuit.total": 0,
    }


def test_a_legacy_report_with_a_zongti_heading_keeps_its_parts() -> None:
    text = "一、总体情况\n本年工作平稳。\n二、主动公开政府信息情况\n全年主动公开政府信息70条。\n三、依申请公开情况\n全年共受理申请1件。"
    assert topics(text) == [sec.GENERAL, sec.ACTIVE, sec.APPLICATION]
    assert figs(text) == {"active.total": 70, "application.received": 1}


def test_a_total_counted_in_jian() -> None:
    assert figs("二、主动公开情况\n全年主动公开规章2件，主动公开政府信息1,234件。") == {"active.total": 1234}


def test_a_total_over_several_media_is_the_total_not_one_channel() -> None:
    text = "一、总体情况\n（一）主动公开。全年通过政府网站、政务新媒体等平台主动公开政府信息4,321条。其中政府网站发布信息3,000条。"
    assert figs(text) == {"active.total": 4321, "active.channel.website": 3000}
