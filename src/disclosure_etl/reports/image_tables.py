"""Tables in images → Grids: ruling lines (OpenCV morphology) give the cells, OCR reads each.

The grid is found from the horizontal and vertical ruling lines; every enclosed white region
is one (possibly merged) cell, placed on the row/column lines it touches, so a merged cell's
text fills every slot it covers, exactly like an expanded HTML ``rowspan``/``colspan``. Each
cell is cut into its text lines by ink projection and the lines are recognised together as
one line, so text never leaks across a ruling line and a wrapped label keeps its context. A cell without ink stays blank (``""``); a cell with ink that
reads as nothing becomes ``?`` so the table mapper calls it unreadable instead of blank; a
cell holding only a dash (which OCR reads as 一, "one") becomes ``—``.

Cell texts are :class:`OcrText` — a ``str`` that also carries the recognition confidence —
so the one table mapper (``tables.read_tables``) reads them like any other grid and its
figures keep the confidence.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from typing import Any

from disclosure_etl.reports.document import MAX_COLS, MAX_ROWS, Grid

#: Images are upscaled so that the smaller side of a text line is about this many pixels.
MIN_IMAGE_SIDE = 40
MAX_IMAGE_PIXELS = 40_000_000
MAX_CELLS = 4000
_DASHES = set("一－—–-_―‐ ")
_STROKES = {"1", "l", "I", "|", "/", "\\", "丨"}


class OcrText(str):
    """Cell text read by OCR, with the lowest recognition score of its lines (0..1)."""

    confidence: float

    def __new__(cls, text: str, confidence: float) -> OcrText:
        obj = super().__new__(cls, text)
        obj.confidence = confidence
        return obj


@dataclass(frozen=True)
class CellBox:
    row: int
    col: int
    rowspan: int
    colspan: int
    x0: int
    y0: int
    x1: int
    y1: int


def decode_image(data: bytes) -> Any | None:
    """Image bytes (PNG/JPEG/GIF/BMP/TIFF) → greyscale numpy array, or None if unreadable."""
    import cv2
    import numpy as np

    arr = np.frombuffer(data, dtype=np.uint8)
    img = cv2.imdecode(arr, cv2.IMREAD_GRAYSCALE)
    if img is None:
        try:  # GIF and some TIFFs: OpenCV cannot decode them, Pillow can
            import io

            from PIL import Image

            with Image.open(io.BytesIO(data)) as im:
                img = np.array(im.convert("L"))
        except (OSError, ValueError):
            return None
    if img.size == 0 or img.size > MAX_IMAGE_PIXELS:
        return None
    return img


def _line_runs(mask: Any, axis: int, min_len: int, merge: int = 2) -> list[tuple[int, int]]:
    """(first, last) pixel of each ruling line in a line mask (axis 0: vertical lines)."""
    import numpy as np

    counts = (mask > 0).sum(axis=axis)
    return _runs(np.flatnonzero(counts >= min_len).tolist(), merge)


def _runs(hits: list[int], merge: int) -> list[tuple[int, int]]:
    """Sorted pixel positions → (first, last) of each run, gaps up to ``merge`` bridged."""
    runs: list[list[int]] = []
    for v in hits:
        if runs and v - runs[-1][1] <= merge:  # a double border (cellspacing) is one line
            runs[-1][1] = v
        else:
            runs.append([v, v])
    return [(a, b) for a, b in runs]


def _line_positions(mask: Any, axis: int, min_len: int, merge: int = 2) -> list[int]:
    """Centres of the ruling lines in a line mask (axis 0: vertical lines → x positions)."""
    return [(a + b) // 2 for a, b in _line_runs(mask, axis, min_len, merge)]


def _glyph_size(ink: Any) -> int:
    """A high percentile of the heights of small ink blobs: about one character's size."""
    import cv2
    import numpy as np

    h, w = ink.shape
    long_h = cv2.morphologyEx(ink, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (30, 1)))
    long_v = cv2.morphologyEx(ink, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (1, 30)))
    ruled = cv2.dilate(cv2.bitwise_or(long_h, long_v), np.ones((3, 3), np.uint8))
    text = cv2.bitwise_and(ink, cv2.bitwise_not(ruled))  # the ink without the cell borders
    _, _, stats, _ = cv2.connectedComponentsWithStats(text, connectivity=8)
    small = [  # not the pieces of a ruling line (1-2 px thick or much longer than wide)
        int(s[3]) for s in stats[1:]
        if 3 <= s[3] < h / 8 and 3 <= s[2] < w / 8 and s[3] <= 4 * s[2] and s[2] <= 4 * s[3]
    ]
    return int(np.percentile(small, 90)) if small else 12


