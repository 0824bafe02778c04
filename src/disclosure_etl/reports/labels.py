"""Labels that only the national 2019 / 2021 templates print (template evidence in any text)."""

from __future__ import annotations

import re

from disclosure_etl.reports.text import label_key

#: Labels of one template only (matched on label_key text).
LABELS_2019 = ("本年新制作数量", "本年新公开数量", "对外公开总数量", "上一年项目数量", "其他对外管理服务事项", "采购项目数量")
LABELS_2021 = ("本年制发件数", "本年废止件数", "现行有效件数", "本年收费金额", "逾期不补正", "逾期未按收费通知要求缴纳费用")
#: Labels both templates have and old reports do not.
LABELS_TEMPLATE = (
    "申请人情况", "本年新收政府信息公开申请数量", "上年结转政府信息公开申请数量", "结转下年度继续办理",
    "未经复议直接起诉", "复议后起诉", "收到和处理政府信息公开申请",
)  # fmt: skip
_CAPTION = re.compile(r"第二十条第（[一二三四五六七八九十]{1,2}）项")


def template_labels(texts: list[str]) -> dict[str, int]:
    """How many labels of each kind (``2019``, ``2021``, ``template``) the texts hold."""
    text = label_key(" ".join(texts))
    return {
        "2019": sum(label in text for label in LABELS_2019),
        "2021": sum(label in text for label in LABELS_2021),
        "template": sum(label in text for label in LABELS_TEMPLATE) + len(set(_CAPTION.findall(text))),
    }
