"""Generate the labelled report corpus (HTML, PDF, DOCX) beside this file.

Run: ``.venv/bin/python tests/reports/corpus/generate.py``. The generated files are committed;
tests read them and never regenerate. Labels (``*.label.json``) are written from the same
spec by its authors, not produced here: a regression corpus, not evidence (see README.md).

A report is a list of blocks: ("h", text) title, ("p", text) paragraph, ("t", SpanTable),
("img", filename), ("pipe", SpanTable) a table flattened to ``|`` text lines (broken markup).
"""

from __future__ import annotations

import datetime
import html
import io
import sys
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent

# ---------------------------------------------------------------- span tables


@dataclass
class SpanTable:
    cells: list[tuple[int, int, int, int, str]] = field(default_factory=list)  # r, c, rs, cs, text
    rows: int = 0
    cols: int = 0

    def add(self, r: int, c: int, text: str, rs: int = 1, cs: int = 1) -> None:
        self.cells.append((r, c, rs, cs, text))
        self.rows = max(self.rows, r + rs)
        self.cols = max(self.cols, c + cs)

    def split(self, at: int) -> tuple[SpanTable, SpanTable]:
        a, b = SpanTable(), SpanTable()
        for r, c, rs, cs, t in self.cells:
            if r < at:
                a.add(r, c, t, min(rs, at - r), cs)
                if r + rs > at:
                    b.add(0, c, t, r + rs - at, cs)
            else:
                b.add(r - at, c, t, rs, cs)
        return a, b

    def drop_rows(self, n: int) -> SpanTable:
        out = SpanTable()
        for r, c, rs, cs, t in self.cells:
            if r >= n:
                out.add(r - n, c, t, rs, cs)
        return out

    def pipe_lines(self) -> list[str]:
        lines = []
        for r in range(self.rows):
            row = sorted((c, t) for rr, c, _, _, t in self.cells if rr == r)
            lines.append("| " + " | ".join(t for _, t in row) + " |")
        return lines


def fmt(v: Any, blank: str = "") -> str:
    if v is None:
        return blank
    if isinstance(v, float) and not v.is_integer():
        return str(v)
    return str(int(v)) if isinstance(v, float) else str(v)


# ---------------------------------------------------------------- the template tables

T3_LABELS_2021 = {
    "denied": ["1.属于国家秘密", "2.其他法律行政法规禁止公开", "3.危及“三安全一稳定”", "4.保护第三方合法权益",
               "5.属于三类内部事务信息", "6.属于四类过程性信息", "7.属于行政执法案卷", "8.属于行政查询事项"],
    "unable": ["1.本机关不掌握相关政府信息", "2.没有现成信息需要另行制作", "3.补正后申请内容仍不明确"],
    "notproc": ["1.信访举报投诉类申请", "2.重复申请", "3.要求提供公开出版物", "4.无正当理由大量反复申请",
                "5.要求行政机关确认或重新出具已获取信息"],
    "other": ["1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
              "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请", "3.其他"],
}  # fmt: skip
GROUP_LABELS = {"denied": "（三）不予公开", "unable": "（四）无法提供", "notproc": "（五）不予处理", "other": "（六）其他处理"}
COLS = ["自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", "总计"]