def _vertical_rules(rules: Any, hruns: list[tuple[int, int]], merge: int) -> Any:
    """Mask of the vertical rules: in each row band, the columns inked all the way from the
    rule above to the rule below. A glyph's stroke never touches both (cell padding), nor do
    the strokes of left-aligned text in many rows add up to a rule.

    Each rule is drawn as one solid bar, as wide as its (double) line and through the whole
    thickness of the horizontal rules above and below it, so the bars of two bands meet even
    where no horizontal rule crosses (beside a cell spanning rows), at any line thickness."""
    import numpy as np

    vmask = np.zeros_like(rules)
    for (first, top), (bottom, last) in zip(hruns, hruns[1:], strict=False):
        if bottom - top < 4:
            continue
        full = (rules[top + 1 : bottom] > 0).mean(axis=0) >= 0.97
        for x0, x1 in _runs(np.flatnonzero(full).tolist(), merge):
            vmask[first : last + 1, x0 : x1 + 1] = 255
    return vmask


def _solid_rows(hmask: Any, hruns: list[tuple[int, int]]) -> Any:
    """The horizontal rules as solid bars: wherever a rule has ink in some row of its
    (double) line, all its rows are filled, closing the white between the two lines."""
    out = hmask.copy()
    for y0, y1 in hruns:
        cols = (hmask[y0 : y1 + 1] > 0).any(axis=0)
        out[y0 : y1 + 1, cols] = 255
    return out


