"""Tables 二/三/四 whose markup was lost: text of labels and runs of (often fused) digits → grids.

An archive's text of a report page keeps the table cells in reading order but drops the cell
borders, so a row reads ``一、本年新收政府信息公开申请数量230 000023`` (cells 23 0 0 0 0 0 23)
or ``行政许可3960181``. This module cuts such text into label segments and value chunks, finds
every way a row's chunks can be cut into the row's number of cells (no leading zeros), and
keeps a split only when it is the one split the table's own identities allow:

* table 三: each row's columns add up to its 总计 column; per column, 本年新收 + 上年结转 =
  总计 + 结转下年, and the 办理结果 rows add up to 总计;
* table 四: in each group, 维持 + 纠正 + 其他 + 尚未审结 = 总计;
* table 二: no identity, so a row is read only when its digits split one way.

A row with no unique split is left out, with a note naming its digits. The result is grids
(header rows + label/value rows) that go through the same row-label × column-label mapper as
tables read from HTML, PDF or DOCX. Lines with ``|``-separated cells are read the same way;
each such cell is one value and never split.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from disclosure_etl.reports.document import Grid
from disclosure_etl.reports.tables import (
    T2_COLS,
    T2_ROWS,
    T3_COL_NAMES,
    T4_GROUP_NAMES,
    T4_GROUP_ORDER,
    T4_RESULT_NAMES,
    T4_RESULT_ORDER,
    parse_cell,
    t3_row_key,
)
from disclosure_etl.reports.text import label_key, nfkc

#: Most splits of one row considered; a row with more is reported as not splittable.
MAX_SPLITS = 2000
#: Most steps spent enumerating the splits of one row.
MAX_STEPS = 200_000
#: Most combinations of ambiguous table-三 rows tried against the column identities.
MAX_COMBINATIONS = 20000

_NUM = r"[+\-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?:万元|元)?"
_GROUPED = re.compile(r"\d,\d{3}")  # 3,985,758: one number, written with separators
_BLANK = r"(?<!\S)(?:—{1,2}|－|-{1,2}|/|／)(?!\S)"  # a blank cell mark standing on its own
_RUN = re.compile(rf"(?<![\d.])(?:{_NUM}|{_BLANK})(?:[ \t]+(?:{_NUM}|{_BLANK})|(?<=\d)[+\-]\d+(?:\.\d+)?)*")
_BLANK_TOKEN = re.compile(rf"^{_BLANK}$")
#: A label ending in a dash or slash: blank marks fused to the label, so the cells cannot be told.
_DASH_END = re.compile(r"[—－\-/／]$")
_ENUM_AFTER = re.compile(r"^\s*[.．、](?=\s*[^\d\s.．、])")
_PIECE = re.compile(r"(?:0|[1-9]\d*)(?:\.\d+)?")
_UNIT = re.compile(r"(万元|元)$")
_PART_START = re.compile(
    r"(?=(?<![一二三四五六七八九十])[一二三四五六七八九十]{1,2}、"
    r"|[（(][一二三四五六七八九十]{1,2}[）)]|(?<!\d)\d[.．、](?=\D))"
)


@dataclass
class Chunk:
    """Text of one value run piece: ``atomic`` chunks (a ``|`` cell) are one cell each."""

    text: str
    atomic: bool = False


@dataclass
class Segment:
    """Label text (as parts, outer → inner) and the value chunks that follow it."""

    labels: list[str]
    chunks: list[Chunk] = field(default_factory=list)

    @property
    def label(self) -> str:
        return "".join(self.labels)

    @property
    def fused_blank(self) -> bool:
        """Blank marks fused to the label (行政许可——181): which cells are blank cannot be told."""
        return bool(self.labels) and bool(_DASH_END.search(self.labels[-1].strip()))

    def digits(self) -> str:
        return " ".join(c.text or "∅" for c in self.chunks)


@dataclass
class FlatTable:
    """One table rebuilt from text: a grid for the mapper, the row keys seen, and notes."""

    kind: str  # t2 | t3 | t4
    grid: Grid
    rows_seen: set[str] = field(default_factory=set)
    notes: list[str] = field(default_factory=list)


# ---------------------------------------------------------------- segments


def segments(lines: list[str]) -> list[Segment]:
    """Cut text into label segments, each with the value chunks after it."""
    out: list[Segment] = [Segment([])]
    for raw in lines:
        line = nfkc(raw)
        if "|" in line:
            _piped(line, out)
        else:
            _plain(line, out)
    return [s for s in out if s.labels or s.chunks]


def _add_label(out: list[Segment], text: str) -> None:
    text = " ".join(text.split())
    if not text:
        return
    if out[-1].chunks:
        out.append(Segment([]))
    out[-1].labels.append(text)


def _piped(line: str, out: list[Segment]) -> None:
    for cell in line.strip().strip("|").split("|"):
        if parse_cell(cell) is not None:
            out[-1].chunks.append(Chunk(label_key(cell), atomic=True))
        else:
            _add_label(out, cell)


def _plain(line: str, out: list[Segment]) -> None:
    pos = 0
    for m in _RUN.finditer(line):
        run, end = m.group(), m.end()
        if _ENUM_AFTER.match(line[end:]):  # 0000000 + "2.其他法律…": the last digit enumerates
            run, end = run[:-1].rstrip(), end - 1
        if not run:
            continue
        _add_label(out, line[pos : m.start()])
        for token in re.split(r"\s+|(?<=\d)(?=[+\-]\d)", run):
            if token:
                out[-1].chunks.append(Chunk(token, atomic=bool(_BLANK_TOKEN.match(token) or _GROUPED.search(token))))
        pos = end
    _add_label(out, line[pos:])


def label_parts(labels: list[str]) -> list[str]:
    """Label text cut before each enumerator (三、… （四）… 1.…): outer → inner parts."""
    parts: list[str] = []
    for text in labels:
        bounds = [m.start() for m in _PART_START.finditer(text)] + [len(text)]
        if bounds[0] != 0:
            bounds.insert(0, 0)
        parts.extend(p for a, b in itertools.pairwise(bounds) if (p := text[a:b].strip()))
    return parts


# ---------------------------------------------------------------- splitting


def splits(chunks: list[Chunk], n: int) -> list[list[str]] | None:
    """Every way to cut the chunks into ``n`` cell texts; None when there are too many to try."""
    budget = [MAX_STEPS]
    out: list[list[str]] = []
    for cut in _cuts(chunks, 0, n, budget):
        out.append(cut)
        if len(out) > MAX_SPLITS:
            return None
    return None if budget[0] <= 0 else out


def _cuts(chunks: list[Chunk], i: int, n: int, budget: list[int]) -> Iterator[list[str]]:
    if i == len(chunks):
        if n == 0:
            yield []
        return
    rest = len(chunks) - i - 1
    chunk = chunks[i]
    if chunk.atomic:
        options: Iterator[list[str]] = iter([[chunk.text]])
    else:
        unit_m = _UNIT.search(chunk.text)
        unit = unit_m.group(1) if unit_m else ""
        sign = chunk.text[0] if chunk.text[0] in "+-" else ""
        digits = chunk.text[len(sign) : len(chunk.text) - len(unit)]
        options = (
            [sign + p[0], *p[1:-1], p[-1] + unit] if len(p) > 1 else [sign + p[0] + unit]
            for p in _pieces(digits, n - rest, budget)
            if p
        )
    for pieces in options:
        for tail in _cuts(chunks, i + 1, n - len(pieces), budget):
            yield pieces + tail


def _pieces(digits: str, most: int, budget: list[int]) -> Iterator[list[str]]:
    """Ways to cut a digit string into at most ``most`` numbers without leading zeros."""
    budget[0] -= 1
    if budget[0] <= 0:
        return
    if not digits:
        yield []
        return
    if most <= 0:
        return
    for j in range(1, len(digits) + 1):
        head = digits[:j]
        if _PIECE.fullmatch(head) and (j == len(digits) or digits[j] != "."):
            for tail in _pieces(digits[j:], most - 1, budget):
                yield [head, *tail]


def _value(text: str) -> float:
    """A cell's number for the identities; a blank cell counts as 0."""
    try:
        return float(_UNIT.sub("", text) or 0)
    except ValueError:
        return 0.0