def t3_table(
    rows: dict[str, list[Any]],
    template: str = "2021",
    blank: str = "0",
    subtotals: dict[str, list[Any]] | None = None,
    relabel: dict[str, str] | None = None,
) -> SpanTable:
    """Table 三 in the national layout; ``rows`` maps row keys to 7 values (missing → zeros)."""
    rl = relabel or {}
    subtotals = subtotals or {}
    t = SpanTable()

    def lab(s: str) -> str:
        for a, b in rl.items():
            s = s.replace(a, b)
        return s

    def vals(r: int, key: str, c0: int = 3) -> None:
        for i, v in enumerate(rows.get(key, [0] * 7)):
            t.add(r, c0 + i, fmt(v, blank))

    t.add(0, 0, "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）", rs=3, cs=3)
    t.add(0, 3, "申请人情况", cs=7)
    t.add(1, 3, lab("自然人"), rs=2)
    t.add(1, 4, "法人或其他组织", cs=5)
    t.add(1, 9, lab("总计"), rs=2)
    for i, name in enumerate(["商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他"]):
        t.add(2, 4 + i, lab(name))
    t.add(3, 0, "一、本年新收政府信息公开申请数量", cs=3)
    vals(3, "new_received")
    t.add(4, 0, "二、上年结转政府信息公开申请数量", cs=3)
    vals(4, "carried_over")
    r = 5
    start = r
    t.add(r, 1, "（一）予以公开", cs=2)
    vals(r, "granted")
    r += 1
    t.add(r, 1, "（二）部分公开（区分处理的，只计这一情形，不计其他情形）", cs=2)
    vals(r, "partial")
    r += 1
    for group in ("denied", "unable", "notproc", "other"):
        subs = T3_LABELS_2021[group]
        if group == "other" and template == "2019":
            t.add(r, 1, GROUP_LABELS[group], cs=2)
            vals(r, "other")
            r += 1
            continue
        n = len(subs) + (1 if group in subtotals else 0)
        t.add(r, 1, lab(GROUP_LABELS[group]), rs=n)
        for i, sub in enumerate(subs, start=1):
            t.add(r, 2, lab(sub))
            vals(r, f"{group}_{i}")
            r += 1
        if group in subtotals:
            t.add(r, 2, "小计")
            for i, v in enumerate(subtotals[group]):
                t.add(r, 3 + i, fmt(v, blank))
            r += 1
    t.add(r, 1, lab("（七）总计"), cs=2)
    vals(r, "total_processed")
    r += 1
    t.add(start, 0, "三、本年度办理结果", rs=r - start)
    t.add(r, 0, "四、结转下年度继续办理", cs=3)
    vals(r, "carried_forward")
    return t


def t4_table(values: list[Any], blank: str = "0") -> SpanTable:
    t = SpanTable()
    t.add(0, 0, "行政复议", cs=5)
    t.add(0, 5, "行政诉讼", cs=10)
    res = ["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"]
    for i, name in enumerate(res):
        t.add(1, i, name, rs=2)
    t.add(1, 5, "未经复议直接起诉", cs=5)
    t.add(1, 10, "复议后起诉", cs=5)
    for i, name in enumerate(res * 2):
        t.add(2, 5 + i, name)
    for i, v in enumerate(values):
        t.add(3, i, fmt(v, blank))
    return t


def t2_2021(v: dict[str, Any]) -> SpanTable:
    t = SpanTable()
    r = 0
    t.add(r, 0, "第二十条第（一）项", cs=4)
    t.add(r + 1, 0, "信息内容")
    for i, h in enumerate(["本年制发件数", "本年废止件数", "现行有效件数"]):
        t.add(r + 1, 1 + i, h)
    r += 2
    for label, key in (("规章", "regulation"), ("行政规范性文件", "normative_doc")):
        t.add(r, 0, label)
        for i, col in enumerate(["issued", "abolished", "in_force"]):
            t.add(r, 1 + i, fmt(v.get(f"{key}.{col}", 0)))
        r += 1
    for cap, head, items in (
        ("第二十条第（五）项", "本年处理决定数量", [("行政许可", "licensing")]),
        ("第二十条第（六）项", "本年处理决定数量", [("行政处罚", "penalty"), ("行政强制", "enforcement")]),
        ("第二十条第（八）项", "本年收费金额（单位：万元）", [("行政事业性收费", "fee")]),
    ):
        t.add(r, 0, cap, cs=4)
        t.add(r + 1, 0, "信息内容")
        t.add(r + 1, 1, head, cs=3)
        r += 2
        for label, key in items:
            t.add(r, 0, label)
            col = "amount" if key == "fee" else "decisions"
            t.add(r, 1, fmt(v.get(f"{key}.{col}", 0)), cs=3)
            r += 1
    return t


