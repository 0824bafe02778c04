"""Format detection and readers: bytes of HTML / PDF / DOCX / XLSX / XLS / DOC / text → Document."""

from __future__ import annotations

import html
import io
import re
import shutil
import subprocess
import tempfile
import zipfile
from collections.abc import Iterable
from typing import Any

from disclosure_etl.reports.document import (
    MAX_BYTES,
    MAX_COLS,
    MAX_PAGES,
    MAX_ROWS,
    MAX_ROWSPAN,
    MAX_TABLES,
    MAX_TEXT_CHARS,
    Document,
    Grid,
)

FORMATS = ("html", "pdf", "docx", "xlsx", "xls", "doc", "txt", "image", "unknown")
_IMAGE_MAGIC = (b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"BM", b"II*\x00", b"MM\x00*", b"RIFF")
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_EXT = re.compile(r"\.(html?|shtml|pdf|docx|xlsx|xls|doc|txt|jpe?g|png|gif|bmp)(?:$|[?#])", re.I)
_HTML_SNIFF = re.compile(rb"<(?:!doctype|html|body|p|div|table|span|br|meta|head)\b", re.I)
_MAX_ZIP_UNCOMPRESSED = 200 * 1024 * 1024
MAX_SPAN_WRITES = 200_000  # grid slots one table may fill (malformed spans overlap)


def detect_format(data: bytes, url: str | None = None, content_type: str | None = None) -> str:
    """Name the format of a body: html|pdf|docx|xlsx|xls|doc|txt|image|unknown (magic bytes first)."""
    head = data[:2048]
    if head.lstrip().startswith(b"%PDF"):
        return "pdf"
    if head.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as zf:
                names = set(zf.namelist())
        except (zipfile.BadZipFile, ValueError, OSError):
            names = set()
        if "word/document.xml" in names:
            return "docx"
        if "xl/workbook.xml" in names:
            return "xlsx"
        return _from_hints(url, content_type) or "unknown"
    if head.startswith(_OLE_MAGIC):
        hint = _from_hints(url, content_type)
        if hint in ("doc", "xls"):
            return hint
        if "WordDocument".encode("utf-16-le") in data:  # the Word stream's directory entry
            return "doc"
        if "Workbook".encode("utf-16-le") in data or "Book".encode("utf-16-le") in data[:65536]:
            return "xls"
        return "doc"
    if any(head.startswith(m) for m in _IMAGE_MAGIC):
        return "image"
    if _HTML_SNIFF.search(head):
        return "html"
    hint = _from_hints(url, content_type)
    if hint:
        return hint
    if _decodes_as_text(data[:65536]):
        return "txt"
    return "unknown"


def _from_hints(url: str | None, content_type: str | None) -> str | None:
    ct = (content_type or "").lower()
    for needle, fmt in (
        ("html", "html"), ("pdf", "pdf"), ("wordprocessingml", "docx"), ("spreadsheetml", "xlsx"),
        ("ms-excel", "xls"), ("msword", "doc"), ("image/", "image"), ("text/plain", "txt"),
    ):  # fmt: skip
        if needle in ct:
            return fmt
    m = _EXT.search(url or "")
    if m:
        ext = m.group(1).lower()
        if ext in ("htm", "html", "shtml"):
            return "html"
        if ext in ("jpg", "jpeg", "png", "gif", "bmp"):
            return "image"
        return ext
    return None


def _decodes_as_text(sample: bytes) -> bool:
    if b"\x00" in sample:
        return False
    for enc in ("utf-8", "gb18030"):
        try:
            sample.decode(enc)
            return True
        except UnicodeDecodeError:
            continue
    return False


