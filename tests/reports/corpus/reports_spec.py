"""The corpus reports: text and tables of each file (see generate.py). Labels live in *.label.json."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from generate import SpanTable, t2_2019, t2_2021, t3_table, t4_table

BY = "广州市白云区人民政府"
Blocks = list[tuple[str, Any]]

# ---------------------------------------------------------------- legacy reports

L01 = [
    ("h", f"{BY}石井街道办事处2016年政府信息公开工作年度报告"),
    ("p", f"本报告是根据《中华人民共和国政府信息公开条例》的规定，由{BY}石井街道办事处编制的2016年度政府信息公开年度报告。本报告中所列数据的统计期限自2016年1月1日起至2016年12月31日止。如对本报告有任何疑问，请联系：石井街党政办，联系电话：86011234。"),
    ("p", "一、概述"),
    ("p", "2016年，我街共有23个社区居委会，于2016年9月底前完成全部服务站改造。"),
    ("p", "二、主动公开政府信息情况"),
    ("p", "本街道办事处2016年全年主动公开政府信息150条，其中：1.组织机构类信息5条；2.部门文件类（包括规范性文件、政策解读等）信息12条；3.政务动态类信息120条；4.财政预决算信息3条；5.其他信息10条。"),
    ("p", "通过不同渠道和方式公开政府信息情况：政府网站公开信息150条，微博微信公开信息80条，新闻媒体公开信息6条。"),
    ("p", "回应公众关注热点或重大舆情3次。通过不同渠道和方式回应解读情况：发布政策解读稿件4篇，通过微博微信回应事件1次。"),
    ("p", "三、依申请公开政府信息情况"),
    ("p", "本街道办事处2016年共受理信息公开申请4件，其中当面申请1件，占25%；网上申请2件，占50%；信函申请1件，占25%。"),
    ("p", "在已经答复的4件申请中，同意公开2件，同意部分公开1件，“信息不存在”的1件。"),
    ("p", "四、政府信息公开收费情况"),
    ("p", "本街道办事处2016年度依申请公开均未收取任何费用。"),
    ("p", "五、因政府信息公开申请行政复议、提起行政诉讼和投诉举报的情况"),
    ("p", "本街道办事处2016年度未发生因政府信息公开引起的行政复议和行政诉讼，未收到投诉举报。"),
    ("p", "六、存在的主要问题和改进措施"),
    ("p", "一是公开工作需要更加及时。"),
]
L01_HEAD = f"<title>{BY}石井街道办事处2016年政府信息公开工作年度报告</title><meta name='ArticleTitle' content='{BY}石井街道办事处2016年政府信息公开工作年度报告'>"
L01_PUB = ("p", "发布时间：2017-01-20 10:30:00 来源：石井街道办事处")

L02 = [
    ("h", f"{BY}2018年政府信息公开工作年度报告"),
    ("p", f"本报告由{BY}办公室编制。"),
    ("p", "一、概述"),
    ("p", "2018年，全区政务公开工作稳步推进。"),
    ("p", "二、主动公开政府信息情况"),
    ("p", "2018年全区主动公开政府信息1200余条，历年累计公开政府信息12345条。"),
    ("p", "通过区政府门户网站发布各类信息4.14万条，运用微信、微博发布信息约3600条，通过新闻媒体发布信息近200条。"),
    ("p", "回应公众关注热点或重大舆情十二次。"),
    ("p", "三、依申请公开政府信息情况"),
    ("p", "全年新收到政府信息公开申请105件，接办上年3件，办结100件，结转下年办理8件。"),
    ("p", "四、政府信息公开收费情况"),
    ("p", "本年度没有向申请人收取任何费用。"),
    ("p", "五、因政府信息公开申请行政复议、提起行政诉讼的情况"),
    ("p", "因政府信息公开申请引发的行政复议2宗，引发行政诉讼共1件，均胜诉。"),
    ("p", "六、存在的主要问题和改进措施"),
    ("p", "2019年将进一步加强培训。"),
]

L03 = [
    ("h", f"{BY}景泰街道办事处2015年政府信息公开工作年度报告"),
    ("p", f"本报告由{BY}景泰街道办事处编制，统计期限为2015年1月1日至2015年12月20日。"),
    ("p", "一 概述"),
    ("p", "2015年，我街继续推进政府信息公开工作。"),
    ("p", "二 政府信息主动公开情况"),
    ("p", "2015年全年主动公开政府信息１，３２６条。"),
    ("p", "通过政府网站公开政府信息数1326条，通过微信公开政府信息数245条，其他方式公开政府信息数12条。"),
    ("p", "三 政府信息依申请公开情况"),
    ("p", "共收到政府信息公开申请12宗（未包含上年结转3宗），其中已办结10宗，结转下年办理2宗。"),
    ("p", "其中，网络申请8宗，占66.67%；信函申请4宗，占33.33%。"),
    ("p", "四 复议、诉讼和申诉情况"),
    ("p", "本年度行政复议申请0件，行政诉讼0件。"),
    ("p", "五 收费情况"),
    ("p", "依申请公开信息收取的费用0万元。"),
]

L04 = [
    ("h", f"{BY}松洲街道办事处2017年政府信息公开工作年度报告"),
    ("p", "一、概述"),
    ("p", "2017年，我街政务公开工作有序开展。"),
    ("p", "二、主动公开政府信息情况"),
    ("p", "2017年主动公开政府信息一百零五条，其中：（1）组织机构类信息二十一条；（2）工作文件类信息两条；（3）政务动态类信息八十二条。"),
    ("p", "三、依申请公开政府信息情况"),
    ("p", "收到信息公开申请6，均已按时答复。"),
    ("p", "四、收费情况"),
    ("p", "收费0元。"),
    ("p", "五、行政复议和行政诉讼情况"),
    ("p", "行政复议和行政诉讼均为零。"),
]

L05 = [
    ("h", f"{BY}均禾街道办事处2017年政府信息公开工作年度报告"),
    ("p", "二、主动公开政府信息情况"),
    ("p", "2017年全年主动公开政府信息306条，其中：1.组织机构类信息10条；2.动态类信息53条；3.规划计划类信息，占总体比例为9%。"),
    ("p", "通过不同渠道和方式发布政府信息情况：通过政府公报发布信息2条，通过政府网站发布信息216条，通过微博微信发布信息299条，通过新闻媒体发布信息22条。"),
    ("p", "三、依申请公开政府信息情况"),
    ("p", "全年共受理政府信息公开申请二十一件，均为网上申请，占100%。"),
    ("p", "在已经答复的21件申请中，“非本机关政府信息”的3件，“信息不存在”的2件，同意公开16件。"),
    ("p", "四、政府信息公开收费情况"),
    ("p", "未收取任何费用。"),
    ("p", "五、因政府信息公开申请行政复议、提起行政诉讼的情况"),
    ("p", "因政府信息公开申请提起行政复议1件，维持1件。"),
]

L06 = [
    ("h", f"{BY}永平街道办事处2018年政府信息公开工作年度报告"),
    ("p", "二、主动公开政府信息情况"),
    ("p", "2018年全年主动公开政府信息88条。"),
    ("p", "回应公众关注热点或重大舆情0次。"),
    ("p", "三、依申请公开政府信息情况"),
    ("p", "本年度未收到政府信息公开申请。"),
    ("p", "四、政府信息公开收费情况"),
    ("p", "没有向申请人收取任何费用。"),
    ("p", "五、因政府信息公开申请行政复议、提起行政诉讼的情况"),
    ("p", "未发生因政府信息公开引起的行政复议和行政诉讼。"),
    ("p", "六、存在的主要问题和改进措施"),
    ("p", "没有被行政复议或行政诉讼纠错。"),
]

L07 = [
    ("h", f"{BY}新市街道办事处2016年政府信息公开工作年度报告"),
    ("p", "二、主动公开政府信息情况"),
    ("p", "2016年全年主动公开政府信息200条，其中：1.组织机构类信息20条，占总数的10%；2.政务动态类信息150条，占总数的75%；3.其他信息30条，占总数的15%。"),
    ("p", "三、依申请公开政府信息情况"),
    ("p", "共收到依申请公开申请3件，办结3件。"),
    ("p", "四、政府信息公开收费情况"),
    ("p", "收费0元。"),
    ("p", "五、因政府信息公开申请行政复议、提起行政诉讼的情况"),
    ("p", "未接到有关政府信息公开的行政复议、诉讼和申诉。"),
]

L08 = [
    ("h", f"{BY}嘉禾街道办事处2014年政府信息公开工作年度报告"),
    ("p", "二、主动公开政府信息情况"),
    ("p", "2014年全年主动公开政府信息250条，其中：1.组织机构类信息8条；2.政务动态类信息140条；3.微信公众号信息102条。"),
    ("p", "三、依申请公开政府信息情况"),
    ("p", "全年共受理政府信息公开申请5件，同意公开3件，不予公开1件，告知作出更改补充1件。"),
    ("p", "四、政府信息公开收费情况"),
    ("p", "未收取任何费用。"),
    ("p", "五、因政府信息公开申请行政复议、提起行政诉讼的情况"),
    ("p", "没有被行政复议或行政诉讼纠错。"),
]

# ---------------------------------------------------------------- template tables

T3A = {"new_received": [3, 0, 0, 0, 0, 0, 3], "granted": [1, 0, 0, 0, 0, 0, 1], "partial": [1, 0, 0, 0, 0, 0, 1],
       "unable_1": [1, 0, 0, 0, 0, 0, 1], "total_processed": [3, 0, 0, 0, 0, 0, 3]}  # fmt: skip
T3B = {
    "new_received": [40, 5, 0, 0, 1, 2, 48], "carried_over": [2, 0, 0, 0, 0, 0, 2],
    "granted": [20, 2, 0, 0, 0, 1, 23], "partial": [5, 1, 0, 0, 0, 0, 6], "denied_4": [1, 0, 0, 0, 0, 0, 1],
    "unable_1": [8, 1, 0, 0, 1, 0, 10], "notproc_2": [2, 0, 0, 0, 0, 0, 2], "other_3": [1, 0, 0, 0, 0, 0, 1],
    "total_processed": [37, 4, 0, 0, 1, 1, 43], "carried_forward": [5, 1, 0, 0, 0, 1, 7],
}  # fmt: skip
T3C = {"new_received": [12, 1, 0, 0, 0, 0, 13], "granted": [6, 1, 0, 0, 0, 0, 7], "partial": [2, 0, 0, 0, 0, 0, 2],
       "unable_1": [3, 0, 0, 0, 0, 0, 3], "other": [1, 0, 0, 0, 0, 0, 1], "total_processed": [12, 1, 0, 0, 0, 0, 13]}  # fmt: skip
T4Z = [0] * 15
T4A = [1, 0, 0, 0, 1, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0]
T2A = {"normative_doc.issued": 1, "normative_doc.in_force": 5, "licensing.decisions": 12,
       "penalty.decisions": 123, "enforcement.decisions": 4, "fee.amount": 0.5}  # fmt: skip
T2B = {"normative_doc.new_made": 2, "normative_doc.new_published": 2, "normative_doc.total_published": 10,
       "licensing.prev_year_items": 5, "licensing.change": "+1", "licensing.decisions": 30,
       "penalty.prev_year_items": 10, "penalty.change": "-2", "penalty.decisions": 45,
       "fee.prev_year_items": 1, "procurement.items": 3, "procurement.amount": "240万元"}  # fmt: skip


def new_report(
    agency: str,
    year: int,
    active: str,
    application: str,
    t2: SpanTable | None,
    t3: SpanTable | list[SpanTable] | None,
    t4: SpanTable | None,
    other: str = "本年度未收取信息处理费。",
    as_images: bool = False,
    pipe: bool = False,
) -> Blocks:
    """A 2019/2021-template report: title, preamble, 一 总体情况 prose, 二–四 tables, 五, 六."""
    blocks: Blocks = [
        ("h", f"{agency}{year}年政府信息公开工作年度报告"),
        ("p", f"本报告根据《中华人民共和国政府信息公开条例》要求编制。本报告中所列数据的统计期限自{year}年1月1日起至{year}年12月31日止。"),
        ("p", "一、总体情况"),
        ("p", "（一）主动公开"),
        ("p", active),
        ("p", "（二）依申请公开"),
        ("p", application),
    ]  # fmt: skip

    def put(t: SpanTable | list[SpanTable] | None, img: str) -> None:
        if t is None:
            return
        if as_images:
            blocks.append(("img", img))
            return
        for part in t if isinstance(t, list) else [t]:
            blocks.append(("pipe" if pipe else "t", part))

    blocks.append(("p", "二、主动公开政府信息情况"))
    if t2 is not None and not as_images:
        blocks.append(("t", t2))
    elif as_images:
        blocks.append(("img", "1705995746322.jpg"))
    blocks.append(("p", "三、收到和处理政府信息公开申请情况"))
    put(t3, "clipbord_1705995746401.png")
    blocks.append(("p", "四、政府信息公开行政复议、行政诉讼情况"))
    put(t4, "1705995746522.jpg")
    blocks += [
        ("p", "五、存在的主要问题及改进情况"),
        ("p", f"{year + 1}年将进一步加强政务公开培训。"),
        ("p", "六、其他需要报告的事项"),
        ("p", other),
    ]
    return blocks


def with_t3_blank_totals(rows: dict[str, list[Any]]) -> dict[str, list[Any]]:
    """The 总计 column left blank on every outcome row (real Shanghai 2019 table)."""
    keep = {"new_received", "carried_over", "carried_forward"}
    out = {}
    keys = ["granted", "partial", *[f"denied_{i}" for i in range(1, 9)], *[f"unable_{i}" for i in range(1, 4)],
            *[f"notproc_{i}" for i in range(1, 6)], "other", "total_processed"]  # fmt: skip
    for k in keys + list(keep):
        v = list(rows.get(k, [0] * 7))
        if k not in keep:
            v[6] = None
        out[k] = v
    return out


def blanks(rows: dict[str, list[Any]], template: str = "2021") -> dict[str, list[Any]]:
    """Every zero cell left blank."""
    keys = ["new_received", "carried_over", "granted", "partial", *[f"denied_{i}" for i in range(1, 9)],
            *[f"unable_{i}" for i in range(1, 4)], *[f"notproc_{i}" for i in range(1, 6)],
            *(["other"] if template == "2019" else [f"other_{i}" for i in range(1, 4)]),
            "total_processed", "carried_forward"]  # fmt: skip
    return {k: [v if v else None for v in rows.get(k, [0] * 7)] for k in keys}


ACTIVE_SHORT = "{y}年主动公开政府信息{n}条。"


def build_all(write: Callable[..., None]) -> None:
    """Write every corpus file."""
    for name, blocks in (
        ("l02_2018_approx.docx", L02), ("l03_2015_fullwidth.pdf", L03), ("l04_2017_cn_numerals.html", L04),
        ("l05_2017_channels_gt_total.html", L05), ("l06_2018_zero_forms.docx", L06), ("l07_2016_pct.pdf", L07),
        ("l08_2014_wechat_folded.html", L08),
    ):  # fmt: skip
        write(name, blocks, **({"full_page": False} if name.endswith(".html") else {}))
    write("l01_2016_full_page.html", [L01_PUB, *L01], full_page=True, extra_head=L01_HEAD)

    sanyuanli = f"{BY}三元里街道办事处"
    write("n01_2019_std.html", new_report(
        sanyuanli, 2019,
        "2019年主动公开政府信息320条，其中：1.组织机构类信息6条；2.政务动态类信息250条。",
        "全年共收到政府信息公开申请13件，办结13件。",
        t2_2019(T2B), t3_table(T3C, "2019"), t4_table(T4Z)), full_page=True,
        extra_head=f"<title>{sanyuanli}2019年政府信息公开工作年度报告</title>")
    write("n02_2020_std.pdf", new_report(
        f"{BY}京溪街道办事处", 2020, "2020年主动公开政府信息180条。", "全年新收政府信息公开申请13件。",
        t2_2019(T2B), t3_table(T3C, "2019"), t4_table(T4A)))
    write("n03_2020_blank_total.docx", new_report(
        f"{BY}同德街道办事处", 2020, "2020年主动公开政府信息75条。", "全年共收到政府信息公开申请13件。",
        t2_2019(T2B), t3_table(with_t3_blank_totals(T3C), "2019", blank=""), t4_table(T4Z)))
    write("n04_2019_subtotals.html", new_report(
        f"{BY}黄石街道办事处", 2019, "2019年主动公开政府信息64条。", "全年共收到政府信息公开申请13件。",
        t2_2019(T2B), t3_table(T3C, "2019", subtotals={"denied": [0] * 7, "unable": [3, 0, 0, 0, 0, 0, 3], "notproc": [0] * 7}),
        t4_table(T4Z)), full_page=False)
    write("n05_2020_split_table.html", new_report(
        f"{BY}棠景街道办事处", 2020, "2020年主动公开政府信息140条。", "全年共收到政府信息公开申请13件。",
        t2_2019(T2B), list(t3_table(T3C, "2019").split(12)), t4_table(T4A)), full_page=False)
    write("n06_2019_tables_as_images.html", new_report(
        f"{BY}新市街道办事处", 2019, "2019年主动公开政府信息96条。", "全年共收到政府信息公开申请2件。",
        t2_2019(T2B), t3_table(T3C, "2019"), t4_table(T4Z), as_images=True), full_page=False)
    write("n07_2021_with_2019_headers.html", new_report(
        f"{BY}石门街道办事处", 2021, "2021年主动公开政府信息210条。", "全年共收到政府信息公开申请13件。",
        t2_2019(T2B), t3_table(T3C, "2019"), t4_table(T4Z)), full_page=False)
    write("n08_2020_pipe_text.html", new_report(
        "广州市白云区人和镇人民政府", 2020, "2020年主动公开政府信息333条。", "全年共收到政府信息公开申请13件。",
        t2_2019(T2B), t3_table(T3C, "2019"), t4_table(T4A), pipe=True), full_page=False)

    helong = f"{BY}鹤龙街道办事处"
    write("m01_2021_std.html", new_report(
        helong, 2021,
        "2021年主动公开政府信息1234条，其中：1.组织机构类信息12条；2.政务动态类信息1000条；3.财政预决算信息4条。通过政府网站发布信息1234条，通过微信公众号发布信息600条。",
        "全年新收政府信息公开申请48件，上年结转2件，办结43件，结转下年度继续办理7件。全年发生政府信息公开行政复议1件，行政诉讼1件。",
        t2_2021(T2A), t3_table(T3B), t4_table(T4A), other="本年度收取信息处理费0元。"), full_page=True,
        extra_head=f"<title>{helong}2021年政府信息公开工作年度报告</title>")
    write("m02_2021_std.pdf", new_report(
        "广州市白云区太和镇人民政府", 2021, "2021年主动公开政府信息560条。", "全年共收到政府信息公开申请3件。",
        t2_2021(T2A), t3_table(T3A), t4_table(T4Z)))
    write("m03_2022_std.docx", new_report(
        "广州市白云区钟落潭镇人民政府", 2022, "2022年主动公开政府信息420条。", "全年新收政府信息公开申请48件，上年结转2件。",
        t2_2021(T2A), t3_table(T3B), t4_table(T4A)))
    write("m04_2022_headings_only.html", new_report(
        "广州市白云区江高镇人民政府", 2022, "2022年主动公开政府信息97条。", "全年共收到政府信息公开申请3件。",
        None, None, None), full_page=False)
    write("m05_2023_tables_as_images.html", new_report(
        f"{BY}龙归街道办事处", 2023, "2023年主动公开政府信息130条。", "全年共收到政府信息公开申请3件。",
        t2_2021(T2A), t3_table(T3A), t4_table(T4Z), as_images=True), full_page=False)
    write("m06_2022_pipe_text.html", new_report(
        f"{BY}大源街道办事处", 2022, "2022年主动公开政府信息77条。", "全年共收到政府信息公开申请48件。",
        t2_2021(T2A), t3_table(T3B), t4_table(T4A), pipe=True), full_page=False)
    write("m07_2022_dropped_headers.html", new_report(
        f"{BY}永平街道办事处", 2022, "2022年主动公开政府信息58条。", "全年共收到政府信息公开申请48件。",
        t2_2021(T2A), t3_table(T3B).drop_rows(3), t4_table(T4A).drop_rows(3)), full_page=False)
    write("m08_2022_prose_contradicts.html", new_report(
        f"{BY}金沙街道办事处", 2022, "2022年主动公开政府信息66条。", "全年共收到政府信息公开申请10件，办结10件。",
        t2_2021(T2A), t3_table({**T3A, "new_received": [12, 0, 0, 0, 0, 0, 12]}), t4_table(T4Z)), full_page=False)
    write("m09_2023_label_variants.html", new_report(
        f"{BY}嘉禾街道办事处", 2023, "2023年主动公开政府信息45条。", "全年共收到政府信息公开申请48件。",
        t2_2021(T2A), t3_table(T3B, relabel={"商业企业": "商业 企业", "总计": "合计", "“三安全一稳定”": "\"三安全一稳定\"",
                                            "、行政机关": "，行政机关", "自然人": "自 然 人"}),
        t4_table(T4A)), full_page=False)
    write("m10_2023_split_pages.pdf", new_report(
        f"{BY}均禾街道办事处", 2023, "2023年主动公开政府信息150条。", "全年共收到政府信息公开申请48件。",
        t2_2021(T2A), list(t3_table(T3B).split(14)), t4_table(T4A)))
    write("m11_2022_blank_cells.docx", new_report(
        f"{BY}松洲街道办事处", 2022, "2022年主动公开政府信息89条。", "全年共收到政府信息公开申请3件。",
        t2_2021(T2A), t3_table(blanks(T3A), blank="—"), t4_table([None] * 15, blank="/")))
    write("m12_2021_fragment_fee.html", new_report(
        f"{BY}景泰街道办事处", 2021, "2021年主动公开政府信息300条。", "全年共收到政府信息公开申请3件。",
        t2_2021(T2A), t3_table(T3A), t4_table(T4Z), other="本年度共收取信息处理费100元。"), full_page=False,
        word_style=False)
    write("m13_2024_subtotals.html", new_report(
        f"{BY}同和街道办事处", 2024, "2024年主动公开政府信息500条。", "全年共收到政府信息公开申请48件。",
        t2_2021(T2A), t3_table(T3B, subtotals={"denied": [1, 0, 0, 0, 0, 0, 1], "unable": [8, 1, 0, 0, 1, 0, 10],
                                               "notproc": [2, 0, 0, 0, 0, 0, 2], "other": [1, 0, 0, 0, 0, 0, 1]}),
        t4_table(T4A)), full_page=False)
    write("m14_2022_headings_only.docx", new_report(
        f"{BY}白云湖街道办事处", 2022, "2022年主动公开政府信息61条。", "全年共收到政府信息公开申请3件。",
        None, None, None))
    write("m15_2023_tables_as_images.pdf", new_report(
        f"{BY}石井街道办事处", 2023, "2023年主动公开政府信息230条。", "全年共收到政府信息公开申请3件。",
        t2_2021(T2A), t3_table(T3A), t4_table(T4Z), as_images=True))
    write("m16_2024_std.pdf", new_report(
        f"{BY}三元里街道办事处", 2024, "2024年主动公开政府信息275条。", "全年共收到政府信息公开申请48件。",
        t2_2021(T2A), t3_table(T3B), t4_table(T4A)))
