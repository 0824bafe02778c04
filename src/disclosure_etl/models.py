"""Plain data records passed between stages.

These are the contracts between modules: the site parsers produce them, the crawl
and parse stages move them, the warehouse loads them. No behaviour lives here.
Times of publication are naive ``datetime`` in Asia/Shanghai wall-clock; times we
observed something are timezone-aware UTC ``datetime``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

# ---------------------------------------------------------------- site structure


@dataclass(frozen=True)
class Category:
    """One node of a gkmlpt TREE."""

    id: int
    name: str
    parent_id: int | None = None
    path: str = ""  # names from the root, joined by "/" (e.g. "组织机构/机构职能")
    post_count: int | None = None
    jump_url: str | None = None
    is_leaf: bool = False


@dataclass(frozen=True)
class SiteIndex:
    """What a sub-site's ``/gkmlpt/index`` page tells us (its ``window._CONFIG``)."""

    sid: str
    categories: tuple[Category, ...]  # every node, parents and jump nodes included
    name: str | None = None  # from <title>/meta when the page states it
    service_area_id: str | None = None

    @property
    def leaves(self) -> tuple[Category, ...]:
        return tuple(c for c in self.categories if c.is_leaf)


@dataclass(frozen=True)
class Attachment:
    attachment_id: int
    name: str
    ext: str
    mime: str | None
    size: int | None  # bytes; the API sends a numeric string
    url: str


@dataclass(frozen=True)
class ListRow:
    """One article row of the list API, normalised."""

    item_id: int
    category_id: int
    category_name: str
    title: str
    item_type: str  # "normal" | "url"
    url: str
    post_url: str | None
    published_at: datetime | None  # display_publish_time, else create_time, else created_at
    written_date: date | None  # 成文日期 (`date`), None when 0
    document_number: str | None
    identifier: str | None
    publisher: str | None
    is_abolished: bool
    attachments: tuple[Attachment, ...]
    row_hash: str  # sha256 of the canonical JSON of the raw row: changes when the row changes


@dataclass(frozen=True)
class ListPage:
    """One page of ``/gkmlpt/api/all/{cat}``."""

    category_id: int
    category_name: str | None
    post_count: int | None  # classify.post_count (nominal)
    total: int | None  # rows the API serves (the window)
    offset: int | None
    rows: tuple[ListRow, ...]


@dataclass(frozen=True)
class ContentPage:
    """A gkmlpt content page (``…/content/a/b/post_{id}.html``)."""

    item_id: int | None
    title: str | None
    metadata: dict[
        str, str
    ]  # label (索引号, 分类, 发布机构, 成文日期, 名称, 文号, 发布日期, 主题词) -> text
    body_html: str  # DETAIL.content, unescaped; "" when absent
    attachment_urls: tuple[str, ...]


@dataclass(frozen=True)
class PortalLink:
    """A link on an NFCMS portal column page."""

    url: str
    title: str
    date: date | None


@dataclass(frozen=True)
class PortalArticle:
    """An NFCMS portal article page (``…/content/post_{id}.html``)."""

    url: str
    item_id: int | None
    title: str | None
    published_at: datetime | None  # 发布时间
    source: str | None  # 来源
    body_html: str
    attachment_urls: tuple[str, ...]


# ---------------------------------------------------------------- annual reports


@dataclass
class Figure:
    """One number an annual report states (a ``report_figures`` row)."""

    metric: str
    value: float | None
    unit: str | None
    is_blank: bool = False
    approx: bool = False
    source_excerpt: str = ""
    extraction: str = "text"  # text (prose) | table (a table cell) | ocr (a cell read from an image)
    confidence: float | None = None  # OCR recognition score 0..1; None unless extraction is ocr


@dataclass
class ParsedReport:
    """What the report parser returns for one document."""

    source_format: str  # html | pdf | docx | xlsx | xls | doc | txt
    parse_status: str  # parsed | partial | failed | unsupported
    template: str | None = None  # legacy | 2019 | 2021
    report_year: int | None = None
    agency: str | None = None
    title: str | None = None
    published_at: datetime | None = None
    period_start: date | None = None
    period_end: date | None = None
    parse_note: str | None = None
    figures: list[Figure] = field(default_factory=list)
    #: core figures of its template (reports/coverage.py) it should state / that were found
    figures_expected: int | None = None
    figures_found: int | None = None
    text: str = ""  # the prose lines read (tables left out); not part of the JSON shape
    content_sha256: str | None = None  # sha256 of the document's visible text (lines and cells)

    def as_dict(self) -> dict[str, Any]:
        """The JSON shape of ``disclosure-etl report --json`` (contract.md §2)."""
        return {
            "template": self.template,
            "report_year": self.report_year,
            "agency": self.agency,
            "title": self.title,
            "published_at": self.published_at.isoformat(sep=" ") if self.published_at else None,
            "parse_status": self.parse_status,
            "parse_note": self.parse_note,
            "source_format": self.source_format,
            "figures_expected": self.figures_expected,
            "figures_found": self.figures_found,
            "figures": [
                {
                    "metric": f.metric,
                    "value": f.value,
                    "unit": f.unit,
                    "is_blank": f.is_blank,
                    "approx": f.approx,
                    "source_excerpt": f.source_excerpt,
                    "extraction": f.extraction,
                    "confidence": f.confidence,
                }
                for f in self.figures
            ],
        }