def decode_text(data: bytes) -> str:
    """Bytes → str: BOM / utf-8 first, then a declared charset, then GB18030."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start >= len(data) - 3:  # cut in the middle of the last character
            return data[: exc.start].decode("utf-8", errors="replace")
    m = re.search(rb"charset=[\"']?([A-Za-z0-9_\-]+)", data[:4096])
    declared = m.group(1).decode("ascii").lower() if m else None
    if declared in (None, "utf-8", "utf8"):
        text = data.decode("utf-8", errors="replace")
        if text.count("\ufffd") * 200 < len(text):  # a few damaged bytes in a UTF-8 body
            return text
    enc = declared if declared not in (None, "utf-8", "utf8") else "gb18030"
    if enc in ("gb2312", "gbk"):
        enc = "gb18030"
    try:
        return data.decode(enc, errors="replace")
    except LookupError:
        return data.decode("gb18030", errors="replace")


def read_document(data: bytes, fmt: str) -> Document:
    """Read one body in the given format. Never raises for bad input of a known format."""
    doc = Document(source_format=fmt)
    if len(data) > MAX_BYTES:
        doc.notes.append(f"input_truncated: {len(data)} bytes > limit {MAX_BYTES}")
        data = data[:MAX_BYTES]
    reader = _READERS.get(fmt)
    if reader is None:
        doc.unsupported = f"format {fmt} is not readable (images need OCR)" if fmt == "image" else f"format {fmt} is not supported"
        return doc
    reader(data, doc)
    total = 0
    for i, line in enumerate(doc.lines):
        total += len(line)
        if total > MAX_TEXT_CHARS:
            doc.lines = doc.lines[:i]
            doc.notes.append(f"text_truncated at {MAX_TEXT_CHARS} characters")
            break
    doc.tables = [g for g in (_trim(t) for t in doc.tables) if g]
    if len(doc.tables) > MAX_TABLES:
        doc.notes.append(f"tables_truncated: {len(doc.tables)} > {MAX_TABLES}")
        doc.tables = doc.tables[:MAX_TABLES]
    return doc


def _trim(grid: Grid) -> Grid:
    """Drop empty rows and the empty columns at the right (spreadsheets pad both)."""
    rows = [r for r in grid if any(c.strip() for c in r)]
    width = max((max((i + 1 for i, c in enumerate(r) if c.strip()), default=0) for r in rows), default=0)
    return [r[:width] + [""] * (width - len(r)) for r in rows]


# ---------------------------------------------------------------- text / html


def _read_txt(data: bytes, doc: Document) -> None:
    doc.lines = decode_text(data).splitlines()


_BLOCK_TAGS = {
    "p", "div", "br", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "section",
    "article", "header", "footer", "blockquote", "pre", "center", "dd", "dt", "hr", "font-block",
}  # fmt: skip
_ICON = re.compile(r"logo|icon|banner|qrcode|erweima|\.gif$|\.svg$|share|wza|btn", re.I)


def _read_html(data: bytes, doc: Document) -> None:
    import lxml.html
    from lxml import etree

    text = decode_text(data)
    if not text.strip():
        return
    try:
        root = lxml.html.document_fromstring(text)
    except (etree.ParserError, ValueError):
        doc.notes.append("html_unparseable")
        doc.lines = text.splitlines()
        return
    title_el = root.find(".//title")
    meta = root.xpath("//meta[@name='ArticleTitle']/@content")
    if meta:
        doc.page_title = str(meta[0]).strip() or None
    elif title_el is not None and title_el.text:
        doc.page_title = title_el.text.strip() or None
    for bad in root.xpath("//script|//style|//head|//noscript"):
        _drop(bad)
    for img in root.iter("img"):
        src = str(img.get("src") or "")
        if src and not _ICON.search(src):
            doc.images.append(src)
    links = _attachment_links(root)
    doc.attachment_links = [href for href, _ in links]
    for table in root.xpath("//table[not(.//table)]"):  # innermost first: layout tables hold data tables
        grid = html_table_grid(table) if len(doc.tables) < MAX_TABLES * 2 else []
        if grid and is_prose_grid(grid):
            continue  # body text laid out in a table: left in place, read as lines
        if grid:
            doc.tables.append(grid)
        _drop(table, marker="\n")
    for el in root.iter():
        if not isinstance(el.tag, str):
            continue
        if el.tag in _BLOCK_TAGS or el.tag in ("td", "th", "table"):
            el.tail = "\n" + (el.tail or "")
            if el.tag != "br":
                el.text = "\n" + (el.text or "")
    body = root.find("body")
    content = (body if body is not None else root).text_content()
    doc.lines = str(content).splitlines()
    doc.body_is_attachment_link = bool(links) and not doc.tables and _only_title_and_links(doc, links)
    if not any(line.strip() for line in doc.lines) and not doc.tables:
        # libxml2 gives up on pathological markup (e.g. nesting deeper than 256): read text without it
        raw = re.sub(r"<(script|style)\b.{0,100000}?</\1>", "", text[: MAX_TEXT_CHARS * 4], flags=re.S | re.I)
        lines = html.unescape(re.sub(r"<[^>]{0,2000}>", "\n", raw)).splitlines()
        if any(line.strip() for line in lines):
            doc.notes.append("markup_unparseable: text read without the HTML structure")
            doc.lines = lines


_ATTACHMENT_HREF = re.compile(r"\.(?:docx?|pdf|xlsx?|wps|et|ofd|zip|rar|7z)(?:$|[?#])", re.I)
_CJK = re.compile(r"[\u4e00-\u9fff]")
#: Page furniture around an attachment link (source, time, "download the attachment").
_FURNITURE = re.compile(r"来源|时间|日期|发布|附件|下载|浏览|字号|打印|关闭|分享|点击")
MAX_BODY_CJK = 60  # report text beyond the title needs more Chinese characters than this


def _attachment_links(root: Any) -> list[tuple[str, str]]:
    """(href, link text) of links to document files (.doc, .pdf, .xls, …)."""
    out = []
    for a in root.iter("a"):
        href = str(a.get("href") or "")
        if _ATTACHMENT_HREF.search(href):
            out.append((href, _cell_text(a)))
    return out


def _only_title_and_links(doc: Document, links: list[tuple[str, str]]) -> bool:
    """Whether the page text is only its title, link texts and page furniture."""
    skip = {compact_line(t) for _, t in links} | {compact_line(doc.page_title or "")}
    rest = 0
    for line in doc.lines:
        key = compact_line(line)
        if not key or key in skip or any(key in s or (s in key and len(key) <= len(s) + 20) for s in skip if s) or _FURNITURE.search(key[:12]):
            continue
        rest += len(_CJK.findall(key))
    return rest <= MAX_BODY_CJK


def compact_line(text: str) -> str:
    return "".join(text.split())


def is_prose_grid(grid: Grid) -> bool:
    """A table that only lays out text: one column of cells, some holding a sentence or more.

    Layout tables (a page body inside ``<table>``, a Word text box, a page border) are read as
    prose; a data table has rows of several cells.
    """
    rows = [{c.strip() for c in r if c.strip()} for r in grid]
    return all(len(r) <= 1 for r in rows) and any(len(c) >= 20 for r in rows for c in r)


def _drop(el: Any, marker: str = "") -> None:
    parent = el.getparent()
    if parent is None:
        return
    tail = marker + (el.tail or "")
    prev = el.getprevious()
    if prev is not None:
        prev.tail = (prev.tail or "") + tail
    else:
        parent.text = (parent.text or "") + tail
    parent.remove(el)


def _cell_text(el: Any) -> str:
    return " ".join(str(el.text_content()).split())


def _span(value: Any, cap: int) -> int:
    try:
        return max(1, min(int(str(value).strip() or 1), cap))
    except ValueError:
        return 1


def html_table_grid(table: Any) -> Grid:
    """Expand one HTML table (rowspan/colspan) into a rectangular grid of cell texts."""
    rows = [tr for tr in table.iter("tr") if _owner_table(tr) is table][:MAX_ROWS]
    cells: list[list[tuple[str, int, int]]] = []
    for tr in rows:
        cells.append(
            [
                (_cell_text(td), _span(td.get("rowspan"), MAX_ROWSPAN), _span(td.get("colspan"), MAX_COLS))
                for td in tr
                if isinstance(td.tag, str) and td.tag in ("td", "th")
            ][:MAX_COLS]
        )
    return expand_spans(cells)


def _owner_table(el: Any) -> Any:
    for anc in el.iterancestors("table"):
        return anc
    return None


def expand_spans(rows: list[list[tuple[str, int, int]]]) -> Grid:
    """(text, rowspan, colspan) rows → grid; a spanned cell's text fills every slot it covers.

    A row whose cells cannot line up with the row above (Word-pasted tables put the colspan on
    another cell than the header does) is laid onto the row above's cell boundaries when both
    rows have the same number of cells and width and no rowspan reaches into either.
    """
    occupied: dict[tuple[int, int], str] = {}
    layouts: list[list[tuple[int, int]] | None] = []  # (start, width) of each cell; None: rowspan involved
    width = 0
    budget = MAX_SPAN_WRITES
    for r, row in enumerate(rows):
        c = 0
        placed: list[tuple[int, int, str, int, int]] = []  # (col, colspan, text, rowspan, original colspan)
        blocked = any((r, k) in occupied for k in range(MAX_COLS))
        for text, rowspan, colspan in row:
            while (r, c) in occupied or any(p[0] <= c < p[0] + p[1] for p in placed):
                c += 1
            if c >= MAX_COLS or budget <= 0:
                break
            cs = min(colspan, MAX_COLS - c)
            placed.append((c, cs, text, min(rowspan, len(rows) - r), cs))
            c += cs
        layout = [(p[0], p[1]) for p in placed]
        prev = layouts[-1] if layouts else None
        if (
            prev is not None
            and not blocked
            and all(p[3] == 1 for p in placed)
            and len(prev) == len(layout) >= 3
            and layout != prev
            and sum(w for _, w in prev) == sum(w for _, w in layout)
        ):
            placed = [(c0, w, p[2], 1, w) for (c0, w), p in zip(prev, placed, strict=True)]
            layout = prev
        for c0, cs, text, rs, _ in placed:
            budget -= rs * cs
            for dr in range(rs):
                for dc in range(cs):
                    occupied.setdefault((r + dr, c0 + dc), text)
            width = max(width, c0 + cs)
        layouts.append(None if blocked or any(p[3] > 1 for p in placed) else layout)
    return [[occupied.get((r, c), "") for c in range(width)] for r in range(len(rows))]


# ---------------------------------------------------------------- pdf


def _read_pdf(data: bytes, doc: Document) -> None:
    import pdfplumber

    with pdfplumber.open(io.BytesIO(data)) as pdf:
        pages = pdf.pages
        if len(pages) > MAX_PAGES:
            doc.notes.append(f"pages_truncated: {len(pages)} > {MAX_PAGES}")
        for raw_page in pages[:MAX_PAGES]:
            page = raw_page.dedupe_chars()  # fake bold prints each character twice: 规规章章
            rest: Any = page
            for t in page.find_tables():
                rows = [[c if c is None else _fill(c) for c in row][:MAX_COLS] for row in t.extract()[:MAX_ROWS]]
                first, last = table_body(rows)
                if first is None or last is None:
                    continue  # body text inside a page border: read below as prose
                doc.tables.append([[c or "" for c in row] for row in rows[first : last + 1]])
                x0, _, x1, _ = t.bbox
                bbox = (x0, t.rows[first].bbox[1], x1, t.rows[last].bbox[3])
                try:
                    rest = rest.outside_bbox(bbox)
                except ValueError:
                    continue
            doc.lines.extend(_unwrap_pdf_lines(rest.extract_text_lines()))
            doc.images.extend(f"pdf-image-p{raw_page.page_number}" for _ in raw_page.images)


def table_body(rows: list[list[str | None]]) -> tuple[int | None, int | None]:
    """First and last row of a drawn table that hold more than one cell (None, None if none).

    A row whose only cell spans the full width (the other slots ``None``) is text inside a border:
    paragraphs, headings and captions before and after the table proper are prose, not cells.
    """
    body = [i for i, row in enumerate(rows) if not _is_prose_row(row)]
    return (body[0], body[-1]) if body else (None, None)


def _is_prose_row(row: list[str | None]) -> bool:
    return len(row) <= 1 or (bool(row[0]) and all(c is None for c in row[1:]))


_PAGE_NUMBER = re.compile(r"^(?:[-—–－]\s*\d{1,3}\s*[-—–－]|第\s*\d{1,3}\s*页(?:\s*[/，,]?\s*共\s*\d{1,3}\s*页)?)$")
_LOOKS_LIKE_HEADING = re.compile(r"^(?:[一二三四五六七八九十]{1,2}\s*[、.．\s]|[（(][一二三四五六七八九十]{1,2}[)）])\S{0,30}$")


def _unwrap_pdf_lines(lines: list[dict[str, Any]]) -> list[str]:
    """Join the lines a PDF wrapped back into paragraphs.

    A line continues the previous one unless the previous one ends a sentence (。；：…) or the
    title (…报告), or either of them is a heading (一、… / （一）…).
    """
    out: list[str] = []
    for line in lines:
        text = str(line["text"]).strip()
        if not text or _PAGE_NUMBER.match(text):
            continue
        prev = out[-1] if out else ""
        if (
            prev
            and not prev.endswith(("。", "：", ":", "；", ";", "！", "？", "报告", "|"))
            and not _LOOKS_LIKE_HEADING.match(prev)
            and not _LOOKS_LIKE_HEADING.match(text)
        ):
            out[-1] = prev + text
        else:
            out.append(text)
    return out


def _fill(cell: Any) -> str:
    return " ".join(str(cell).split()) if cell is not None else ""


# ---------------------------------------------------------------- docx


def _zip_too_big(data: bytes) -> bool:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return sum(i.file_size for i in zf.infolist()) > _MAX_ZIP_UNCOMPRESSED


def _read_docx(data: bytes, doc: Document) -> None:
    import docx
    from docx.oxml.ns import qn
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    if _zip_too_big(data):
        doc.unsupported = "docx expands beyond the size limit"
        return
    d = docx.Document(io.BytesIO(data))
    for child in d.element.body.iterchildren():
        if child.tag == qn("w:p"):
            doc.lines.append(Paragraph(child, d).text)
            for _ in child.iter(qn("w:drawing"), qn("w:pict")):
                doc.images.append("docx-image")
        elif child.tag == qn("w:tbl") and len(doc.tables) < MAX_TABLES * 2:
            table = Table(child, d)
            grid = docx_table_grid(child)
            if is_prose_grid(grid):  # text in a bordered box: paragraphs, not cells
                doc.lines.extend(p.text for cell in _unique_cells(table) for p in cell.paragraphs)
            else:
                doc.tables.append(grid)


def docx_table_grid(tbl: Any) -> Grid:
    """A Word table's cells as (text, rowspan, colspan), expanded like an HTML table's.

    Reading the cells themselves (not python-docx's per-column view) keeps each cell's own span,
    so a Word-pasted row whose spans do not line up with the header is re-laid the same way.
    """
    from docx.oxml.ns import qn

    raw: list[list[tuple[int, int, str | None, str]]] = []  # (grid column, gridSpan, vMerge, text)
    for tr in list(tbl.tr_lst)[:MAX_ROWS]:
        col = int(getattr(tr, "grid_before", 0) or 0)
        cells: list[tuple[int, int, str | None, str]] = [(0, col, None, "")] if col else []
        for tc in tr.tc_lst[:MAX_COLS]:
            paras = ("".join(t.text or "" for t in p.iter(qn("w:t"))) for p in tc.iter(qn("w:p")))
            span = max(1, min(int(tc.grid_span or 1), MAX_COLS))
            cells.append((col, span, tc.vMerge, " ".join(" ".join(paras).split())))
            col += span
        raw.append(cells)
    rows: list[list[tuple[str, int, int]]] = []
    for r, cells in enumerate(raw):
        row: list[tuple[str, int, int]] = []
        for col, span, merge, text in cells:
            if merge == "continue":
                continue  # covered by the restart cell above
            rowspan = 1
            while merge == "restart" and r + rowspan < len(raw) and any(
                c[0] == col and c[2] == "continue" for c in raw[r + rowspan]
            ):
                rowspan += 1
            row.append((text, min(rowspan, MAX_ROWSPAN), span))
        rows.append(row)
    return expand_spans(rows)


def _unique_cells(table: Any) -> list[Any]:
    out: list[Any] = []
    for row in table.rows:
        for cell in row.cells:
            if not any(cell._tc is c._tc for c in out):
                out.append(cell)
    return out


# ---------------------------------------------------------------- spreadsheets


def _read_xlsx(data: bytes, doc: Document) -> None:
    import openpyxl

    if _zip_too_big(data):
        doc.unsupported = "xlsx expands beyond the size limit"
        return
    wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    try:
        for ws in wb.worksheets[:MAX_TABLES]:
            doc.tables.append(_rows_grid(ws.iter_rows(max_row=MAX_ROWS, max_col=MAX_COLS, values_only=True)))
    finally:
        wb.close()


def _read_xls(data: bytes, doc: Document) -> None:
    import xlrd

    book = xlrd.open_workbook(file_contents=data, on_demand=True)
    for i in range(min(book.nsheets, MAX_TABLES)):
        sheet = book.sheet_by_index(i)
        rows = (
            sheet.row_values(r, 0, min(sheet.ncols, MAX_COLS)) for r in range(min(sheet.nrows, MAX_ROWS))
        )
        doc.tables.append(_rows_grid(rows))


def _rows_grid(rows: Iterable[Iterable[Any]]) -> Grid:
    grid: Grid = []
    for row in rows:
        grid.append([_xl_text(v) for v in row])
    return grid


def _xl_text(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return " ".join(str(v).split())


# ---------------------------------------------------------------- old binary .doc


def _read_doc(data: bytes, doc: Document) -> None:
    exe = shutil.which("antiword")
    if exe is None:
        doc.unsupported = "binary .doc needs LibreOffice (Debian package libreoffice-writer-nogui) or antiword (Debian package antiword); neither is installed"
        return
    with tempfile.NamedTemporaryFile(suffix=".doc") as tmp:
        tmp.write(data)
        tmp.flush()
        try:
            out = subprocess.run(
                [exe, "-w", "0", "-m", "UTF-8.txt", tmp.name],
                capture_output=True,
                timeout=30,
                check=False,
            )
        except subprocess.TimeoutExpired:
            doc.unsupported = "antiword timed out"
            return
    if out.returncode != 0:
        doc.unsupported = f"antiword could not read the .doc: {out.stderr.decode('utf-8', 'replace')[:120].strip()}"
        return
    doc.lines = out.stdout.decode("utf-8", errors="replace").splitlines()


_READERS = {
    "txt": _read_txt,
    "html": _read_html,
    "pdf": _read_pdf,
    "docx": _read_docx,
    "xlsx": _read_xlsx,
    "xls": _read_xls,
    "doc": _read_doc,
}