def t2_2019(v: dict[str, Any]) -> SpanTable:
    """2019 layout; caption rows span 5 columns and values sit in cells of uneven width."""
    t = SpanTable()
    r = 0

    def block(cap: str, heads: list[tuple[str, int]], items: list[tuple[str, str]], cols: list[str]) -> None:
        nonlocal r
        t.add(r, 0, cap, cs=5)
        t.add(r + 1, 0, "信息内容")
        c = 1
        for h, w in heads:
            t.add(r + 1, c, h, cs=w)
            c += w
        r += 2
        for label, key in items:
            t.add(r, 0, label)
            c = 1
            for (_, w), col in zip(heads, cols, strict=True):
                t.add(r, c, fmt(v.get(f"{key}.{col}", 0)), cs=w)
                c += w
            r += 1

    block("第二十条第（一）项", [("本年新制作数量", 1), ("本年新公开数量", 1), ("对外公开总数量", 2)],
          [("规章", "regulation"), ("规范性文件", "normative_doc")], ["new_made", "new_published", "total_published"])
    three = [("上一年项目数量", 1), ("本年增/减", 1), ("处理决定数量", 2)]
    block("第二十条第（五）项", three, [("行政许可", "licensing"), ("其他对外管理服务事项", "other_services")],
          ["prev_year_items", "change", "decisions"])
    block("第二十条第（六）项", three, [("行政处罚", "penalty"), ("行政强制", "enforcement")],
          ["prev_year_items", "change", "decisions"])
    block("第二十条第（八）项", [("上一年项目数量", 2), ("本年增/减", 2)], [("行政事业性收费", "fee")],
          ["prev_year_items", "change"])
    block("第二十条第（九）项", [("采购项目数量", 2), ("采购总金额", 2)], [("政府集中采购", "procurement")],
          ["items", "amount"])
    return t  # fmt: skip


# ---------------------------------------------------------------- renderers


def grid_of(t: SpanTable) -> list[list[str | None]]:
    g: list[list[str | None]] = [[None] * t.cols for _ in range(t.rows)]
    for r, c, _, _, text in t.cells:
        g[r][c] = text
    return g


def to_html(blocks: list[tuple[str, Any]], full_page: bool, extra_head: str = "", word_style: bool = True) -> bytes:
    out: list[str] = []
    for kind, x in blocks:
        if kind == "h":
            out.append(f"<p align=center><b><span style='font-size:16pt'>{html.escape(x)}</span></b></p>")
        elif kind == "p":
            cls = " class=MsoNormal" if word_style else ""
            out.append(f"<p{cls} style='text-indent:2em'><span style='font-family:仿宋'>{html.escape(x)}</span></p>")
        elif kind == "img":
            out.append(f"<p align=center><img src='{x}' width=600></p>")
        elif kind == "pipe":
            out.extend(f"<p>{html.escape(line)}</p>" for line in x.pipe_lines())
        elif kind == "t":
            rows: dict[int, list[str]] = {}
            for r, _c, rs, cs, text in sorted(x.cells, key=lambda z: (z[0], z[1])):
                attrs = (f" rowspan={rs}" if rs > 1 else "") + (f" colspan={cs}" if cs > 1 else "")
                body = html.escape(text) if text else "&nbsp;"
                cell = (f"<td{attrs} nowrap width={40 * cs} valign=center><p class=MsoNormal align=center>"
                        f"<span style='font-size:10pt'>{body}</span></p></td>") if word_style else f"<td{attrs}>{body}</td>"
                rows.setdefault(r, []).append(cell)
            trs = "".join(f"<tr>{''.join(rows.get(r, []))}</tr>\n" for r in range(x.rows))
            out.append(f"<table class=MsoNormalTable border=1 cellspacing=0 cellpadding=0>\n<tbody>{trs}</tbody></table>")
    body = "\n".join(out)
    if not full_page:
        return body.encode("utf-8")
    return (f"<!DOCTYPE html><html><head><meta charset='utf-8'>{extra_head}</head><body>"
            f"<div class='header'><img src='/images/logo.png'></div><div class=content>{body}</div></body></html>").encode()