# ---------------------------------------------------------------- the tables


def flat_tables(lines: list[str]) -> list[FlatTable]:
    """Tables 二/三/四 found in text lines, as grids for the mapper (empty list if none)."""
    segs = segments(lines)
    out: list[FlatTable] = []
    for reader in (_t2, _t3, _t4):
        table = reader(segs)
        if table is not None:
            out.append(table)
    return out


def _t2(segs: list[Segment]) -> FlatTable | None:
    table = FlatTable("t2", [])
    cols: list[str] = []
    started = False
    for seg in segs:
        label = label_key(seg.label)
        if started and ("申请人情况" in label or "本年新收" in label or "收到和处理" in label):
            break
        rows = [(m.start(), needle) for needle, _ in T2_ROWS for m in re.finditer(re.escape(needle), label)]
        if not rows:
            continue
        pos, _ = max(rows)
        head = label[:pos]
        for caption in ("第二十条", "信息内容"):  # the block's own header, not the prose before it
            if caption in head:
                head = head[head.rfind(caption) :]
                break
        else:
            head = head[-40:]
        found = sorted(
            (m.start(), m.end(), needle) for needle, _ in T2_COLS for m in re.finditer(re.escape(needle), head)
        )
        header = _non_overlapping(found)
        if header:
            cols, started = header, True
            table.grid.append(["信息内容", *cols])
        if not started or not cols:
            continue
        row_label = label[pos:]
        _t2_row(table, row_label, seg, len(cols))
    return table if started else None