# ---------------------------------------------------------------- one run, parsed

#: Columns of each RunBatch table. Every row is a dict with exactly these keys.
RUN_BATCH_COLUMNS: dict[str, tuple[str, ...]] = {
    # one row: the run itself
    "runs": (
        "run_id",
        "started_at",
        "finished_at",
        "status",
        "requests",
        "pages_fetched",
        "http_errors",
        "full_relist",
    ),
    "agencies": ("agency_id", "name", "site_url", "sid", "parent_agency_id", "host", "prefix"),
    "categories": (
        "agency_id",
        "category_id",
        "name",
        "parent_id",
        "path",
        "is_leaf",
        "post_count",
        "jump_url",
    ),
    # one row per (agency, leaf category) the run tried to list
    "listings": (
        "run_id",
        "agency_id",
        "category_id",
        "category_name",
        "mode",
        "status",
        "pages_read",
        "rows_seen",
        "api_total",
        "post_count",
        "oldest_published_at",
        "error",
    ),
    # every list row the run saw (the same item may appear under two categories: keep both)
    "list_rows": (
        "run_id",
        "agency_id",
        "item_id",
        "category_id",
        "category_name",
        "title",
        "item_type",
        "url",
        "post_url",
        "published_at",
        "written_date",
        "document_number",
        "identifier",
        "publisher",
        "is_abolished",
        "attachments",
        "row_hash",
        "seen_at",
    ),
    # content pages fetched this run (new or changed items)
    "item_details": (
        "run_id",
        "agency_id",
        "item_id",
        "content_url",
        "sha256",
        "title",
        "metadata",
    ),
    # annual reports (copies already folded) and their figures
    "reports": (
        "report_id",
        "agency_id",
        "report_year",
        "title",
        "url",
        "copies",
        "published_at",
        "template",
        "source_format",
        "parse_status",
        "parse_note",
        "period_start",
        "period_end",
        "item_id",
        "sha256",
        "publisher",
        "figures_expected",
        "figures_found",
    ),
    # the prose of each report and what identifies its content (one row per report)
    "report_texts": ("report_id", "sha256", "content_sha256", "text"),
    "report_figures": (
        "report_id",
        "agency_id",
        "report_year",
        "metric",
        "value",
        "unit",
        "is_blank",
        "approx",
        "source_excerpt",
        "extraction",
        "confidence",
    ),
    # every HTTP fetch of the run (the fetch log)
    "fetches": (
        "run_id",
        "seq",
        "unit",
        "kind",
        "agency_id",
        "url",
        "final_url",
        "status",
        "outcome",
        "sha256",
        "bytes",
        "elapsed_ms",
        "fetched_at",
        "error",
    ),
    # everything that went wrong, by stage (crawl | parse | load | check)
    "run_errors": ("run_id", "stage", "agency_id", "url", "message"),
}


@dataclass
class RunBatch:
    """Everything one archived run yields, as rows per warehouse staging table.

    ``tables[name]`` is a list of dicts whose keys are ``RUN_BATCH_COLUMNS[name]``.
    JSON-valued columns (``attachments``, ``metadata``) hold JSON text; ``copies`` holds a
    list of URLs. Times: ``published_at``/``oldest_published_at`` naive Asia/Shanghai;
    ``seen_at``/``fetched_at``/``started_at``/``finished_at`` aware UTC.
    """

    run_id: str
    tables: dict[str, list[dict[str, Any]]] = field(
        default_factory=lambda: {name: [] for name in RUN_BATCH_COLUMNS}
    )

    def add(self, table: str, **row: Any) -> None:
        cols = RUN_BATCH_COLUMNS[table]
        unknown = set(row) - set(cols)
        if unknown:
            raise KeyError(f"{table}: unknown columns {sorted(unknown)}")
        self.tables[table].append({c: row.get(c) for c in cols})