def png_bytes() -> bytes:
    from PIL import Image, ImageDraw

    img = Image.new("RGB", (300, 120), "white")
    d = ImageDraw.Draw(img)
    for y in range(0, 120, 20):
        d.line([(0, y), (300, y)], fill="black")
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return buf.getvalue()


def to_pdf(blocks: list[tuple[str, Any]]) -> bytes:
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.platypus import Image, Paragraph, SimpleDocTemplate, Table, TableStyle

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    st = ParagraphStyle("s", fontName="STSong-Light", fontSize=10, leading=14)
    cell = ParagraphStyle("c", fontName="STSong-Light", fontSize=6, leading=7.5)
    story: list[Any] = []
    for kind, x in blocks:
        if kind in ("h", "p"):
            story.append(Paragraph(html.escape(x), st))
        elif kind == "img":
            story.append(Image(io.BytesIO(png_bytes()), width=300, height=120))
        elif kind == "pipe":
            story.extend(Paragraph(html.escape(line), st) for line in x.pipe_lines())
        elif kind == "t":
            data = [[Paragraph(html.escape(v), cell) if v else "" for v in row] for row in grid_of(x)]
            style = [("GRID", (0, 0), (-1, -1), 0.5, "black"), ("FONT", (0, 0), (-1, -1), "STSong-Light", 6),
                     ("TOPPADDING", (0, 0), (-1, -1), 1), ("BOTTOMPADDING", (0, 0), (-1, -1), 1)]
            style += [("SPAN", (c, r), (c + cs - 1, r + rs - 1)) for r, c, rs, cs, _ in x.cells if rs > 1 or cs > 1]
            widths: list[float | None] = [None] * x.cols
            if x.cols == 10:
                widths = [40.0, 60.0, 140.0] + [36.0] * 7
            elif x.cols == 15:
                widths = [34.0] * 15
            story.append(Table(data, colWidths=widths, style=TableStyle(style), repeatRows=0))
    buf = io.BytesIO()
    SimpleDocTemplate(buf, pagesize=A4, invariant=1, leftMargin=30, rightMargin=30).build(story)
    return buf.getvalue()


def to_docx(blocks: list[tuple[str, Any]]) -> bytes:
    import docx

    d = docx.Document()
    for kind, x in blocks:
        if kind == "h":
            d.add_heading(x, level=1)
        elif kind == "p":
            d.add_paragraph(x)
        elif kind == "img":
            d.add_picture(io.BytesIO(png_bytes()))
        elif kind == "pipe":
            for line in x.pipe_lines():
                d.add_paragraph(line)
        elif kind == "t":
            table = d.add_table(rows=x.rows, cols=x.cols)
            table.style = "Table Grid"
            for r, c, rs, cs, text in x.cells:
                target = table.cell(r, c)
                if rs > 1 or cs > 1:
                    target = target.merge(table.cell(r + rs - 1, c + cs - 1))
                target.text = text
    buf = io.BytesIO()
    d.core_properties.created = datetime.datetime(2024, 1, 1)
    d.core_properties.modified = datetime.datetime(2024, 1, 1)
    d.save(buf)
    return _fixed_zip_times(buf.getvalue())


def _fixed_zip_times(data: bytes) -> bytes:
    """Rewrite a zip with fixed member times so regenerating gives identical bytes."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(zipfile.ZipInfo(info.filename, date_time=(2024, 1, 1, 0, 0, 0)), src.read(info))
    return out.getvalue()


def write(name: str, blocks: list[tuple[str, Any]], **kw: Any) -> None:
    ext = name.rsplit(".", 1)[1]
    data = {"html": lambda: to_html(blocks, **kw), "pdf": lambda: to_pdf(blocks), "docx": lambda: to_docx(blocks)}[ext]()
    (HERE / name).write_bytes(data)


if __name__ == "__main__":
    sys.path.insert(0, str(HERE))
    from reports_spec import build_all  # noqa: E402

    build_all(write)
