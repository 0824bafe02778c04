"""Tables 二, 三 and 四 of the 2019/2021 templates: grids → figures, by row label × column label.

Grids come from any reader with spans already expanded. A table split over several grids is
joined back; a table whose header rows were dropped falls back to the template's column order;
text with ``|``-separated runs of 7 (table 三) or 15 (table 四) values is read when no grid
held the table.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from disclosure_etl.models import Figure
from disclosure_etl.reports.document import Grid
from disclosure_etl.reports.labels import template_labels
from disclosure_etl.reports.numbers import NUMBER_RE, parse_number
from disclosure_etl.reports.text import label_key

BLANKS = {"", "—", "——", "-", "--", "–", "－", "/", "\\", "无", "空", "—-", "／", "_"}
_GROUP_SEP = re.compile(r"(?<=\d)，(?=\d{3}(?!\d))")
_CELL_VALUE = re.compile(rf"^(?P<n>{NUMBER_RE})(?P<u>件|个|项|条|次|宗|万元|元)?$")

T3_COLS = [
    ("商业企业", "commercial"), ("科研机构", "research"), ("社会公益", "public_interest"),
    ("法律服务", "legal_service"), ("自然人", "natural_person"), ("总计", "total"),
    ("合计", "total"), ("其他", "other_org"),
]  # fmt: skip
T3_COL_NAMES = ["自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", "总计"]
T3_COL_ORDER = ["natural_person", "commercial", "research", "public_interest", "legal_service", "other_org", "total"]
T3_SUBS = {
    "denied": ["国家秘密", "法律行政法规禁止|其他法律", "三安全一稳定|危及", "第三方", "内部事务", "过程性", "执法案卷", "行政查询"],
    "unable": ["不掌握", "现成|另行制作", "补正后|不明确"],
    "notproc": ["信访|举报|投诉", "重复申请", "出版物", "大量反复", "确认|重新出具"],
    "other": ["不补正", "缴纳|收费|费用", "其他"],
}  # fmt: skip
T3_GROUPS = [("不予公开", "denied"), ("无法提供", "unable"), ("不予处理", "notproc"), ("其他处理", "other")]

T4_GROUP_ORDER = ["review", "suit_direct", "suit_after_review"]
T4_RESULT_ORDER = ["upheld", "corrected", "other", "pending", "total"]
T4_GROUP_NAMES = {"review": "行政复议", "suit_direct": "行政诉讼 未经复议直接起诉", "suit_after_review": "行政诉讼 复议后起诉"}
T4_RESULT_NAMES = dict(zip(T4_RESULT_ORDER, ["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"], strict=True))
T4_RESULTS = [("维持", "upheld"), ("纠正", "corrected"), ("其他", "other"), ("未审结", "pending"), ("总计", "total"), ("合计", "total")]  # fmt: skip

T2_ROWS = [
    ("规范性文件", "normative_doc"), ("规章", "regulation"), ("行政许可", "licensing"),
    ("其他对外管理服务", "other_services"), ("行政处罚", "penalty"), ("行政强制", "enforcement"),
    ("行政事业性收费", "fee"), ("政府集中采购", "procurement"), ("集中采购", "procurement"),
]  # fmt: skip
T2_COLS = [
    ("本年制发", "issued"), ("本年废止", "abolished"), ("现行有效", "in_force"),
    ("收费金额", "amount"), ("采购总金额", "amount"), ("采购项目数量", "items"),
    ("上一年项目数量", "prev_year_items"), ("增/减", "change"), ("增减", "change"), ("本年增", "change"),
    ("处理决定数量", "decisions"), ("本年新制作", "new_made"), ("本年新公开", "new_published"),
    ("对外公开总数", "total_published"),
]  # fmt: skip
#: Column labels that only the 2019 / only the 2021 table 二 has.
T2_COLS_2019 = {"new_made", "new_published", "total_published", "prev_year_items", "change", "items"}
T2_COLS_2021 = {"issued", "abolished", "in_force"}


@dataclass
class Cell:
    value: float | None
    is_blank: bool
    approx: bool = False
    unit: str | None = None
    confidence: float | None = None  # set when the cell text was read by OCR (image_tables.OcrText)


@dataclass
class TableResult:
    """Figures read from tables, plus what template detection and status need to know."""

    figures: list[Figure] = field(default_factory=list)
    found: set[str] = field(default_factory=set)  # of "t2", "t3", "t4"
    t2_cols: set[str] = field(default_factory=set)
    t2_rows: set[str] = field(default_factory=set)
    t3_rows: set[str] = field(default_factory=set)
    notes: list[str] = field(default_factory=list)
    flattened: set[str] = field(default_factory=set)  # tables rebuilt from text without markup
    labels: dict[str, int] = field(default_factory=dict)  # template labels seen (labels.template_labels)

    def add(self, metric: str, cell: Cell, unit: str | None, excerpt: str) -> None:
        if any(f.metric == metric for f in self.figures):
            return
        self.figures.append(
            Figure(
                metric, cell.value, cell.unit or unit, cell.is_blank, cell.approx, excerpt,
                extraction="table" if cell.confidence is None else "ocr", confidence=cell.confidence,
            )
        )


def parse_cell(text: str) -> Cell | None:
    """A value cell: number (with optional unit), or blank (None + is_blank). None if neither."""
    confidence = getattr(text, "confidence", None)  # OCR cell text carries its score
    t = label_key(text).replace("（", "").replace("）", "")
    t = _GROUP_SEP.sub(",", t)  # label_key turned the thousands separator of 3,985,758 into ，
    if t in BLANKS:
        return Cell(None, True, confidence=confidence)
    m = _CELL_VALUE.match(t)
    if not m:
        return None
    parsed = parse_number(m.group("n"))
    if parsed is None:
        return None
    unit = m.group("u") if m.group("u") in ("万元", "元") else None
    return Cell(parsed[0], False, parsed[1], unit, confidence)


def classify(grid: Grid) -> str | None:
    """Which template table a grid is (``t2``/``t3``/``t4``), from its labels; None if none."""
    text = label_key(" ".join(" ".join(r) for r in grid[:40]))
    if "申请人情况" in text or "本年新收" in text or ("自然人" in text and "商业企业" in text):
        return "t3"
    if "结果维持" in text or ("尚未审结" in text and "复议" in text):
        return "t4"
    if "第二十条" in text or "信息内容" in text or "行政事业性收费" in text or "行政许可" in text:
        return "t2"
    if any(k in text for k in ("不予公开", "无法提供", "不予处理", "结转下年")):
        return "t3"
    return None


def _has_header(kind: str, grid: Grid) -> bool:
    """Whether a grid starts a table (a continuation after a page break has no header).

    Table 二 is one table of captioned blocks: a later grid of it starts at a block that is not
    the first (第二十条第（一）项 holds 规章), so only a grid with the first block starts it. A
    table 三 starts with its 本年新收 row; a later page may repeat the header above the rest.
    """
    if kind == "t3":
        whole = label_key(" ".join(" ".join(r) for r in grid))
        return "本年新收" in whole or ("商业企业" in whole and not _has_result_rows(grid))
    text = label_key(" ".join(" ".join(r) for r in grid[:6]))
    return {"t4": "维持" in text, "t2": "规章" in text or "第二十条第（一）项" in text}[kind]


def _has_result_rows(grid: Grid) -> bool:
    text = label_key(" ".join(" ".join(r) for r in grid))
    return any(word in text for word, _ in T3_GROUPS) or "结转下年" in text or "予以公开" in text


def _continues(prev: str | None, grid: Grid) -> str | None:
    """``prev`` when a grid with no labels of its own continues that table (a page's last rows)."""
    if prev == "t2" and any(row and _t2_row(row[0]) for row in grid):
        return "t2"
    if prev == "t3" and any(7 <= _trailing_values(row) < min(15, len(row)) for row in grid):  # labelled rows
        return "t3"
    return None


def _trailing_values(row: list[str]) -> int:
    n = 0
    for cell in reversed(row):
        if parse_cell(cell) is None:
            break
        n += 1
    return n


def group_tables(grids: list[Grid]) -> list[tuple[str, Grid]]:
    """Classify grids and join a table split over consecutive grids (continuations have no header)."""
    out: list[tuple[str, Grid]] = []
    for grid in grids:
        kind = classify(grid) or _continues(out[-1][0] if out else None, grid)
        if kind is None:
            if any(_is_value_row(r) and len(r) >= 15 for r in grid):
                kind = "t4"  # table 四 whose header rows were dropped
            else:
                continue
        if out and out[-1][0] == kind and not _has_header(kind, grid):
            out[-1] = (kind, out[-1][1] + grid)
        else:
            out.append((kind, grid))
    return out


def read_tables(grids: list[Grid], lines: list[str]) -> TableResult:
    """Figures of tables 二/三/四 from grids, with the flattened-text fallback for 三 and 四."""
    result = TableResult(labels=template_labels(lines + [" ".join(" ".join(r) for r in g) for g in grids]))
    for kind, grid in group_tables(grids):
        if kind in result.found:
            continue
        {"t2": _read_t2, "t3": _read_t3, "t4": _read_t4}[kind](grid, result)
    if not {"t2", "t3", "t4"} <= result.found:
        _read_flattened(lines, result)
    if not result.found & {"t3", "t4"}:
        _read_stats(grids, lines, result)
    return result


# ---------------------------------------------------------------- table 二


def _t2_row(label: str) -> str | None:
    key = label_key(label)
    for needle, row in T2_ROWS:
        if needle in key:
            return row
    return None


def _t2_col(label: str) -> str | None:
    key = label_key(label)
    for needle, col in T2_COLS:
        if needle in key:
            return col
    return None


def _read_t2(grid: Grid, result: TableResult) -> None:
    cols: dict[str, int] = {}
    headers: list[str] = []
    for row in grid:
        mapped = {i: _t2_col(c) for i, c in enumerate(row)}
        if any(mapped.values()):
            cols, headers = {}, row
            for i, col in mapped.items():
                if col and col not in cols:
                    cols[col] = i
            result.t2_cols.update(cols)
            continue
        if not row or not cols:
            continue
        row_key = _t2_row(row[0])
        if row_key is None:
            continue
        result.t2_rows.add(row_key)
        for col, i in cols.items():
            if i >= len(row) or i == 0:
                continue
            cell = parse_cell(row[i])
            if cell is None:
                result.notes.append(f"t2 cell unreadable: {row[0]} × {headers[i]}: {row[i][:20]}")
                continue
            unit: str | None = "件"
            if col == "amount":
                unit = "万元" if row_key == "fee" or "万元" in headers[i] else None
            result.add(f"t2.{row_key}.{col}", cell, unit, f"{row[0]} × {headers[i]}")
    if result.t2_rows:
        result.found.add("t2")


# ---------------------------------------------------------------- table 三


def t3_row_key(labels: list[str], sticky: str | None) -> tuple[str | None, str | None]:
    """Row key of a table-三 row from its label cells (outer → inner) and the open group."""
    labels = [label_key(x) for x in labels if label_key(x)]
    if not labels:
        return None, sticky
    last, full = labels[-1], "".join(labels)
    if "本年新收" in full:
        return "new_received", None
    if "上年结转" in full:
        return "carried_over", None
    if "结转下年" in full:
        return "carried_forward", None
    if ("总计" in last or "合计" in last) and "小计" not in last:
        return "total_processed", None
    if "予以公开" in last and "不予" not in last:
        return "granted", None
    if "部分公开" in last:
        return "partial", None
    group = next((g for word, g in T3_GROUPS if word in full), None) or sticky
    if group is None:
        return None, sticky
    word = next((w for w, g in T3_GROUPS if g == group), "")
    if word and word in last:
        rest = last.split(word, 1)[1].lstrip("）)：:")
        if not rest or "小计" in rest or not re.match(r"^\d", rest):
            return f"{group}_subtotal", group
        last = rest  # group and sub-item in one cell: （三）不予公开 1.属于国家秘密
    elif "小计" in last:
        return f"{group}_subtotal", group
    for n, needles in enumerate(T3_SUBS[group], start=1):
        if re.search(needles, last):
            return f"{group}_{n}", group
    m = re.match(r"^(\d)", last)
    if m and 1 <= int(m.group(1)) <= len(T3_SUBS[group]):
        return f"{group}_{m.group(1)}", group
    return None, group


def _t3_cols(grid: Grid, first_data: int) -> dict[str, int]:
    cols: dict[str, int] = {}
    width = max((len(r) for r in grid), default=0)
    for c in range(width):
        label = ""
        for r in range(first_data):
            if c < len(grid[r]) and grid[r][c].strip():
                label = label_key(grid[r][c])
        for needle, col in T3_COLS:
            if needle in label and (needle != "其他" or "法人" not in label or label.endswith("其他")):
                if col not in cols:
                    cols[col] = c
                break
    return cols


def _is_value_row(row: list[str]) -> bool:
    vals = [parse_cell(c) for c in row]
    return len(row) >= 5 and all(v is not None for v in vals) and any(v and not v.is_blank for v in vals)


_ENUMERATED = re.compile(r"^\s*(?:[（(][一二三四五六七八九十]{1,2}[）)]|[一二三四五六七八九十]{1,2}[、.．]|\d{1,2}\s*[、.．])")


def join_wrapped_labels(grid: Grid) -> Grid:
    """Join a table-三 group label wrapped over two cells of its column (（四）无 | 法提供).

    A label cell that names no group is joined with the next non-empty cell below it in the
    same column when that cell is no enumerated label of its own and the joined text names a
    group. Both cells get the joined text (as a spanned cell would).
    """
    out = [list(r) for r in grid]
    width = max((len(r) for r in out), default=0)
    for c in range(width):
        for i, row in enumerate(out):
            a = label_key(row[c]) if c < len(row) else ""
            if not a or parse_cell(a) is not None or _names_group(a):
                continue
            j = next((k for k in range(i + 1, len(out)) if c < len(out[k]) and out[k][c].strip()), None)
            if j is None:
                continue
            b = label_key(out[j][c])
            if b != a and not _ENUMERATED.match(b) and parse_cell(b) is None and _names_group(a + b):
                row[c] = out[j][c] = a + b
    return out


def _names_group(label: str) -> bool:
    return any(word in label for word, _ in T3_GROUPS)


def _read_t3(grid: Grid, result: TableResult) -> None:
    grid = join_wrapped_labels(grid)
    rows: list[tuple[str, list[str], list[str]]] = []  # (key, label cells, row)
    first_data = None
    sticky: str | None = None
    width = max((len(r) for r in grid), default=0)
    # first pass: which rows are data rows (label maps to a key, some value-looking cells)
    for i, row in enumerate(grid):
        values = [parse_cell(c) for c in row]
        last_label = max((j for j, v in enumerate(values) if v is None), default=-1)
        label_cells = [c for c, v in zip(row, values, strict=True) if v is None]
        key, sticky = t3_row_key(_dedupe(label_cells), sticky)
        is_header = re.search(r"自然人|商业企业|申请人情况|法人或其他组织", label_key("".join(label_cells)))
        if key and not is_header and len(row) - last_label - 1 >= 7:
            if first_data is None:
                first_data = i
            rows.append((key, _dedupe(label_cells), row))
    if not rows or first_data is None:
        return
    cols = _t3_cols(grid, first_data)
    if len(cols) < 7:
        cols = {col: width - 7 + n for n, col in enumerate(T3_COL_ORDER)}
        result.notes.append("t3 header not found: columns taken in template order")
    has_other_subs = any(k.startswith("other_") and k[6:].isdigit() for k, _, _ in rows)
    for key, labels, row in rows:
        if key == "other_subtotal" and not has_other_subs:
            key = "other"
        result.t3_rows.add(key)
        shift = len(row) - width
        label = " ".join(labels[-2:]) if key.startswith(("denied_", "unable_", "notproc_", "other_")) else labels[-1]
        header = {c: _t3_header(grid, first_data, i) for c, i in cols.items()}
        for col, i in cols.items():
            j = i + shift
            if not 0 <= j < len(row):
                continue
            cell = parse_cell(row[j])
            if cell is None:
                result.notes.append(f"t3 cell unreadable: {label} × {header[col]}")
                continue
            result.add(f"t3.{key}.{col}", cell, "件", f"{label} × {header[col]}")
    result.found.add("t3")


def _t3_header(grid: Grid, first_data: int, c: int) -> str:
    for r in range(first_data - 1, -1, -1):
        if c < len(grid[r]) and grid[r][c].strip():
            return " ".join(grid[r][c].split())
    return T3_COL_ORDER[min(c, 6)] if first_data == 0 else ""


def _dedupe(cells: list[str]) -> list[str]:
    out: list[str] = []
    for c in cells:
        c = " ".join(c.split())
        if c and (not out or out[-1] != c):
            out.append(c)
    return out


# ---------------------------------------------------------------- table 四


def _read_t4(grid: Grid, result: TableResult) -> None:
    data_idx = next((i for i, r in enumerate(grid) if _is_value_row(r) or _all_blank_row(r, i)), None)
    if data_idx is None:
        return
    row = grid[data_idx]
    cols: dict[str, int] = {}
    for c in range(len(row)):
        path = [label_key(grid[r][c]) for r in range(data_idx) if c < len(grid[r]) and grid[r][c].strip()]
        if not path:
            continue
        joined = "".join(path)
        group = (
            "suit_after_review" if "复议后起诉" in joined
            else "suit_direct" if ("未经复议" in joined or "直接起诉" in joined)
            else "review" if "复议" in joined else None
        )  # fmt: skip
        res = next((r for needle, r in T4_RESULTS if needle in path[-1]), None)
        if group and res and f"{group}.{res}" not in cols:
            cols[f"{group}.{res}"] = c
    value_idx = [i for i, c in enumerate(row) if parse_cell(c) is not None]
    if len(cols) < 15:
        if len(value_idx) < 15:
            result.notes.append(f"t4: {len(value_idx)} values, 15 expected")
            return
        value_idx = value_idx[-15:]
        cols = {
            f"{g}.{r}": value_idx[n * 5 + k]
            for n, g in enumerate(T4_GROUP_ORDER)
            for k, r in enumerate(T4_RESULT_ORDER)
        }
        if data_idx == 0:
            result.notes.append("t4 header not found: columns taken in template order")
    for key, c in cols.items():
        cell = parse_cell(row[c])
        if cell is None:
            continue
        g, r = key.split(".")
        result.add(f"t4.{key}", cell, "件", f"{T4_GROUP_NAMES[g]} × {T4_RESULT_NAMES[r]}")
    result.found.add("t4")


def _all_blank_row(row: list[str], i: int) -> bool:
    return i > 0 and len(row) >= 15 and all(label_key(c) in BLANKS for c in row)


# ---------------------------------------------------------------- flattened text


def _read_flattened(lines: list[str], result: TableResult) -> None:
    """Tables not found as grids, rebuilt from text (``flattext``) and read by the same mapper."""
    from disclosure_etl.reports.flattext import flat_tables  # flattext builds on this module

    for table in flat_tables(lines):
        if table.kind in result.found:
            continue
        {"t2": _read_t2, "t3": _read_t3, "t4": _read_t4}[table.kind](table.grid, result)
        if table.kind == "t2":
            result.t2_rows.update(table.rows_seen)
        elif table.kind == "t3":
            result.t3_rows.update(table.rows_seen)
        result.notes.extend(table.notes)
        if table.kind in result.found or table.notes:
            result.found.add(table.kind)
            result.flattened.add(table.kind)
            result.notes.append(f"{table.kind} read from flattened text")


# ---------------------------------------------------------------- 统计表 of old reports


def _read_stats(grids: list[Grid], lines: list[str], result: TableResult) -> None:
    from disclosure_etl.reports.stats_table import (
        read_stats,  # builds on flattext, which builds on this
    )

    stats = read_stats(grids, lines)
    for f in stats.figures:
        if not any(g.metric == f.metric for g in result.figures):
            result.figures.append(f)
    result.notes.extend(stats.notes)


# ---------------------------------------------------------------- other tables (指标统计表)

_UNIT_CELL = re.compile(r"^[（(]?(?:单位[:：])?(条|件|宗|次|篇|个|项|人|人次|万元|元|%)[)）]?$")


def indicator_sentences(grids: list[Grid]) -> list[str]:
    """Rows of tables that are not 二/三/四 (e.g. an attached 指标统计表) as ``label value unit`` text.

    The phrase rules then read them like prose: ``政府网站公开政府信息数 | 条 | 216`` →
    ``政府网站公开政府信息数216条``.
    """
    from disclosure_etl.reports.stats_table import is_stats_grid

    out: list[str] = []
    for grid in grids:
        if classify(grid) is not None or is_stats_grid(grid):  # 统计表 with 累计: read by stats_table
            continue
        for row in grid:
            cells = [" ".join(c.split()) for c in row if c and c.strip()]
            unit = next((m.group(1) for c in cells if (m := _UNIT_CELL.match(label_key(c)))), "")
            values = [c for c in cells if parse_cell(c) is not None and label_key(c) not in BLANKS]
            labels = [c for c in cells if parse_cell(c) is None and not _UNIT_CELL.match(label_key(c))]
            if labels and values:
                out.append(f"{''.join(_dedupe(labels))}{values[-1]}{unit}。")
    return out
