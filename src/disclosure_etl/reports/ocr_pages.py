"""Where OCR applies: the images of a report (and scanned PDF pages) → table grids on the Document.

Sources, in reading order: the body itself when it is an image; ``<img>`` of an HTML body,
whose bytes the caller passes in (``images``: src → bytes, as archived by the crawl — the
parser never fetches); the pictures inside a DOCX; PDF pages with no text layer or with
embedded images, rendered by pypdfium2. OCR only runs while table 二/三/四 is still missing,
and only on images that hold a ruled grid. Every degraded read leaves a note.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator, Mapping

from disclosure_etl.reports.document import MAX_BYTES, MAX_PAGES, Document
from disclosure_etl.reports.tables import group_tables

#: At most this many images are examined per report (a page of photos is not a table).
MAX_IMAGES = 20
#: PDF pages are rendered at this many dots per inch for OCR.
PDF_DPI = 200
_MEDIA = (".png", ".jpg", ".jpeg", ".gif", ".bmp", ".tif", ".tiff")
TABLES = {"t2", "t3", "t4"}


def image_srcs(body_html: str) -> list[str]:
    """The ``src`` of the content images of an HTML report body (icons and inline data left
    out): what the crawl archives so that :func:`add_image_tables` can read them."""
    from disclosure_etl.reports.extract import read_document

    doc = read_document(body_html.encode("utf-8"), "html")
    return [s for s in dict.fromkeys(doc.images) if not s.startswith("data:")][:MAX_IMAGES]


def add_image_tables(doc: Document, data: bytes, images: Mapping[str, bytes] | None) -> None:
    """Append the tables read from the report's images to ``doc.tables`` (notes on failures)."""
    if not TABLES - {kind for kind, _ in group_tables(doc.tables)}:
        return
    sources = list(_image_sources(doc, data, images or {}))
    if not sources:
        return
    try:
        from disclosure_etl.reports.image_tables import decode_image, find_cells, read_grid
        from disclosure_etl.reports.ocr import INSTALL_HINT, ocr_available, recognise_lines
    except ImportError:  # numpy / OpenCV missing
        doc.notes.append("ocr_unavailable: image tables need opencv-python-headless and rapidocr")
        return
    read = 0
    for name, blob in sources[:MAX_IMAGES]:
        gray = decode_image(blob)
        if gray is None:
            doc.notes.append(f"image_unreadable: {name[:80]}")
            continue
        cells = find_cells(gray)
        if len(cells) < 6:
            continue  # no ruled table in this image
        if not ocr_available():
            doc.notes.append(f"ocr_unavailable: {INSTALL_HINT}")
            return
        grid = read_grid(gray, cells, recognise_lines)
        if grid:
            doc.tables.append(grid)
            read += 1
    if read:
        doc.notes.append(f"ocr: {read} table image(s) read")


def _image_sources(doc: Document, data: bytes, images: Mapping[str, bytes]) -> Iterator[tuple[str, bytes]]:
    fmt = doc.source_format
    if fmt == "image":
        doc.notes.append("image_body: OCR reads its tables, not its prose")
        yield "body", data
    elif fmt == "html":
        for src in doc.images:
            blob = _data_uri(src) if src.startswith("data:") else images.get(src)
            if blob is None:
                doc.notes.append(f"image_not_archived: {src[:80]}")
            else:
                yield src, blob
    elif fmt == "docx":
        yield from _docx_media(data)
    elif fmt == "pdf":
        yield from _pdf_pages(data, doc)


def _data_uri(src: str) -> bytes | None:
    """The bytes of an inline ``data:image/…;base64,`` image."""
    import base64
    import binascii

    head, _, payload = src.partition(",")
    if not head.startswith("data:image/") or not head.endswith(";base64"):
        return None
    try:
        return base64.b64decode(payload, validate=False)
    except (binascii.Error, ValueError):
        return None


def _docx_media(data: bytes) -> Iterator[tuple[str, bytes]]:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        for info in zf.infolist():
            name = info.filename
            if name.startswith("word/media/") and name.lower().endswith(_MEDIA) and info.file_size <= MAX_BYTES:
                yield name, zf.read(info)


def _pdf_pages(data: bytes, doc: Document) -> Iterator[tuple[str, bytes]]:
    """PNG renderings of the pages that have no text layer or hold images."""
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(data)
    try:
        for i in range(min(len(pdf), MAX_PAGES)):
            page = pdf[i]
            scanned = page.get_textpage().count_chars() == 0
            has_image = any(True for _ in page.get_objects(filter=[pdfium.raw.FPDF_PAGEOBJ_IMAGE], max_depth=2))
            if not (scanned or has_image):
                continue
            if scanned:
                doc.notes.append(f"pdf_scanned_page: p{i + 1} has no text layer (OCR reads its tables, not its prose)")
            bitmap = page.render(scale=PDF_DPI / 72, grayscale=True)
            buf = io.BytesIO()
            bitmap.to_pil().save(buf, format="PNG")
            yield f"pdf-page-{i + 1}", buf.getvalue()
    finally:
        pdf.close()
