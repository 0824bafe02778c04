"""Annual-report bodies for the replica: HTML (legacy prose, 2019 and 2021 templates with
Word-pasted tables), a PDF (reportlab, STSong-Light) and a DOCX (python-docx).

Every report here is INVENTED test material, except the 鹤龙 2017 text, which is the
project's seed report shipped in ``replica/data/``. Numbers are chosen so that the
identities of report_formats.md §3 hold, except where a report is deliberately broken
(景泰 2021, table 三, 法律服务机构 column: only the T3 balance fails; the other planted
defects are in ``fixtures.PLANTED_FINDINGS``).
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Mapping
from functools import cache
from html import escape
from importlib import resources

T3_COLS: tuple[str, ...] = (
    "natural_person",
    "commercial",
    "research",
    "public_interest",
    "legal_service",
    "other_org",
    "total",
)

DENIED = (
    "1.属于国家秘密",
    "2.其他法律行政法规禁止公开",
    "3.危及“三安全一稳定”",
    "4.保护第三方合法权益",
    "5.属于三类内部事务信息",
    "6.属于四类过程性信息",
    "7.属于行政执法案卷",
    "8.属于行政查询事项",
)
UNABLE = ("1.本机关不掌握相关政府信息", "2.没有现成信息需要另行制作", "3.补正后申请内容仍不明确")
NOTPROC = (
    "1.信访举报投诉类申请",
    "2.重复申请",
    "3.要求提供公开出版物",
    "4.无正当理由大量反复申请",
    "5.要求行政机关确认或重新出具已获取信息",
)
OTHER3 = (
    "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
    "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请",
    "3.其他",
)
T4_GROUPS = ("review", "suit_direct", "suit_after_review")
T4_RESULTS = ("upheld", "corrected", "other", "pending", "total")

Cell = int | float | None  # None = blank cell (&nbsp;)
T3 = dict[str, dict[str, Cell]]


def seed_text() -> str:
    """The 鹤龙街道 2017 annual report (the project's seed), shipped in the package."""
    return (
        resources.files("disclosure_etl.replica")
        .joinpath("data/helong_2017_report.txt")
        .read_text(encoding="utf-8")
    )


def paragraphs(text: str) -> list[str]:
    """Non-empty, stripped lines of a report text."""
    return [ln.strip() for ln in text.splitlines() if ln.strip()]


def paragraphs_html(paras: list[str]) -> str:
    """Each paragraph as a Word-ish ``<p>`` element."""
    return "".join(
        f'<p class=MsoNormal style="text-indent:2em">{escape(p, quote=False)}</p>' for p in paras
    )


# ------------------------------------------------------------------ Word-pasted table cells


def _td(text: str, colspan: int = 1, rowspan: int = 1, width: int = 60) -> str:
    attrs = f" width={width} nowrap"
    if colspan > 1:
        attrs += f" colspan={colspan}"
    if rowspan > 1:
        attrs += f" rowspan={rowspan}"
    inner = "&nbsp;" if text == "" else escape(text, quote=False)
    return (
        f"<td{attrs} style='border:solid windowtext 1.0pt;padding:0cm 5.4pt 0cm 5.4pt'>"
        f"<p class=MsoNormal align=center style='text-align:center'>"
        f"<span style='font-size:10.0pt;font-family:宋体'>{inner}</span></p></td>"
    )


def _num(v: Cell) -> str:
    if v is None:
        return ""
    if isinstance(v, float):
        return f"{v:g}"
    return str(v)


def _table(rows: list[str]) -> str:
    return (
        "<table class=MsoNormalTable border=1 cellspacing=0 cellpadding=0 width=600 "
        "style='border-collapse:collapse;border:none'>"
        + "".join(f"<tr style='height:20.0pt'>{r}</tr>" for r in rows)
        + "</table>"
    )


# ------------------------------------------------------------------ table 二


def table2_html(t2: Mapping[str, Cell], template: str) -> str:
    """Table 二 in the 2021 (4 columns) or 2019 layout; ``t2`` keyed ``row.col``."""
    g = t2.get
    if template == "2021":
        rows = [
            _td("第二十条第（一）项", colspan=4, width=600),
            _td("信息内容") + _td("本年制发件数") + _td("本年废止件数") + _td("现行有效件数"),
            _td("规章")
            + "".join(_td(_num(g(f"regulation.{c}"))) for c in ("issued", "abolished", "in_force")),
            _td("行政规范性文件")
            + "".join(
                _td(_num(g(f"normative_doc.{c}"))) for c in ("issued", "abolished", "in_force")
            ),
            _td("第二十条第（五）项", colspan=4, width=600),
            _td("信息内容") + _td("本年处理决定数量", colspan=3),
            _td("行政许可") + _td(_num(g("licensing.decisions")), colspan=3),
            _td("第二十条第（六）项", colspan=4, width=600),
            _td("信息内容") + _td("本年处理决定数量", colspan=3),
            _td("行政处罚") + _td(_num(g("penalty.decisions")), colspan=3),
            _td("行政强制") + _td(_num(g("enforcement.decisions")), colspan=3),
            _td("第二十条第（八）项", colspan=4, width=600),
            _td("信息内容") + _td("本年收费金额（单位：万元）", colspan=3),
            _td("行政事业性收费") + _td(_num(g("fee.amount")), colspan=3),
        ]
        return _table(rows)
    rows = [
        _td("第二十条第（一）项", colspan=5, width=600),
        _td("信息内容") + _td("本年新制作数量") + _td("本年新公开数量") + _td("对外公开总数量", colspan=2),
    ]
    for key, label in (("regulation", "规章"), ("normative_doc", "规范性文件")):
        rows.append(
            _td(label)
            + _td(_num(g(f"{key}.new_made")))
            + _td(_num(g(f"{key}.new_published")))
            + _td(_num(g(f"{key}.total_published")), colspan=2)
        )
    for caption, items in (
        ("第二十条第（五）项", (("licensing", "行政许可"), ("other_services", "其他对外管理服务事项"))),
        ("第二十条第（六）项", (("penalty", "行政处罚"), ("enforcement", "行政强制"))),
    ):
        rows.append(_td(caption, colspan=5, width=600))
        rows.append(
            _td("信息内容") + _td("上一年项目数量") + _td("本年增/减") + _td("处理决定数量", colspan=2)
        )
        for key, label in items:
            change = g(f"{key}.change")
            rows.append(
                _td(label)
                + _td(_num(g(f"{key}.prev_year_items")))
                + _td(("+" if isinstance(change, int) and change > 0 else "") + _num(change))
                + _td(_num(g(f"{key}.decisions")), colspan=2)
            )
    rows.append(_td("第二十条第（八）项", colspan=5, width=600))
    rows.append(_td("信息内容") + _td("上一年项目数量") + _td("本年增/减", colspan=3))
    rows.append(
        _td("行政事业性收费")
        + _td(_num(g("fee.prev_year_items")))
        + _td(_num(g("fee.change")), colspan=3)
    )
    rows.append(_td("第二十条第（九）项", colspan=5, width=600))
    rows.append(_td("信息内容") + _td("采购项目数量", colspan=2) + _td("采购总金额", colspan=2))
    amount = g("procurement.amount")
    rows.append(
        _td("政府集中采购")
        + _td(_num(g("procurement.items")), colspan=2)
        + _td(f"{_num(amount)}万元" if amount is not None else "", colspan=2)
    )
    return _table(rows)


# ------------------------------------------------------------------ table 三


def t3_row_keys(template: str) -> list[str]:
    """Data-row keys of table 三 in print order."""
    keys = ["new_received", "carried_over", "granted", "partial"]
    keys += [f"denied_{i}" for i in range(1, 9)]
    keys += [f"unable_{i}" for i in range(1, 4)]
    keys += [f"notproc_{i}" for i in range(1, 6)]
    keys += [f"other_{i}" for i in range(1, 4)] if template == "2021" else ["other"]
    keys += ["total_processed", "carried_forward"]
    return keys


def make_t3(
    template: str,
    per_col: Mapping[str, Mapping[str, int]],
    blanks: frozenset[tuple[str, str]] = frozenset(),
    balance_break: Mapping[str, int] | None = None,
) -> T3:
    """Build a table 三 from per-column outcome counts.

    ``per_col[col]`` gives ``carried_over``, ``carried_forward`` and outcome rows; the other
    rows are derived so that every identity holds. ``balance_break[col] = k`` adds k to that
    column's ``new_received`` only (breaking just the T3 balance). ``blanks`` lists
    (row, col) cells printed empty although they hold 0.
    """
    rows = t3_row_keys(template)
    outcome_rows = [r for r in rows if r not in ("new_received", "carried_over", "total_processed", "carried_forward")]
    t3: T3 = {r: {} for r in rows}
    for c in T3_COLS[:-1]:
        src = per_col.get(c, {})
        for r in outcome_rows:
            t3[r][c] = int(src.get(r, 0))
        processed = sum(int(src.get(r, 0)) for r in outcome_rows)
        co = int(src.get("carried_over", 0))
        cf = int(src.get("carried_forward", 0))
        t3["total_processed"][c] = processed
        t3["carried_over"][c] = co
        t3["carried_forward"][c] = cf
        t3["new_received"][c] = processed + cf - co + (balance_break or {}).get(c, 0)
    for r in rows:
        t3[r]["total"] = sum(int(t3[r][c] or 0) for c in T3_COLS[:-1])
    for r, c in blanks:
        if t3[r][c] == 0:
            t3[r][c] = None
    return t3


def table3_html(t3: T3, template: str) -> str:
    """Table 三 with the spans of report_formats.md §6."""
    vals = lambda r: "".join(_td(_num(t3[r][c])) for c in T3_COLS)  # noqa: E731
    rows = [
        _td("（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）", colspan=3, rowspan=3, width=260)
        + _td("申请人情况", colspan=7, width=340),
        _td("自然人", rowspan=2) + _td("法人或其他组织", colspan=5) + _td("总计", rowspan=2),
        _td("商业企业") + _td("科研机构") + _td("社会公益组织") + _td("法律服务机构") + _td("其他"),
        _td("一、本年新收政府信息公开申请数量", colspan=3) + vals("new_received"),
        _td("二、上年结转政府信息公开申请数量", colspan=3) + vals("carried_over"),
        _td("三、本年度办理结果", rowspan=22 if template == "2021" else 20)
        + _td("（一）予以公开", colspan=2)
        + vals("granted"),
        _td("（二）部分公开（区分处理的，只计这一情形，不计其他情形）", colspan=2) + vals("partial"),
    ]
    for i, label in enumerate(DENIED, 1):
        head = _td("（三）不予公开", rowspan=8) if i == 1 else ""
        rows.append(head + _td(label) + vals(f"denied_{i}"))
    for i, label in enumerate(UNABLE, 1):
        head = _td("（四）无法提供", rowspan=3) if i == 1 else ""
        rows.append(head + _td(label) + vals(f"unable_{i}"))
    for i, label in enumerate(NOTPROC, 1):
        head = _td("（五）不予处理", rowspan=5) if i == 1 else ""
        rows.append(head + _td(label) + vals(f"notproc_{i}"))
    if template == "2021":
        for i, label in enumerate(OTHER3, 1):
            head = _td("（六）其他处理", rowspan=3) if i == 1 else ""
            rows.append(head + _td(label) + vals(f"other_{i}"))
    else:
        rows.append(_td("（六）其他处理", colspan=2) + vals("other"))
    rows.append(_td("（七）总计", colspan=2) + vals("total_processed"))
    rows.append(_td("四、结转下年度继续办理", colspan=3) + vals("carried_forward"))
    return _table(rows)


# ------------------------------------------------------------------ table 四


def make_t4(counts: Mapping[str, Mapping[str, int]]) -> dict[str, int]:
    """``counts[group]`` = upheld/corrected/other/pending; totals are derived."""
    out: dict[str, int] = {}
    for g in T4_GROUPS:
        src = counts.get(g, {})
        for r in T4_RESULTS[:-1]:
            out[f"{g}.{r}"] = int(src.get(r, 0))
        out[f"{g}.total"] = sum(out[f"{g}.{r}"] for r in T4_RESULTS[:-1])
    return out


def table4_html(t4: Mapping[str, int]) -> str:
    """Table 四: 15 values in one data row."""
    res = ("结果维持", "结果纠正", "其他结果", "尚未审结", "总计")
    rows = [
        _td("行政复议", colspan=5) + _td("行政诉讼", colspan=10),
        "".join(_td(x, rowspan=2) for x in res)
        + _td("未经复议直接起诉", colspan=5)
        + _td("复议后起诉", colspan=5),
        "".join(_td(x) for x in res) * 2,
        "".join(_td(str(t4[f"{g}.{r}"])) for g in T4_GROUPS for r in T4_RESULTS),
    ]
    return _table(rows)


# ------------------------------------------------------------------ figures


def t3_figures(t3: T3) -> dict[str, Cell]:
    return {f"t3.{r}.{c}": v for r, cols in t3.items() for c, v in cols.items()}


def template_report_html(
    intro: list[str], t2: Mapping[str, Cell], t3: T3, t4: Mapping[str, int], template: str,
    closing: list[str],
) -> str:
    """A 2019/2021-template report: prose sections and tables 二, 三, 四."""
    return (
        paragraphs_html(intro)
        + paragraphs_html(["二、主动公开政府信息情况"])
        + table2_html(t2, template)
        + paragraphs_html(["三、收到和处理政府信息公开申请情况"])
        + table3_html(t3, template)
        + paragraphs_html(["四、政府信息公开行政复议、行政诉讼情况"])
        + table4_html(t4)
        + paragraphs_html(closing)
    )


# ------------------------------------------------------------------ binary formats


def _normalise_zip(data: bytes) -> bytes:
    """Rewrite a zip (DOCX/XLSX) with fixed timestamps so its bytes are stable."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in sorted(src.infolist(), key=lambda i: (i.filename != "[Content_Types].xml", i.filename)):
            zi = zipfile.ZipInfo(info.filename, date_time=(2020, 1, 1, 0, 0, 0))
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.external_attr = 0o644 << 16
            body = src.read(info.filename)
            if info.filename == "docProps/core.xml":  # openpyxl stamps "modified" with now
                body = _W3CDTF.sub(b">2020-01-01T00:00:00Z<", body)
            dst.writestr(zi, body)
    return out.getvalue()


_W3CDTF = re.compile(rb">\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z<")


@cache
def render_pdf(title: str, paras: tuple[str, ...]) -> bytes:
    """A text PDF (CJK via the STSong-Light CID font), byte-stable (reportlab invariant mode)."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4, invariant=1)
    c.setTitle(title)
    c.setAuthor("replica")
    c.setCreator("disclosure-etl replica")
    width, height = A4
    per_line = 38
    y = height - 60
    c.setFont("STSong-Light", 14)
    c.drawString(50, y, title[:per_line])
    if len(title) > per_line:
        y -= 20
        c.drawString(50, y, title[per_line:])
    y -= 30
    c.setFont("STSong-Light", 11)
    for p in paras:
        chunks = [p[i : i + per_line] for i in range(0, len(p), per_line)] or [""]
        for chunk in chunks:
            if y < 60:
                c.showPage()
                c.setFont("STSong-Light", 11)
                y = height - 60
            c.drawString(50, y, chunk)
            y -= 16
        y -= 4
    c.showPage()
    c.save()
    return buf.getvalue()


@cache
def render_docx(
    title: str,
    blocks: tuple[tuple[str, object], ...],
) -> bytes:
    """A DOCX with paragraphs and real Word tables; ``blocks`` are ("p", text) or
    ("table", rows as tuples of cell texts; "" = blank). Byte-stable."""
    import datetime as dt

    from docx import Document

    doc = Document()
    props = doc.core_properties
    fixed = dt.datetime(2020, 1, 15, 9, 0, 0)
    props.created = fixed
    props.modified = fixed
    props.last_printed = fixed
    props.author = "replica"
    props.last_modified_by = "replica"
    props.title = title
    props.revision = 1
    doc.add_heading(title, level=1)
    for kind, payload in blocks:
        if kind == "p":
            doc.add_paragraph(str(payload))
        else:
            rows = list(payload)  # type: ignore[call-overload]
            ncols = max(len(r) for r in rows)
            table = doc.add_table(rows=len(rows), cols=ncols)
            table.style = "Table Grid"
            for trow, row in zip(table.rows, rows, strict=True):
                cells = trow.cells
                for j, text in enumerate(row):
                    cells[j].text = str(text)
    buf = io.BytesIO()
    doc.save(buf)
    return _normalise_zip(buf.getvalue())


def t3_grid(t3: T3, template: str) -> tuple[tuple[str, ...], ...]:
    """Table 三 as a plain grid (label column + 7 values) for the DOCX table."""
    labels = {
        "new_received": "一、本年新收政府信息公开申请数量",
        "carried_over": "二、上年结转政府信息公开申请数量",
        "granted": "（一）予以公开",
        "partial": "（二）部分公开",
        "other": "（六）其他处理",
        "total_processed": "（七）总计",
        "carried_forward": "四、结转下年度继续办理",
    }
    for i, lab in enumerate(DENIED, 1):
        labels[f"denied_{i}"] = ("（三）不予公开 " if i == 1 else "") + lab
    for i, lab in enumerate(UNABLE, 1):
        labels[f"unable_{i}"] = ("（四）无法提供 " if i == 1 else "") + lab
    for i, lab in enumerate(NOTPROC, 1):
        labels[f"notproc_{i}"] = ("（五）不予处理 " if i == 1 else "") + lab
    for i, lab in enumerate(OTHER3, 1):
        labels[f"other_{i}"] = ("（六）其他处理 " if i == 1 else "") + lab
    head = ("申请人情况", "自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", "总计")
    body = tuple(
        (labels[r],) + tuple(_num(t3[r][c]) for c in T3_COLS) for r in t3_row_keys(template)
    )
    return (head,) + body


def t4_grid(t4: Mapping[str, int]) -> tuple[tuple[str, ...], ...]:
    res = ("结果维持", "结果纠正", "其他结果", "尚未审结", "总计")
    return (
        ("行政复议",) * 5 + ("行政诉讼（未经复议直接起诉）",) * 5 + ("行政诉讼（复议后起诉）",) * 5,
        res * 3,
        tuple(str(t4[f"{g}.{r}"]) for g in T4_GROUPS for r in T4_RESULTS),
    )


def t2_grid_2019(t2: Mapping[str, Cell]) -> tuple[tuple[str, ...], ...]:
    g = t2.get
    return (
        ("第二十条第（一）项", "", "", ""),
        ("信息内容", "本年新制作数量", "本年新公开数量", "对外公开总数量"),
        ("规章", _num(g("regulation.new_made")), _num(g("regulation.new_published")), _num(g("regulation.total_published"))),
        ("规范性文件", _num(g("normative_doc.new_made")), _num(g("normative_doc.new_published")), _num(g("normative_doc.total_published"))),
        ("第二十条第（五）项", "", "", ""),
        ("信息内容", "上一年项目数量", "本年增/减", "处理决定数量"),
        ("行政许可", _num(g("licensing.prev_year_items")), _num(g("licensing.change")), _num(g("licensing.decisions"))),
        ("其他对外管理服务事项", _num(g("other_services.prev_year_items")), _num(g("other_services.change")), _num(g("other_services.decisions"))),
        ("第二十条第（六）项", "", "", ""),
        ("信息内容", "上一年项目数量", "本年增/减", "处理决定数量"),
        ("行政处罚", _num(g("penalty.prev_year_items")), _num(g("penalty.change")), _num(g("penalty.decisions"))),
        ("行政强制", _num(g("enforcement.prev_year_items")), _num(g("enforcement.change")), _num(g("enforcement.decisions"))),
        ("第二十条第（八）项", "", "", ""),
        ("信息内容", "上一年项目数量", "本年增/减", ""),
        ("行政事业性收费", _num(g("fee.prev_year_items")), _num(g("fee.change")), ""),
        ("第二十条第（九）项", "", "", ""),
        ("信息内容", "采购项目数量", "采购总金额", ""),
        ("政府集中采购", _num(g("procurement.items")), _num(g("procurement.amount")) + "万元", ""),
    )


@cache
def render_xlsx() -> bytes:
    """A small spreadsheet used for filler .xlsx attachments (byte-stable)."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "附表"
    ws.append(["序号", "项目", "金额（万元）"])
    for i in range(1, 6):
        ws.append([i, f"项目{i}", i * 12.5])
    wb.properties.creator = "replica"
    import datetime as dt

    wb.properties.created = dt.datetime(2020, 1, 1)
    wb.properties.modified = dt.datetime(2020, 1, 1)
    buf = io.BytesIO()
    wb.save(buf)
    return _normalise_zip(buf.getvalue())


def fake_pdf(label: str) -> bytes:
    """A minimal valid one-page PDF whose text is ``label`` (ASCII); cheap, deterministic."""
    text = label.encode("ascii", "replace").replace(b"(", b"[").replace(b")", b"]")
    stream = b"BT /F1 12 Tf 50 780 Td (" + text + b") Tj ET"
    objs = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for i, body in enumerate(objs, 1):
        offsets.append(len(out))
        out += f"{i} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objs) + 1}\n0000000000 65535 f \n".encode()
    for off in offsets:
        out += f"{off:010d} 00000 n \n".encode()
    out += f"trailer\n<< /Size {len(objs) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)
