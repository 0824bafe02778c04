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
    for table in root.xpath("//table[not(ancestor::table)]"):
        if len(doc.tables) < MAX_TABLES * 2:
            grid = html_table_grid(table)
            if grid:
                doc.tables.append(grid)
        _drop(table, marker="\n")
    for el in root.iter():
        if not isinstance(el.tag, str):
            continue
        if el.tag in _BLOCK_TAGS:
            el.tail = "\n" + (el.tail or "")
            if el.tag != "br":
                el.text = "\n" + (el.text or "")
    body = root.find("body")
    content = (body if body is not None else root).text_content()
    doc.lines = str(content).splitlines()
    if not any(line.strip() for line in doc.lines) and not doc.tables:
        # libxml2 gives up on pathological markup (e.g. nesting deeper than 256): read text without it
        raw = re.sub(r"<(script|style)\b.{0,100000}?</\1>", "", text[: MAX_TEXT_CHARS * 4], flags=re.S | re.I)
        lines = html.unescape(re.sub(r"<[^>]{0,2000}>", "\n", raw)).splitlines()
        if any(line.strip() for line in lines):
            doc.notes.append("markup_unparseable: text read without the HTML structure")
            doc.lines = lines


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
    """(text, rowspan, colspan) rows → grid; a spanned cell's text fills every slot it covers."""
    occupied: dict[tuple[int, int], str] = {}
    width = 0
    budget = MAX_SPAN_WRITES
    for r, row in enumerate(rows):
        c = 0
        for text, rowspan, colspan in row:
            while (r, c) in occupied:
                c += 1
            if c >= MAX_COLS or budget <= 0:
                break
            rs, cs = min(rowspan, len(rows) - r), min(colspan, MAX_COLS - c)
            budget -= rs * cs
            for dr in range(rs):
                for dc in range(cs):
                    occupied.setdefault((r + dr, c + dc), text)
            c += cs
            width = max(width, c)
    return [[occupied.get((r, c), "") for c in range(width)] for r in range(len(rows))]


# ---------------------------------------------------------------- pdf


def _read_pdf(data: bytes, doc: Document) -> None:
    import pdfplumber

    with pdfplumber.open(io.BytesIO(data)) as pdf:
        pages = pdf.pages
        if len(pages) > MAX_PAGES:
            doc.notes.append(f"pages_truncated: {len(pages)} > {MAX_PAGES}")
        for page in pages[:MAX_PAGES]:
            found = page.find_tables()
            rest = page
            for t in found:
                grid = [[_fill(c) for c in row][:MAX_COLS] for row in t.extract()[:MAX_ROWS]]
                doc.tables.append(grid)
                try:
                    rest = rest.outside_bbox(t.bbox)
                except ValueError:
                    continue
            doc.lines.extend(_unwrap_pdf_lines(rest.extract_text_lines()))
            doc.images.extend(f"pdf-image-p{page.page_number}" for _ in page.images)


_LOOKS_LIKE_HEADING = re.compile(r"^(?:[一二三四五六七八九十]{1,2}\s*[、.．\s]|[（(][一二三四五六七八九十]{1,2}[)）])\S{0,30}$")


def _unwrap_pdf_lines(lines: list[dict[str, Any]]) -> list[str]:
    """Join the lines a PDF wrapped back into paragraphs.

    A line continues the previous one unless the previous one ends a sentence (。；：…) or the
    title (…报告), or either of them is a heading (一、… / （一）…).
    """
    out: list[str] = []
    for line in lines:
        text = str(line["text"]).strip()
        if not text:
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
            grid = [
                [" ".join(cell.text.split()) for cell in row.cells][:MAX_COLS]
                for row in list(table.rows)[:MAX_ROWS]
            ]
            doc.tables.append(grid)


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
