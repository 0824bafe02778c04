"""Render HTML tables to PNG (Pillow + Noto Sans CJK) for the OCR tests and bench.

A table is drawn as a ruled grid with its ``rowspan``/``colspan`` merges, text wrapped inside
its cell and centred, like a report table saved as an image. ``scale`` sets the resolution
(1.0 ≈ 96 dpi screen text, 2.0 ≈ a 200 dpi scan).
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

FONT = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")


def font_available() -> bool:
    return FONT.exists()


def _cells(table: Any) -> tuple[list[tuple[int, int, int, int, str]], int, int]:
    """(row, col, rowspan, colspan, text) of every cell, placed like a browser does."""
    from disclosure_etl.reports.extract import _owner_table, _span

    occupied: set[tuple[int, int]] = set()
    out: list[tuple[int, int, int, int, str]] = []
    rows = [tr for tr in table.iter("tr") if _owner_table(tr) is table]
    width = 0
    for r, tr in enumerate(rows):
        c = 0
        for td in tr:
            if not isinstance(td.tag, str) or td.tag not in ("td", "th"):
                continue
            while (r, c) in occupied:
                c += 1
            rs = min(_span(td.get("rowspan"), 200), len(rows) - r)
            cs = _span(td.get("colspan"), 60)
            for dr in range(rs):
                for dc in range(cs):
                    occupied.add((r + dr, c + dc))
            out.append((r, c, rs, cs, " ".join(str(td.text_content()).split())))
            c += cs
            width = max(width, c)
    return out, len(rows), width


def _wrap(text: str, font: Any, width: float) -> list[str]:
    lines: list[str] = []
    cur = ""
    for ch in text:
        if cur and font.getlength(cur + ch) > width:
            lines.append(cur)
            cur = ch.lstrip()
        else:
            cur += ch
    return [*lines, cur] if cur else lines


def render_table(table: Any, scale: float = 1.0) -> bytes:
    """One lxml ``<table>`` → PNG bytes."""
    from PIL import Image, ImageDraw, ImageFont

    size = round(14 * scale)
    font = ImageFont.truetype(str(FONT), size)
    cells, nrows, ncols = _cells(table)
    if not cells:
        raise ValueError("empty table")
    pad = round(6 * scale)
    colw = [round(size * 3.2)] * ncols
    for _r, c, _rs, cs, text in cells:  # single cells widen their column, up to 14 characters
        if cs == 1:
            colw[c] = max(colw[c], min(round(font.getlength(text)) + 2 * pad, size * 14))
    lineh = round(size * 1.5)
    rowh = [lineh + 2 * pad] * nrows
    for r, c, rs, cs, text in cells:
        w = sum(colw[c : c + cs]) - 2 * pad
        need = len(_wrap(text, font, w)) * lineh + 2 * pad
        have = sum(rowh[r : r + rs])
        if need > have:
            rowh[r + rs - 1] += need - have
    xs = [0]
    for w in colw:
        xs.append(xs[-1] + w)
    ys = [0]
    for h in rowh:
        ys.append(ys[-1] + h)
    margin = round(20 * scale)
    img = Image.new("L", (xs[-1] + 2 * margin, ys[-1] + 2 * margin), 255)
    draw = ImageDraw.Draw(img)
    stroke = max(1, round(scale))
    for r, c, rs, cs, text in cells:
        x0, y0, x1, y1 = xs[c] + margin, ys[r] + margin, xs[c + cs] + margin, ys[r + rs] + margin
        draw.rectangle((x0, y0, x1, y1), outline=0, width=stroke)
        lines = _wrap(text, font, x1 - x0 - 2 * pad)
        top = (y0 + y1) / 2 - len(lines) * lineh / 2
        for i, line in enumerate(lines):
            lw = font.getlength(line)
            draw.text(((x0 + x1 - lw) / 2, top + i * lineh + (lineh - size) / 2 - size * 0.1), line, fill=0, font=font)
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return buf.getvalue()


def tables_to_images(html: bytes, scale: float = 1.0) -> tuple[bytes, dict[str, bytes]]:
    """The page with each top-level ``<table>`` replaced by ``<img src="tableN.png">``, and the
    images by src."""
    import lxml.html

    from disclosure_etl.reports.extract import decode_text

    root = lxml.html.document_fromstring(decode_text(html))
    images: dict[str, bytes] = {}
    for n, table in enumerate(root.xpath("//table[not(ancestor::table)]")):
        try:
            png = render_table(table, scale)
        except ValueError:
            continue
        src = f"table{n}.png"
        images[src] = png
        img = lxml.html.Element("img", src=src)
        img.tail = table.tail
        table.getparent().replace(table, img)
    return lxml.html.tostring(root, encoding="utf-8"), images


def table_figures(report: Any) -> dict[str, Any]:
    """Figures of tables 二/三/四 by metric (what the image round trip must give back)."""
    return {f.metric: f for f in report.figures if f.metric.startswith(("t2.", "t3.", "t4."))}


def cell_scores(reference: Any, ocr: Any) -> tuple[int, int, int]:
    """(cells read right, reference cells, cells read by OCR): a cell is right when metric,
    value and blankness all agree."""
    ref, got = table_figures(reference), table_figures(ocr)
    right = sum(
        1 for m, f in got.items()
        if m in ref and ref[m].value == f.value and ref[m].is_blank == f.is_blank
    )  # fmt: skip
    return right, len(ref), len(got)


CHROMIUM = Path("/usr/bin/chromium")


def chromium_available() -> bool:
    return CHROMIUM.exists() and FONT.exists()


def chromium_tables_to_images(html: bytes, scale: float = 1.0) -> tuple[bytes, dict[str, bytes]]:
    """Like :func:`tables_to_images`, but each table is drawn by headless Chromium with the
    page's own markup (``border``/``cellspacing``: grey 3D double borders, browser fonts),
    screenshot at ``scale`` device pixels per CSS pixel and cropped to the table."""
    import subprocess
    import tempfile

    import lxml.html
    from PIL import Image, ImageOps

    from disclosure_etl.reports.extract import decode_text

    root = lxml.html.document_fromstring(decode_text(html))
    images: dict[str, bytes] = {}
    with tempfile.TemporaryDirectory(prefix="tblshot-") as tmp:
        for n, table in enumerate(root.xpath("//table[not(ancestor::table)]")):
            page = Path(tmp) / f"t{n}.html"
            shot = Path(tmp) / f"t{n}.png"
            page.write_text('<html><head><meta charset="utf-8"></head><body style="margin:12px">'
                            + lxml.html.tostring(table, encoding="unicode") + "</body></html>", encoding="utf-8")
            subprocess.run(
                [str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                 f"--force-device-scale-factor={scale}", f"--user-data-dir={tmp}/profile",
                 f"--screenshot={shot}", "--window-size=1800,2600", page.as_uri()],
                capture_output=True, timeout=120, check=True,
            )  # fmt: skip
            with Image.open(shot) as im:
                gray = im.convert("L")
                box = ImageOps.invert(gray).getbbox()
                if box is None:
                    continue
                pad = round(12 * scale)
                crop = gray.crop((max(0, box[0] - pad), max(0, box[1] - pad), box[2] + pad, box[3] + pad))
                buf = io.BytesIO()
                crop.save(buf, format="PNG")
            src = f"table{n}.png"
            images[src] = buf.getvalue()
            img = lxml.html.Element("img", src=src)
            img.tail = table.tail
            table.getparent().replace(table, img)
    return lxml.html.tostring(root, encoding="utf-8"), images