def _non_overlapping(found: list[tuple[int, int, str]]) -> list[str]:
    out: list[str] = []
    end = -1
    for start, stop, needle in found:
        if start >= end:
            out.append(needle)
            end = stop
    return out


def _t2_row(table: FlatTable, row_label: str, seg: Segment, n: int) -> None:
    key = next(k for needle, k in T2_ROWS if needle in row_label)
    table.rows_seen.add(key)
    cands = splits(seg.chunks, n) if seg.chunks and not seg.fused_blank else []
    if cands is not None and len(cands) == 1:
        table.grid.append([row_label, *cands[0]])
    elif seg.chunks:
        table.notes.append(f"t2 row {key}: digits {seg.digits()} cannot be split uniquely")


def _t3(segs: list[Segment]) -> FlatTable | None:
    start = next((i for i, s in enumerate(segs) if "本年新收" in label_key(s.label) and _cells_at_least(s, 7)), None)
    if start is None:
        return None
    table = FlatTable("t3", [])
    first = label_parts(segs[start].labels)
    header = t3_header(label_key("".join(first[:-1])))
    if header:
        table.grid.append(["", "", "", *header])
    total = header.index("总计") if header else 6
    cands: dict[str, list[list[str]]] = {}
    labels: dict[str, list[str]] = {}
    digits: dict[str, str] = {}
    sticky: str | None = None
    for n, seg in enumerate(segs[start:]):
        parts = label_parts(seg.labels)[-3:] if n else first[-1:]
        key, sticky = t3_row_key(parts, sticky)
        if key is None or key in cands:
            if "复议" in label_key(seg.label):
                break
            continue
        table.rows_seen.add(key)
        got = splits(seg.chunks, 7) if not seg.fused_blank else None
        if got is None:
            table.notes.append(f"t3 row {key}: digits {seg.digits()} cannot be split uniquely")
            continue
        adding = [c for c in got if _row_adds_up(c, total)]
        cands[key], labels[key], digits[key] = adding or got, parts, seg.digits()
        if key == "carried_forward":
            break
    if "other_subtotal" in table.rows_seen and not table.rows_seen & {"other_1", "other_2", "other_3"}:
        table.rows_seen = (table.rows_seen - {"other_subtotal"}) | {"other"}  # 2019: （六） is one row
    for key, cells in _resolve_t3(cands).items():
        if cells is None:
            table.notes.append(f"t3 row {key}: digits {digits[key]} cannot be split uniquely")
            continue
        pad = ["", "", ""][: 3 - min(3, len(labels[key]))]
        table.grid.append([*pad, *labels[key][-3:], *cells])
    return table


_T3_TOPS = ("自然人", "法人或其他组织", "总计")


def t3_header(head: str) -> list[str] | None:
    """Table 三's column labels in column order, from its header text in reading order.

    A two-row header reads 自然人 法人或其他组织 总计 商业企业 … 其他: the top row gives the
    order of 自然人 / the 法人 group / 总计, the second row the order inside the group.
    """
    if not all(label_key(name) in head for name in T3_COL_NAMES):
        return None
    head = head.replace("法人或其他组织", "法人或＊＊组织")  # its 其他 is not the column 其他
    subs = sorted(T3_COL_NAMES[1:6], key=lambda n: head.find(label_key(n)))
    if "法人或＊＊组织" not in head:
        return sorted(T3_COL_NAMES, key=lambda n: head.find(label_key(n)))
    out: list[str] = []
    for top in sorted(_T3_TOPS, key=lambda n: head.find(n.replace("其他", "＊＊"))):
        out.extend(subs if top == "法人或其他组织" else [top])
    return out