def find_cells(gray: Any) -> list[CellBox]:
    """The cells of the ruled table in a greyscale image (empty when there is no grid)."""
    import cv2
    import numpy as np

    h, w = gray.shape
    ink = (gray < 160).astype(np.uint8) * 255
    rules = (gray < 200).astype(np.uint8) * 255  # browsers draw cell borders light grey
    glyph = _glyph_size(ink)
    # a segment longer than a character's stroke (shorter than the narrowest cell), and rows
    # whose segments add up to more than a dash in the text
    hlen = max(10, int(1.5 * glyph))
    merge = max(2, glyph // 2)
    hmask = cv2.morphologyEx(rules, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (hlen, 1)))
    hruns = _line_runs(hmask, 1, max(20, 3 * glyph), merge=merge)
    ys = [(a + b) // 2 for a, b in hruns]
    if len(ys) < 2:
        return []
    vmask = _vertical_rules(rules, hruns, merge)
    hmask = _solid_rows(hmask, hruns)
    xs = _line_positions(vmask, 0, 1, merge=merge)
    if len(xs) < 2 or len(ys) < 2:
        return []
    lines = cv2.dilate(cv2.bitwise_or(hmask, vmask), np.ones((3, 3), np.uint8))
    n, labels, stats, _ = cv2.connectedComponentsWithStats(255 - lines, connectivity=4)
    cells: list[CellBox] = []
    for i in range(1, n):
        x, y, cw, ch, _area = (int(v) for v in stats[i])
        if cw < 4 or ch < 4 or x <= 0 or y <= 0 or x + cw >= w or y + ch >= h:
            continue  # noise, or the page around the table
        c0, c1 = bisect_right(xs, x) - 1, bisect_left(xs, x + cw - 1)
        r0, r1 = bisect_right(ys, y) - 1, bisect_left(ys, y + ch - 1)
        if c0 < 0 or r0 < 0 or c1 >= len(xs) or r1 >= len(ys) or c1 <= c0 or r1 <= r0:
            continue
        cells.append(CellBox(r0, c0, r1 - r0, c1 - c0, x, y, x + cw, y + ch))
    return cells[:MAX_CELLS]


def _text_lines(crop: Any) -> list[tuple[int, int, int, int]]:
    """(x0, y0, x1, y1) of each text line in a cell crop, from the ink's row projection."""
    import numpy as np

    ink = crop < 160
    rows = np.flatnonzero(ink.sum(axis=1) > 0).tolist()
    if not rows:
        return []
    spans: list[list[int]] = [[rows[0], rows[0]]]
    for r in rows[1:]:
        if r - spans[-1][1] > 2:
            spans.append([r, r])
        else:
            spans[-1][1] = r
    # the white rows inside a glyph (量, 三) are narrower than the leading between two lines
    tallest = max(b - a + 1 for a, b in spans)
    merged: list[list[int]] = [spans[0]]
    for a, b in spans[1:]:
        if a - merged[-1][1] <= max(3, tallest // 4):
            merged[-1][1] = b
        else:
            merged.append([a, b])
    spans = merged
    out = []
    for y0, y1 in spans:
        if y1 - y0 < 2 and ink[y0 : y1 + 1].sum() < 3:
            continue  # a speck
        cols = np.flatnonzero(ink[y0 : y1 + 1].sum(axis=0) > 0)
        out.append((int(cols[0]), y0, int(cols[-1]) + 1, y1 + 1))
    return out


def _slanted(line: Any) -> bool:
    """Does the single glyph in a line image lean like ``/`` or ``\\`` (not stand like ``1``)?

    The slope of the per-row ink centre against the row: a slash's centre moves across by
    a third of its height or more, a 1's stem stays put (its flag moves a few rows only).
    """
    import numpy as np

    ink = line < 160
    rows = np.flatnonzero(ink.any(axis=1))
    if len(rows) < 6:
        return False
    centres = np.array([np.median(np.flatnonzero(ink[r])) for r in rows])
    slope = float(np.polyfit(rows.astype(float), centres, 1)[0])
    return abs(slope) > 0.2


def _one_line(lines: list[Any]) -> Any:
    """The text lines of one cell side by side, padded: a wrapped label is read as one line
    (a lone last character is read far worse than in its context)."""
    import numpy as np

    height = max(ln.shape[0] for ln in lines)
    pad = max(4, height // 3)
    gap = max(2, height // 4)
    width = sum(ln.shape[1] for ln in lines) + gap * (len(lines) - 1) + 2 * pad
    out = np.full((height + 2 * pad, width), 255, dtype=np.uint8)
    x = pad
    for ln in lines:
        top = pad + (height - ln.shape[0]) // 2
        out[top : top + ln.shape[0], x : x + ln.shape[1]] = ln
        x += ln.shape[1] + gap
    return out


def read_grid(gray: Any, cells: list[CellBox], recognise: Any) -> Grid:
    """OCR every cell; ``recognise`` maps a list of line images to [(text, score), …]."""

    crops: list[Any] = []
    owner: list[int] = []
    for k, cell in enumerate(cells):
        m = 2  # the dilated ruling lines are already outside the cell
        crop = gray[cell.y0 + m : cell.y1 - m, cell.x0 + m : cell.x1 - m]
        lines = [crop[y0:y1, x0:x1] for x0, y0, x1, y1 in _text_lines(crop)]
        if lines:
            crops.append(_one_line(lines))
            owner.append(k)
    results = recognise(crops) if crops else []
    texts: dict[int, list[str]] = {}
    scores: dict[int, float] = {}
    for k, crop, (text, score) in zip(owner, crops, results, strict=True):
        text = text.strip()
        if text in _STROKES and _slanted(crop):
            text = "/"  # a slash (a blank mark) reads as 1: its ink leans, a 1's does not
        texts.setdefault(k, []).append(text)
        scores[k] = min(scores.get(k, 1.0), float(score))
    cell_texts: list[str] = []
    for k in range(len(cells)):
        joined = "".join(texts.get(k, []))  # no ink: a blank cell
        if joined and set(joined) <= _DASHES:
            joined = "—"  # a drawn dash reads as 一 (one): in a table cell it is a dash, a blank
        ink = k in texts
        cell_texts.append(OcrText(joined if joined or not ink else "?", scores[k] if joined else float(not ink)))
    return _lay_out(cells, cell_texts)


def _lay_out(cells: list[CellBox], texts: list[str]) -> Grid:
    """The cells on their row/column lines. When they tile the grid exactly (no hole, no
    overlap), they go through the HTML reader's :func:`expand_spans` instead, so a row that
    does not line up with the row above (a Word-pasted table) is realigned exactly as the
    same table in HTML is."""
    from disclosure_etl.reports.extract import expand_spans

    nrows = min(max((c.row + c.rowspan for c in cells), default=0), MAX_ROWS)
    ncols = min(max((c.col + c.colspan for c in cells), default=0), MAX_COLS)
    grid: list[list[str]] = [[OcrText("", 1.0)] * ncols for _ in range(nrows)]
    count = [[0] * ncols for _ in range(nrows)]
    for cell, text in zip(cells, texts, strict=True):
        for r in range(cell.row, cell.row + cell.rowspan):
            for c in range(cell.col, cell.col + cell.colspan):
                if r < nrows and c < ncols:
                    grid[r][c] = text
                    count[r][c] += 1
    if any(n != 1 for row in count for n in row) or nrows == MAX_ROWS or ncols == MAX_COLS:
        return grid  # a hole, an overlap or a cut: browser-style placement would shift cells
    rows: list[list[tuple[str, int, int]]] = [[] for _ in range(nrows)]
    for cell, text in sorted(zip(cells, texts, strict=True), key=lambda p: (p[0].row, p[0].col)):
        rows[cell.row].append((text, cell.rowspan, cell.colspan))
    return expand_spans(rows)
