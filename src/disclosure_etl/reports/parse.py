"""parse_report: bytes of one annual report → ParsedReport (pure, never raises, bounded)."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from datetime import datetime

from disclosure_etl.models import Figure, ParsedReport
from disclosure_etl.reports.coverage import (
    is_annual_report,
    measure,
    sections_present,
    unread_counts,
    unread_note,
)
from disclosure_etl.reports.doc import doc_to_docx
from disclosure_etl.reports.document import Document
from disclosure_etl.reports.extract import detect_format, read_document
from disclosure_etl.reports.metadata import (
    agency_name,
    published_time,
    report_year,
    statistics_period,
)
from disclosure_etl.reports.ocr_checks import ocr_doubts
from disclosure_etl.reports.ocr_pages import add_image_tables
from disclosure_etl.reports.phrases import extract_prose
from disclosure_etl.reports.tables import indicator_sentences, read_tables
from disclosure_etl.reports.template import detect_template, section_headings
from disclosure_etl.reports.text import split_sentences

#: Sections of the new templates whose prose is parsed (二/三/四 hold the tables).
PROSE_SECTIONS = {"一", "五", "六", "七", "八"}
MAX_PROSE_CHARS = 200_000  # ParsedReport.text is cut here


def parse_report(
    data: bytes,
    *,
    source_format: str | None = None,
    url: str | None = None,
    title: str | None = None,
    content_type: str | None = None,
    published_at: datetime | None = None,
    images: Mapping[str, bytes] | None = None,
) -> ParsedReport:
    """Parse one report. Any internal error gives ``parse_status='failed'`` with a note.

    ``images`` maps the ``src`` of each ``<img>`` in an HTML body to its archived bytes, so
    tables published as images are read by OCR (the parser never fetches).
    """
    fmt = source_format or "unknown"
    try:
        fmt = source_format or detect_format(data, url=url, content_type=content_type)
        return _parse(data, fmt, title, published_at, images)
    except Exception as exc:  # noqa: BLE001 - the contract is "never raises"
        return ParsedReport(
            source_format=fmt,
            parse_status="failed",
            title=title,
            published_at=published_at,
            parse_note=f"internal error: {type(exc).__name__}: {str(exc)[:200]}",
        )


def _parse(
    data: bytes, fmt: str, title: str | None, published_at: datetime | None,
    images: Mapping[str, bytes] | None = None,
) -> ParsedReport:
    read_fmt, doc_note = fmt, None
    if fmt == "doc":  # old binary Word: LibreOffice converts it, the DOCX path reads it
        docx, doc_note = doc_to_docx(data)
        data, read_fmt = (docx, "docx") if docx is not None else (data, fmt)
    doc = read_document(data, read_fmt) if fmt != "image" else Document(source_format=fmt)
    if doc_note and not doc.unsupported:
        doc.notes.append(doc_note)
    add_image_tables(doc, data, images)
    if fmt == "image" and not doc.tables:
        doc.unsupported = "image holds no table that OCR could read"
    title = title or doc.page_title
    report = ParsedReport(source_format=fmt, parse_status="parsed", title=title, published_at=published_at)
    if doc.unsupported:
        report.parse_status = "unsupported"
        report.parse_note = doc.unsupported
        return report
    lines = [line for line in (x.strip() for x in doc.lines) if line]
    text = "\n".join(lines)
    report.content_sha256 = visible_text_sha256(lines, doc.tables)
    headings = section_headings(lines)
    stated_title = title or _title_line(lines)
    report.report_year = report_year(stated_title, text)
    report.agency = agency_name(stated_title, text)
    report.published_at = published_at or published_time(text)
    tables = read_tables(doc.tables, lines)
    report.template = detect_template(tables, [h for _, _, h in headings], report.report_year)
    if doc.body_is_attachment_link:  # no report in the page: no template to tell
        report.template = None
        doc.notes.append(f"body_is_attachment_link: the report is the attachment {doc.attachment_links[0][:120]}, not the page")
    prose = lines if report.template == "legacy" else _prose_lines(lines, headings)
    report.text = "\n".join(prose)[:MAX_PROSE_CHARS]
    report.period_start, report.period_end = statistics_period(split_sentences(text)[:400])
    figures: list[Figure] = extract_prose(prose, indicator_sentences(doc.tables)) + tables.figures
    report.figures = figures
    notes = list(doc.notes)
    if report.template not in ("legacy", None):
        notes.extend(_missing_tables(doc, tables.found, headings))
    notes.extend(tables.notes[:5])
    notes.extend(ocr_doubts(figures))
    settle_status(report, doc, lines, prose, notes)
    return report


#: Notes that mean the document was read incompletely (the report cannot be ``parsed``).
DEGRADED = (
    "tables_as_images", "tables_missing", "input_truncated", "text_truncated", "pages_truncated",
    "tables_truncated", "t3 cell", "t2 cell", "markup_unparseable", "html_unparseable",
    "ocr_uncertain", "ocr_unavailable", "image_not_archived", "doc_without_libreoffice",
    "doc_conversion_failed", "pdf_scanned_page", "image_body",
    "stats row",  # a 统计表 row whose run of digits cannot be split: its counts were not read
)  # fmt: skip


def settle_status(
    report: ParsedReport, doc: Document, lines: list[str], prose: list[str], notes: list[str]
) -> None:
    """parse_status, parse_note and the coverage counts, from the figures and what was read.

    ``failed``: no text, a body that is only a link to an attachment (the reader's
    ``body_is_attachment_link``), or no annual report at all. ``partial``: a core figure of
    the template is missing, an item count the text states was left unread (coverage.py), or
    the read was degraded. ``parsed``: none of these.
    """
    text = "\n".join(lines)
    cov = measure(report.template, sections_present(prose), report.figures)
    report.figures_expected, report.figures_found = cov.figures_expected, cov.figures_found
    if not lines and not doc.tables:
        report.parse_status = "failed"
        notes.insert(0, "no text found")
    elif doc.body_is_attachment_link and not report.figures:
        report.parse_status = "failed"
        if not any(n.startswith("body_is_attachment_link") for n in notes):
            link = doc.attachment_links[0][:200] if doc.attachment_links else "an attachment"
            notes.insert(0, f"body_is_attachment_link: the report is the attachment {link}, not the page")
    elif not is_annual_report(text, report.figures):
        report.parse_status = "failed"
        notes.insert(0, "not_a_report: no annual-report markers and no figures")
    elif not report.figures:
        report.parse_status = "partial"
        notes.insert(0, "no figures found")
    else:
        unread = unread_counts(lines, report.figures)
        if unread:
            notes.insert(0, unread_note(unread))
        if not cov.complete:
            notes.insert(0, f"missing {cov.figures_expected - cov.figures_found}/{cov.figures_expected}: {cov.note()}")
        degraded = any(n.startswith(DEGRADED) for n in notes)
        report.parse_status = "partial" if unread or degraded or not cov.complete else "parsed"
    if report.parse_status == "failed":  # nothing was read that could tell
        report.template = report.figures_expected = report.figures_found = None
    report.parse_note = "; ".join(notes) or None


def visible_text_sha256(lines: list[str], tables: list[list[list[str]]]) -> str:
    """sha256 of a document's visible text, whitespace dropped: what a report version is
    (markup, page chrome and how the parser reads figures do not count)."""
    cells = ("".join(cell for row in grid for cell in row) for grid in tables)
    visible = re.sub(r"\s+", "", "".join([*lines, *cells]))
    return hashlib.sha256(visible.encode("utf-8")).hexdigest()


def _title_line(lines: list[str]) -> str | None:
    """The report's own title line near the top (…年度报告), when the caller gave no title."""
    for line in lines[:8]:
        if len(line) <= 80 and re.search(r"年度?报告|年报", line) and re.search(r"\d{4}\s*年", line):
            return line
    return None


def _prose_lines(lines: list[str], headings: list[tuple[int, str, str]]) -> list[str]:
    """Lines outside sections 二/三/四 (those hold the tables and their captions)."""
    if not headings:
        return lines
    keep = [True] * len(lines)
    for n, (start, numeral, _) in enumerate(headings):
        end = headings[n + 1][0] if n + 1 < len(headings) else len(lines)
        if numeral not in PROSE_SECTIONS:
            for i in range(start, end):
                keep[i] = False
    return [line for line, k in zip(lines, keep, strict=True) if k]


def _missing_tables(doc: Document, found: set[str], headings: list[tuple[int, str, str]]) -> list[str]:
    expected = {"二": "t2", "三": "t3", "四": "t4"}
    present = {expected[n] for _, n, t in headings if n in expected and _is_table_heading(t)}
    missing = sorted((present or set(expected.values())) - found)
    if not missing:
        return []
    names = ", ".join(missing)
    if doc.images:
        return [f"tables_as_images: {names} not found as tables, {len(doc.images)} image(s) in the body"]
    return [f"tables_missing: {names} not found as tables"]


def _is_table_heading(text: str) -> bool:
    return bool(re.search(r"主动公开|申请|复议|诉讼", text))