def _resolve_t3(cands: dict[str, list[list[str]]]) -> dict[str, list[str] | None]:
    """One split per row where the row and column identities allow only one; else None."""
    fixed = {k: c[0] for k, c in cands.items() if len(c) == 1}
    open_rows = {k: c for k, c in cands.items() if len(c) > 1}  # rows with no reading stay None
    size = 1
    for c in open_rows.values():
        size *= max(1, len(c))
    if open_rows and size <= MAX_COMBINATIONS:
        names = list(open_rows)
        alive = [
            combo
            for combo in itertools.product(*open_rows.values())
            if _t3_columns_add_up({**fixed, **dict(zip(names, combo, strict=True))})
        ]
        for n, name in enumerate(names):
            options = {tuple(combo[n]) for combo in alive}
            if len(options) == 1:
                fixed[name] = list(options.pop())
    return {k: fixed.get(k) for k in cands}


_T3_RESULT_ROWS = (
    ["granted", "partial"] + [f"denied_{i}" for i in range(1, 9)] + [f"unable_{i}" for i in range(1, 4)]
    + [f"notproc_{i}" for i in range(1, 6)]
)  # fmt: skip


def _row_adds_up(cells: list[str], total: int) -> bool:
    """A table-三 row: the applicant columns add up to its 总计 column."""
    values = [_value(c) for c in cells]
    return sum(values) - values[total] == values[total]


def _t3_columns_add_up(rows: dict[str, list[str]]) -> bool:
    """Per column: 新收 + 结转 = 总计 + 结转下年; 办理结果 rows = 总计 (where all rows are known)."""
    v = {k: [_value(x) for x in cells] for k, cells in rows.items()}
    balance = ("new_received", "carried_over", "total_processed", "carried_forward")
    others = [k for k in ("other", "other_1", "other_2", "other_3") if k in v]
    for c in range(7):
        incoming = v["new_received"][c] + v["carried_over"][c] if all(k in v for k in balance) else None
        if incoming is not None and incoming != v["total_processed"][c] + v["carried_forward"][c]:
            return False
        if "total_processed" in v and others and all(k in v for k in _T3_RESULT_ROWS):
            parts = sum(v[k][c] for k in _T3_RESULT_ROWS + others)
            if parts != v["total_processed"][c]:
                return False
    return True


def _t4(segs: list[Segment]) -> FlatTable | None:
    for seg in segs:
        label = label_key(seg.label)
        headed = "复议" in label and ("维持" in label or "尚未审结" in label)
        piped_row = "复议" in label and len(seg.chunks) >= 15 and all(c.atomic for c in seg.chunks)
        if not (headed or piped_row) or not _cells_at_least(seg, 15):
            continue  # prose such as 行政复议结果维持0件 is no table
        table = FlatTable("t4", [], rows_seen={"t4"})
        got = (splits(seg.chunks, 15) or []) if not seg.fused_blank else []
        adding = [c for c in got if all(_group_adds_up(c[g * 5 : g * 5 + 5]) for g in range(3))]
        got = adding or got
        if len(got) != 1:
            table.notes.append(f"t4 row: digits {seg.digits()} cannot be split uniquely")
            return table
        groups = [T4_GROUP_NAMES[g].split() for g in T4_GROUP_ORDER]
        table.grid = [
            [g[0] for g in groups for _ in range(5)],
            [g[-1] for g in groups for _ in range(5)],
            [T4_RESULT_NAMES[r] for _ in groups for r in T4_RESULT_ORDER],
            got[0],
        ]
        return table
    return None


def _cells_at_least(seg: Segment, n: int) -> bool:
    """Whether the chunks can hold ``n`` cells at all (one digit or one ``|`` cell each)."""
    return sum(1 if c.atomic else len(re.sub(r"\D", "", c.text)) for c in seg.chunks) >= n


def _group_adds_up(cells: list[str]) -> bool:
    v = [_value(x) for x in cells]
    return sum(v[:4]) == v[4]
