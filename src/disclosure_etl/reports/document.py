"""The format-neutral view of one report that the extractors produce."""

from __future__ import annotations

from dataclasses import dataclass, field

Grid = list[list[str]]  # rows of cell texts, spans already expanded

#: Limits that keep one document's work bounded.
MAX_BYTES = 20 * 1024 * 1024
MAX_TEXT_CHARS = 2_000_000
MAX_TABLES = 60
MAX_ROWS = 400
MAX_COLS = 60
MAX_ROWSPAN = 200
MAX_PAGES = 40


@dataclass
class Document:
    """Prose lines, table grids and image references of one report, in reading order."""

    source_format: str
    lines: list[str] = field(default_factory=list)
    tables: list[Grid] = field(default_factory=list)
    images: list[str] = field(default_factory=list)
    page_title: str | None = None
    notes: list[str] = field(default_factory=list)  # limits hit, degraded reads
    unsupported: str | None = None  # why the format cannot be read, when it cannot
    attachment_links: list[str] = field(default_factory=list)  # hrefs of .doc/.pdf/… files linked
    #: The page holds no report text, only a title and a link to the report as an attachment.
    body_is_attachment_link: bool = False
